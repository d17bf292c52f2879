"""Production: PostgreSQL, Redis, object storage, HTTPS. Every secret comes from the environment.

Required: ``ADUAN_SECRET_KEY``, ``DATABASE_URL``, ``ADUAN_ALLOWED_HOSTS``.
Recommended: ``REDIS_URL`` (shared cache and rate limits), ``ADUAN_TASKS_BACKEND``,
``ADUAN_FILE_STORAGE`` (e.g. ``storages.backends.s3.S3Storage``), ``ADUAN_EMAIL_*``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

for _name in ("ADUAN_SECRET_KEY", "DATABASE_URL", "ADUAN_ALLOWED_HOSTS"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("ADUAN_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("ADUAN_HSTS_SECONDS", 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ADUAN_TRUSTED_PROXY_COUNT = int(os.environ.get("ADUAN_TRUSTED_PROXY_COUNT", "1"))
