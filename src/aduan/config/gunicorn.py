"""Gunicorn settings for every environment: ``gunicorn -c python:aduan.config.gunicorn``.

``make run`` (through ``deploy/supervisord.conf``), production and the smoke test in ``tests/`` all start
the web server with this file, so what is tested is what is deployed. Values come from
the environment:

- ``HOST`` / ``PORT``: where to listen (127.0.0.1:8000 by default; behind a reverse proxy
  keep the loopback address or a private one).
- ``WEB_WORKERS``: worker processes (default 3: enough for one office on SQLite; on
  PostgreSQL use about 2 x cores + 1 per machine).
- ``WEB_THREADS``: threads per worker (default 1).
- ``WEB_TIMEOUT``: seconds before a stuck worker is restarted (default 30).
- ``ADUAN_FORWARDED_ALLOW_IPS``: addresses of the reverse proxies whose
  ``X-Forwarded-Proto`` gunicorn trusts (default ``127.0.0.1,::1``).
"""

from __future__ import annotations

import logging
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
wsgi_app = "aduan.config.wsgi:application"
workers = int(os.environ.get("WEB_WORKERS", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so that a slow leak cannot grow without bound; the jitter
# keeps them from restarting all at once.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("ADUAN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
# The path without its query string: Kannel's get-url carries the sender's phone number,
# the SMS text and the inbound token in the query, and search pages carry what people
# searched for. None of that belongs in an access log. (Gunicorn's default has "%(r)s",
# the whole request line.)
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(D)sus "%(a)s"'
# Load the application once in the master so a broken setting fails at start-up, not in
# every worker, and workers share the imported code's memory.
preload_app = True
# gunicorn 24+ opens a control socket at one fixed path in the home directory; two servers
# on one machine (make run beside the smoke test, several instances) would fight over it.
control_socket_disable = True


def worker_exit(server, worker) -> None:
    """A worker recycled after ``max_requests`` leaves at once (logs flushed first): the
    interpreter's teardown frees every object one by one, and with several workers recycled
    together on a busy machine the master waited seconds to fork their successors while no
    worker answered. Connections close with the process. Any other exit (a stop, a boot
    error and its exit code) takes the normal way."""
    if worker.max_requests and worker.nr >= worker.max_requests:
        logging.shutdown()
        os._exit(0)
