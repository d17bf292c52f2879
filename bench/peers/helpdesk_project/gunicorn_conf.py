"""Gunicorn settings for the helpdesk peer: the same as Aduan's `aduan.config.gunicorn`.

Same server, same worker model and the same recycling, preloading and access log, so that
the two applications differ only in the application. Values come from the environment
that `bench/peers/helpdesk.py` sets.
"""

import os

bind = f"127.0.0.1:{os.environ['PORT']}"
wsgi_app = "wsgi:application"
workers = int(os.environ.get("WEB_WORKERS", "4"))
threads = 1
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("HELPDESK_BENCH_ACCESSLOG") or None
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(D)sus "%(a)s"'
preload_app = True
control_socket_disable = True
