"""Production: PostgreSQL, Redis, object storage, HTTPS behind a reverse proxy.

Every secret comes from the environment; README.md ("Production deployment") lists each
variable. Required: ``ADUAN_SECRET_KEY``, ``DATABASE_URL`` (PostgreSQL), ``ADUAN_ALLOWED_HOSTS``,
and the audit chain's keys (``ADUAN_AUDIT_KEYS`` or ``ADUAN_AUDIT_KEY_FILE``, ADR 0018).
Recommended at scale: ``REDIS_URL`` (cache and rate limits shared by every web process),
``ADUAN_S3_BUCKET`` (attachments in object storage, so web and worker machines share them),
``ADUAN_TASKS_BACKEND=django_tasks_rq.RQBackend`` (tasks through Redis and RQ workers).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from aduan.reports.audit_keys import keyring_configured

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, STORAGES, TASKS, env_bool, env_list

_missing = [
    name
    for name in ("ADUAN_SECRET_KEY", "DATABASE_URL", "ADUAN_ALLOWED_HOSTS")
    if not os.environ.get(name)
]
if _missing:
    raise ImproperlyConfigured(
        f"{', '.join(_missing)} must be set in production (see README.md, Production deployment)"
    )
if len(os.environ["ADUAN_SECRET_KEY"]) < 50:
    raise ImproperlyConfigured("ADUAN_SECRET_KEY must be at least 50 characters long")
# The audit chain's keys: never the development key derived from SECRET_KEY (whoever has
# that could rewrite the chain, and rotating SECRET_KEY would break it). Read now, so that
# a missing file or a malformed key stops the start.
if (
    keyring_configured(
        keys=os.environ.get("ADUAN_AUDIT_KEYS", ""),
        key_file=os.environ.get("ADUAN_AUDIT_KEY_FILE", ""),
    )
    is None
):
    raise ImproperlyConfigured(
        "ADUAN_AUDIT_KEYS or ADUAN_AUDIT_KEY_FILE must be set in production "
        "(see README.md, Production deployment)"
    )

DEBUG = False
ADUAN_PUSH_ALLOW_LOOPBACK = False  # a user's subscription must never make the server call itself

# --- HTTPS behind a reverse proxy -------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("ADUAN_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("ADUAN_HSTS_SECONDS", 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ADUAN_TRUSTED_PROXY_COUNT = int(os.environ.get("ADUAN_TRUSTED_PROXY_COUNT", "1"))

# --- Object storage for attachments -----------------------------------------------------
# Several web and worker machines must see the same files: with ADUAN_S3_BUCKET set,
# attachments go to any S3-compatible store (AWS S3, MinIO, Ceph, a cloud provider's
# object storage). Files stay private: the app hands out short-lived signed URLs only
# after its own permission check.
if s3_bucket := os.environ.get("ADUAN_S3_BUCKET"):
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3_bucket,
                "endpoint_url": os.environ.get("ADUAN_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("ADUAN_S3_REGION") or None,
                "access_key": os.environ.get("ADUAN_S3_ACCESS_KEY_ID") or None,
                "secret_key": os.environ.get("ADUAN_S3_SECRET_ACCESS_KEY") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "signature_version": "s3v4",  # SigV2 is retired; some stores refuse it
                "querystring_expire": int(os.environ.get("ADUAN_S3_URL_EXPIRE", "300")),
                "file_overwrite": False,
                "location": os.environ.get("ADUAN_S3_PREFIX", "attachments"),
            },
        },
    }

# --- Tasks through Redis at scale -------------------------------------------------------
# The database backend (base.py) is the default and keeps the outbox in the same
# transaction as the data. With ADUAN_TASKS_BACKEND=django_tasks_rq.RQBackend, tasks go
# to Redis and are run by `manage.py rqworker --job-class django_tasks_rq.Job` processes.
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured("The RQ tasks backend needs REDIS_URL")
    _task_queues = env_list("ADUAN_TASK_QUEUES", "default")
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": os.environ["REDIS_URL"]} for name in _task_queues}
    TASKS = {**TASKS, "default": {**TASKS["default"], "QUEUES": _task_queues}}
