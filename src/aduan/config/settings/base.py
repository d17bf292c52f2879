"""Settings shared by every environment.

Everything that differs between a laptop and production comes from the environment
(``DATABASE_URL``, ``REDIS_URL``, ``ADUAN_*``). With nothing set, Aduan runs on an
embedded SQLite database under ``var/`` so that ``make run`` needs no service.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from aduan.core.dbpool import pooled_database
from aduan.core.http import proxy_networks
from aduan.core.siteurl import site_url

SRC_DIR = Path(__file__).resolve().parents[3]
BASE_DIR = SRC_DIR.parent
VAR_DIR = Path(os.environ.get("ADUAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def json_setting(name: str, raw: str | None, default: dict) -> dict:
    """``raw`` (the variable ``name``'s value) parsed as a JSON object, or ``default``."""
    if raw is None or not raw.strip():
        return default
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f'{name} must be a JSON object, e.g. {{"response": 7}}')
    return value


def _secret_key() -> str:
    """Take the key from the environment, or keep a generated one under var/ (never in git)."""
    if key := os.environ.get("ADUAN_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("ADUAN_DEBUG")
ALLOWED_HOSTS = env_list("ADUAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ADUAN_CSRF_TRUSTED_ORIGINS")
# Links in e-mails, SMS and notifications: ADUAN_SITE_URL, or where the server listens
# (HOST/PORT, as `make run PORT=8101` sets them). ADUAN_SITE_NAME names the site in
# allauth's e-mails; both are written to the Sites framework's row at start (core.apps).
SITE_URL = site_url()
SITE_NAME = os.environ.get("ADUAN_SITE_NAME", "").strip() or "Aduan"
if "ADUAN_ALLOWED_HOSTS" not in os.environ:
    # `make run HOST=192.168.1.5`: the links point there, so the site must answer there.
    site_host = urlsplit(SITE_URL).hostname or ""
    if ":" in site_host:
        site_host = f"[{site_host}]"  # an IPv6 address, written as ALLOWED_HOSTS writes it
    if site_host and site_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(site_host)

INSTALLED_APPS = [
    "aduan.core.admin_site.AduanAdminConfig",  # django.contrib.admin, 403 for the signed-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django_htmx",
    # The API docs (/api/v1/docs) from django-ninja's own static files, not a CDN's
    # inline-scripted page: the Content-Security-Policy allows this origin only.
    "ninja",
    # Before allauth: the site's templates restyle allauth's pages (allauth/layouts/base.html).
    "aduan.web",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.twitter_oauth2",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # Before django_tasks_db: aduan.core's db_worker (which rides out a database restart)
    # replaces the package's command of the same name.
    "aduan.core",
    "django_tasks",
    "django_tasks_db",
    "aduan.regions",
    "aduan.agencies",
    "aduan.categories",
    "aduan.accounts",
    "aduan.reports",
    "aduan.programmes",
    "aduan.workflow",
    "aduan.sla",
    "aduan.search",
    "aduan.triage",
    "aduan.notifications",
    "aduan.integrations",
    "aduan.oversight",
    "aduan.channels",
    # One line per channel: its AppConfig registers its spec, sender and jobs (in this
    # order the notification senders: in-app, e-mail, SMS, X).
    "aduan.channels.mail",
    "aduan.channels.sms",
    "aduan.channels.x",
    "aduan.channels.open311",
    "aduan.api",
    "aduan.exports",
    "aduan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer (aduan.core).
    "aduan.core.security_headers.SecurityHeadersMiddleware",
    # Marks the pages the service worker may keep offline, once their cookies are known.
    "aduan.web.pwa.OfflineCopyMiddleware",
    # Every 429 (allauth's limits included) carries Retry-After (aduan.core.middleware).
    "aduan.core.middleware.RetryAfterMiddleware",
    # A lost database connection answers 503 + Retry-After, not 500 (aduan.core.outage).
    "aduan.core.outage.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Gzip for pages and JSON, never for answers that show a secret (aduan.core.compression);
    # below whitenoise, whose static files are compressed ahead of time.
    "aduan.core.compression.PageCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aduan.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff prove a second factor (TOTP) before any other page (aduan.accounts.middleware).
    "aduan.accounts.middleware.SecondFactorMiddleware",
    # A service's NotFound / PermissionDenied that a page lets through: the 404 / 403 page.
    "aduan.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "aduan.config.urls"
WSGI_APPLICATION = "aduan.config.wsgi.application"
ASGI_APPLICATION = "aduan.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "aduan.accounts.context_processors.capabilities_context",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (psycopg 3) in production and CI. Without it, the
# embedded SQLite file is tuned so the web server and the worker can write side by side:
# IMMEDIATE transactions, a lock timeout and WAL (docs/decisions/0005-embedded-sqlite.md).
SQLITE_PATH = Path(os.environ.get("ADUAN_SQLITE_PATH", VAR_DIR / "aduan.sqlite3"))
if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # ADUAN_DB_POOLER=pgbouncer: DATABASE_URL points at PgBouncer in transaction mode
    # (deploy/pgbouncer/): no server-side cursors, no prepared statements (aduan.core.dbpool).
    DATABASES["default"] = pooled_database(
        DATABASES["default"], pooler=os.environ.get("ADUAN_DB_POOLER", "")
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, sessions) ------------------------------------------------------
# Rate limits must be shared by every web process: Redis when REDIS_URL is set, the
# database otherwise (the embedded default runs several gunicorn workers). While Redis
# is unreachable each process counts on its own rather than failing (aduan.core.cache);
# the timeouts keep a Redis that hangs from holding requests.
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "aduan.core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    # Sessions read from Redis and written to both Redis and the database: a Redis
    # restart or flush signs nobody out (the next read falls back to the row). A logout
    # while Redis is unreachable removes the row but may leave Redis's copy until it
    # expires (SESSION_COOKIE_AGE); the browser's cookie is deleted either way.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "aduan_cache",
            # Django's default (300 entries, then a third is culled) would silently reset
            # rate-limit counters once a few hundred addresses are active.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# --- Accounts ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name", "phone")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "aduan.accounts.validators.IndonesianCommonPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ADUAN_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_FORMS = {"signup": "aduan.accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_ADAPTER = "aduan.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "aduan.accounts.adapters.SocialAccountAdapter"
# A provider's address that matches an account signs in to it (only when the provider
# verified the address) and connects the provider's account to it, so the next sign-in
# finds it by id.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Each provider appears (its button, its URLs) only once its client is configured here or
# as a SocialApp row in the admin site.
SOCIALACCOUNT_PROVIDERS: dict = {
    "google": {"SCOPE": ["profile", "email"]},
    "facebook": {"SCOPE": ["email", "public_profile"], "METHOD": "oauth2"},
    "twitter_oauth2": {},
    # The government identity provider: allauth's generic OpenID Connect with the ID token's
    # signature and nonce always checked (aduan.accounts.oidc).
    "openid_connect": {
        "provider_class": "aduan.accounts.oidc.provider.GovernmentOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,
    },
}
for provider_id, client_id, secret in (
    (
        "google",
        os.environ.get("ADUAN_GOOGLE_CLIENT_ID"),
        os.environ.get("ADUAN_GOOGLE_CLIENT_SECRET", ""),
    ),
    (
        "facebook",
        os.environ.get("ADUAN_FACEBOOK_CLIENT_ID"),
        os.environ.get("ADUAN_FACEBOOK_CLIENT_SECRET", ""),
    ),
    (
        "twitter_oauth2",
        os.environ.get("ADUAN_X_SIGNIN_CLIENT_ID"),
        os.environ.get("ADUAN_X_SIGNIN_CLIENT_SECRET", ""),
    ),
):
    if client_id:
        SOCIALACCOUNT_PROVIDERS[provider_id]["APP"] = {"client_id": client_id, "secret": secret}
if (oidc_client_id := os.environ.get("ADUAN_OIDC_CLIENT_ID")) and (
    oidc_server_url := os.environ.get("ADUAN_OIDC_SERVER_URL")
):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": os.environ.get("ADUAN_OIDC_PROVIDER_ID", "gov"),
            "name": os.environ.get("ADUAN_OIDC_NAME", "Identitas Digital"),
            "client_id": oidc_client_id,
            "secret": os.environ.get("ADUAN_OIDC_CLIENT_SECRET", ""),
            "settings": {"server_url": oidc_server_url},
        }
    ]
SOCIALACCOUNT_ONLY = False
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes.
# Staff and admin-site users must use it before they see any page but its own
# (ADUAN_STAFF_MFA_REQUIRED, aduan.accounts.middleware); citizens may turn it on.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "aduan.accounts.mfa.MFAAdapter"
ADUAN_STAFF_MFA_REQUIRED = env_bool("ADUAN_STAFF_MFA_REQUIRED", default=True)

# --- E-mail -------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "ADUAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("ADUAN_DEFAULT_FROM_EMAIL", "Aduan <noreply@aduan.localhost>")
if email_url := os.environ.get("ADUAN_EMAIL_HOST"):
    EMAIL_HOST = email_url
    EMAIL_PORT = int(os.environ.get("ADUAN_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("ADUAN_EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ADUAN_EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("ADUAN_EMAIL_USE_TLS", True)

# --- Background tasks -----------------------------------------------------------------
# django-tasks with the database backend: the outbox lives in the same database as the
# data it belongs to, so nothing is lost while the worker is down.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ADUAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "aduan" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ADUAN_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("ADUAN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission check
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "ADUAN_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security defaults safe behind plain HTTP on loopback -----------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A refused form in the site's layout (Django's page has inline style, which the CSP refuses).
CSRF_FAILURE_VIEW = "aduan.web.views.csrf_failure"

# --- Aduan ------------------------------------------------------------------------------
ADUAN_SUBMIT_RATE_USER = os.environ.get("ADUAN_SUBMIT_RATE_USER", "10/h")
ADUAN_SUBMIT_RATE_IP = os.environ.get("ADUAN_SUBMIT_RATE_IP", "30/h")
# Downloads of a staff list (CSV or XLSX) per user: personal data leaving the system.
ADUAN_EXPORT_RATE = os.environ.get("ADUAN_EXPORT_RATE", "20/h")
# Lists longer than this are exported by the task queue into a file kept for download
# rather than streamed (a web worker is stopped after 30 s), and kept this many days.
ADUAN_EXPORT_STREAM_MAX_ROWS = int(os.environ.get("ADUAN_EXPORT_STREAM_MAX_ROWS", "50000"))
ADUAN_EXPORT_KEEP_DAYS = int(os.environ.get("ADUAN_EXPORT_KEEP_DAYS", "7"))
ADUAN_API_LOGIN_RATE = os.environ.get("ADUAN_API_LOGIN_RATE", "10/m")
ADUAN_API_REGISTER_RATE = os.environ.get("ADUAN_API_REGISTER_RATE", "10/h")
# Days a person's API token works (an agency's integration token does not expire).
ADUAN_API_TOKEN_DAYS = int(os.environ.get("ADUAN_API_TOKEN_DAYS", "90"))
# Sign-up on the web follows the API's registration limit per address: one policy.
ACCOUNT_RATE_LIMITS["signup"] = f"{ADUAN_API_REGISTER_RATE}/ip"
ADUAN_ATTACHMENT_MAX_BYTES = int(os.environ.get("ADUAN_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
ADUAN_ATTACHMENT_MAX_COUNT = int(os.environ.get("ADUAN_ATTACHMENT_MAX_COUNT", 5))
# The pixels the images of one request may decode together (aduan.reports.attachments).
ADUAN_UPLOAD_DECODE_PIXELS = int(os.environ.get("ADUAN_UPLOAD_DECODE_PIXELS", 60_000_000))
# An uploaded PDF with more pages is refused (aduan.reports.pdf).
ADUAN_PDF_MAX_PAGES = int(os.environ.get("ADUAN_PDF_MAX_PAGES", 500))
ADUAN_PAGE_SIZE = 20
# The keys that sign the audit chain (aduan.reports.audit_keys, ADR 0018): "id:base64,…"
# (the last one signs new events), or a file holding them. Neither: a development key
# derived from SECRET_KEY; production refuses to start without one.
ADUAN_AUDIT_KEYS = os.environ.get("ADUAN_AUDIT_KEYS", "")
ADUAN_AUDIT_KEY_FILE = os.environ.get("ADUAN_AUDIT_KEY_FILE", "")
# Statistics (aduan.oversight, ADR 0015): public counts under this are withheld; an agency
# is ranked in the league table from this many first responses in the period.
ADUAN_STATISTICS_SUPPRESS_BELOW = int(os.environ.get("ADUAN_STATISTICS_SUPPRESS_BELOW", "5"))
# The staff dashboard's figures of one view are counted at most this often (0: on every
# request); the national views of each period preset are counted ahead by a periodic job.
ADUAN_STATISTICS_CACHE_SECONDS = int(os.environ.get("ADUAN_STATISTICS_CACHE_SECONDS", "300"))
ADUAN_LEAGUE_MIN_VOLUME = int(os.environ.get("ADUAN_LEAGUE_MIN_VOLUME", "20"))
# The folder of DejaVuSans.ttf and DejaVuSans-Bold.ttf for the monthly PDFs
# (aduan.oversight.monthly); empty: the usual system folders (fonts-dejavu-core).
ADUAN_PDF_FONT_DIR = os.environ.get("ADUAN_PDF_FONT_DIR", "")
# Lists count at most this many rows ("10.000+"): an exact COUNT(*) over millions is slow.
ADUAN_COUNT_CAP = int(os.environ.get("ADUAN_COUNT_CAP", "10000"))
# A search by rank ranks the newest this many matches (each a read of its index row);
# "newest first" lists every match.
ADUAN_SEARCH_RANK_WINDOW = int(os.environ.get("ADUAN_SEARCH_RANK_WINDOW", "1000"))
# Triage (aduan.triage): how many of the newest disposed reports the nightly retraining
# learns from, the hour (national time) it runs, and how often a process looks for a
# newer model.
# A background task still "running" this long after it started lost its worker: the sweep
# queues it again, or after three such runs marks it failed (aduan.core.stale_tasks).
ADUAN_TASK_STALE_MINUTES = int(os.environ.get("ADUAN_TASK_STALE_MINUTES", "60"))
# A notification a worker claimed this long ago and never finished is settled by the
# sweep: queued again if its send had not started, else marked uncertain (never re-sent).
ADUAN_NOTIFICATION_CLAIM_TIMEOUT = int(os.environ.get("ADUAN_NOTIFICATION_CLAIM_TIMEOUT", "600"))
ADUAN_TRIAGE_TRAINING_LIMIT = int(os.environ.get("ADUAN_TRIAGE_TRAINING_LIMIT", "20000"))
ADUAN_TRIAGE_RETRAIN_HOUR = int(os.environ.get("ADUAN_TRIAGE_RETRAIN_HOUR", "2"))
ADUAN_TRIAGE_MODEL_CHECK_SECONDS = int(os.environ.get("ADUAN_TRIAGE_MODEL_CHECK_SECONDS", "300"))
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For we trust, and their
# addresses (or networks, or "*"): the header of any other caller is ignored. The same
# variable tells gunicorn whose X-Forwarded-Proto to trust (config/gunicorn.py).
ADUAN_TRUSTED_PROXY_COUNT = int(os.environ.get("ADUAN_TRUSTED_PROXY_COUNT", "0"))
ADUAN_FORWARDED_ALLOW_IPS = env_list("ADUAN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_networks(ADUAN_FORWARDED_ALLOW_IPS)  # a wrong entry stops the start
# Reports by e-mail (manage.py mail_intake): the address(es) mail is accepted for, the
# largest message accepted, and the mailbox polled with --imap (imaps://user:pw@host/INBOX).
ADUAN_MAIL_INTAKE_ADDRESS = env_list("ADUAN_MAIL_INTAKE_ADDRESS")
ADUAN_MAIL_MAX_BYTES = int(os.environ.get("ADUAN_MAIL_MAX_BYTES", 25 * 1024 * 1024))
ADUAN_MAIL_IMAP_URL = os.environ.get("ADUAN_MAIL_IMAP_URL", "")
# Seconds between two runs of the periodic sweep (manage.py run_scheduler).
ADUAN_SWEEP_INTERVAL = int(os.environ.get("ADUAN_SWEEP_INTERVAL", "60"))
ADUAN_OPEN311_JURISDICTION = os.environ.get("ADUAN_OPEN311_JURISDICTION", "")
ADUAN_OPEN311_RATE = os.environ.get("ADUAN_OPEN311_RATE", "600/h")

# Agency webhooks (aduan.integrations): plain http and private/loopback addresses
# are refused unless allowed here; request timeout in seconds; consecutive failed
# attempts after which an endpoint is disabled.
ADUAN_WEBHOOK_ALLOW_HTTP = env_bool("ADUAN_WEBHOOK_ALLOW_HTTP")
ADUAN_WEBHOOK_ALLOW_PRIVATE = env_bool("ADUAN_WEBHOOK_ALLOW_PRIVATE")
ADUAN_WEBHOOK_TIMEOUT = float(os.environ.get("ADUAN_WEBHOOK_TIMEOUT", "5"))
ADUAN_WEBHOOK_MAX_FAILURES = int(os.environ.get("ADUAN_WEBHOOK_MAX_FAILURES", "15"))

# Service levels, in days (see aduan.sla.policy; `manage.py check` validates them).
# Working days unless noted. ADUAN_SLA_JSON overrides single keys, e.g. '{"response": 7}';
# ADUAN_SLA_BY_CLASSIFICATION_JSON replaces the per-classification overrides entirely.
ADUAN_SLA = {
    "verification": 3,  # national admin verifies, from submission
    "response": 5,  # the agency's first response, from disposition
    "completion": 60,  # CALENDAR days to finish, from disposition (Perpres 76/2013)
    "autoclose": 10,  # a response the reporter leaves unanswered closes after this
    "extension_max": 10,  # one extension of the response deadline, at most this long
    "reopen_window": 10,  # a closed report may be reopened for this long
    "reminder": 1,  # remind this many working days before a deadline (global only)
    **json_setting("ADUAN_SLA_JSON", os.environ.get("ADUAN_SLA_JSON"), {}),
}
# Information requests: 10 working days (UU 14/2008 on public information, art. 22).
ADUAN_SLA_BY_CLASSIFICATION = json_setting(
    "ADUAN_SLA_BY_CLASSIFICATION_JSON",
    os.environ.get("ADUAN_SLA_BY_CLASSIFICATION_JSON"),
    {"information_request": {"response": 10}},
)

# X (Twitter) @lapor1708 (aduan.channels.x): the Account Activity webhook at /kanal/x/webhook/
# and replies through the X API v2. Empty secret or account id: the channel is off.
ADUAN_X_API_BASE_URL = os.environ.get("ADUAN_X_API_BASE_URL", "https://api.x.com").rstrip("/")
ADUAN_X_CONSUMER_SECRET = os.environ.get("ADUAN_X_CONSUMER_SECRET", "")
ADUAN_X_ACCESS_TOKEN = os.environ.get("ADUAN_X_ACCESS_TOKEN", "")
ADUAN_X_ACCOUNT_ID = os.environ.get("ADUAN_X_ACCOUNT_ID", "")
ADUAN_X_HANDLE = os.environ.get("ADUAN_X_HANDLE", "lapor1708").lstrip("@")

# SMS 1708 through Kannel (aduan.channels.sms, deploy/kannel/): the secret Kannel's
# get-url carries and/or the addresses it may call from; messages per number; sendsms.
ADUAN_SMS_INBOUND_TOKEN = os.environ.get("ADUAN_SMS_INBOUND_TOKEN", "")
ADUAN_SMS_ALLOWED_IPS = env_list("ADUAN_SMS_ALLOWED_IPS")
ADUAN_SMS_RATE = os.environ.get("ADUAN_SMS_RATE", "10/h")
ADUAN_SMS_SHORTCODE = os.environ.get("ADUAN_SMS_SHORTCODE", "1708")
ADUAN_KANNEL_SENDSMS_URL = os.environ.get("ADUAN_KANNEL_SENDSMS_URL", "")
ADUAN_KANNEL_SENDSMS_USER = os.environ.get("ADUAN_KANNEL_SENDSMS_USER", "aduan")
ADUAN_KANNEL_SENDSMS_PASSWORD = os.environ.get("ADUAN_KANNEL_SENDSMS_PASSWORD", "")

# Web Push (aduan.notifications.senders.push): the VAPID key pair (base64url: the public key
# as the 65-byte point browsers take, the private key as its 32-byte scalar) and the
# contact the push services see; push is off unless all three are set. Subscriptions are
# accepted only for push services on these hosts (and for loopback in DEBUG and tests).
ADUAN_VAPID_PUBLIC_KEY = os.environ.get("ADUAN_VAPID_PUBLIC_KEY", "")
ADUAN_VAPID_PRIVATE_KEY = os.environ.get("ADUAN_VAPID_PRIVATE_KEY", "")
ADUAN_VAPID_SUBJECT = os.environ.get("ADUAN_VAPID_SUBJECT", "")
ADUAN_PUSH_SERVICE_HOSTS = env_list(
    "ADUAN_PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,push.apple.com,notify.windows.com",
)
# Push services on loopback too: for DEBUG and for the tests' own push service (the browser
# journeys run the server without DEBUG); never in production (production.py).
ADUAN_PUSH_ALLOW_LOOPBACK = env_bool("ADUAN_PUSH_ALLOW_LOOPBACK", default=DEBUG)

# E-mail from addresses no account has yet (each makes an account and a report): per
# sender domain and in all; over either, such mail is refused without an answer.
ADUAN_MAIL_NEW_SENDER_RATE_DOMAIN = os.environ.get("ADUAN_MAIL_NEW_SENDER_RATE_DOMAIN", "30/h")
ADUAN_MAIL_NEW_SENDER_RATE = os.environ.get("ADUAN_MAIL_NEW_SENDER_RATE", "300/h")

# The sweep's removal of attachment files without a row (aduan.reports.orphans): turn it
# off while restoring a backup, or when installations share one storage prefix.
ADUAN_ORPHAN_SWEEP = env_bool("ADUAN_ORPHAN_SWEEP", default=True)

# Linking an SMS number or X account to a web account (aduan.channels.claim): codes a
# user may ask for, and wrong codes a number or X account may send, per period.
ADUAN_CLAIM_ISSUE_RATE = os.environ.get("ADUAN_CLAIM_ISSUE_RATE", "5/h")
ADUAN_CLAIM_ATTEMPT_RATE = os.environ.get("ADUAN_CLAIM_ATTEMPT_RATE", "5/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ADUAN_LOG_LEVEL", "INFO")},
    # qpdf announces itself at INFO when loaded; its warnings about damaged files stay.
    # fontTools logs every glyph of the monthly PDF's font subset at INFO.
    "loggers": {"pikepdf": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
