"""Settings for the test suite: the same as base, with fast hashing and local caches."""

from .base import *  # noqa: F403
from .base import TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {**TASKS, "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_RATE_LIMITS = False
# Serve static files from the apps' folders, without a collectstatic run (and without
# whitenoise's warning about the missing STATIC_ROOT).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests read the figures their actions just wrote; the dashboard's cache has tests of its own.
ADUAN_STATISTICS_CACHE_SECONDS = 0
ADUAN_TRIAGE_MODEL_CHECK_SECONDS = 0
# Most tests sign staff in with force_login, which skips the sign-in's second step; the
# tests of two-factor authentication turn this on (accounts/tests/test_mfa.py).
ADUAN_STAFF_MFA_REQUIRED = False
# The push tests run their push service on loopback (notifications/tests/test_push.py).
ADUAN_PUSH_ALLOW_LOOPBACK = True
