"""Settings for the worker processes that test_worker.py starts and kills.

The embedded settings (database backend for tasks, SQLite unless DATABASE_URL is set) with
e-mail written to files, so that every process's sends can be counted afterwards.
"""

import os

from aduan.config.settings.base import *  # noqa: F403

EMAIL_BACKEND = os.environ.get(
    "ADUAN_TEST_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ["ADUAN_TEST_EMAIL_DIR"]
ADUAN_NOTIFICATION_CLAIM_TIMEOUT = int(os.environ.get("ADUAN_TEST_CLAIM_TIMEOUT", "600"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
