"""Production settings, loaded the way a deployment loads them: in a fresh process, from
the environment alone (README.md, "Production deployment")."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
from conftest import REPO_ROOT, require_component, run_manage, subprocess_env

PRODUCTION = "aduan.config.settings.production"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


def audit_key(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def production_env(**overrides: str) -> dict[str, str]:
    required = {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "ADUAN_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": POSTGRES_URL,
        "ADUAN_ALLOWED_HOSTS": "aduan.example.id",
        "ADUAN_AUDIT_KEYS": audit_key(),
    }
    return subprocess_env(**{**required, **overrides})


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after ``django.setup()`` in a child process with ``env``."""
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_of(env: dict[str, str], *names: str) -> dict:
    result = run_django(
        f"""
        import json
        from django.conf import settings
        print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))
        """,
        env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="minimal"),
        pytest.param(
            {
                "REDIS_URL": REDIS_URL,
                "ADUAN_S3_BUCKET": "aduan-attachments",
                "ADUAN_TASKS_BACKEND": "django_tasks_rq.RQBackend",
            },
            id="at-scale",
        ),
    ],
)
def test_check_deploy_passes_on_production_settings(extra):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**extra))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_what_production_would_get_wrong():
    # The same check fails loudly on the embedded settings (DEBUG-free but plain HTTP),
    # so the passing test above is not a check that cannot fail.
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_SECRET_KEY=secrets.token_urlsafe(50),
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no HTTPS redirect


@pytest.mark.parametrize("missing", ["ADUAN_SECRET_KEY", "DATABASE_URL", "ADUAN_ALLOWED_HOSTS"])
def test_missing_required_variable_fails_with_its_name(missing):
    env = production_env()
    del env[missing]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set in production" in result.stderr


def test_production_refuses_to_start_without_an_audit_key():
    """Never the development key derived from ADUAN_SECRET_KEY (ADR 0018)."""
    env = production_env()
    del env["ADUAN_AUDIT_KEYS"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ADUAN_AUDIT_KEYS or ADUAN_AUDIT_KEY_FILE must be set in production" in result.stderr


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("k1", "each key is 'id:base64-secret'"),
        ("k1:bm90IGJhc2U2NA", "the secret of key 'k1' is not base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "has 5 bytes, at least 32"),
    ],
)
def test_a_malformed_audit_key_stops_the_start(keys, message):
    result = run_manage("check", env=production_env(ADUAN_AUDIT_KEYS=keys))
    assert result.returncode != 0
    assert message in result.stderr


def test_the_audit_keys_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "audit-keys"
    key_file.write_text(f"# retired, verifies only\n{audit_key('k1')}\n{audit_key('k2')}\n")
    env = production_env(ADUAN_AUDIT_KEY_FILE=str(key_file))
    del env["ADUAN_AUDIT_KEYS"]
    result = run_django(
        """
        from aduan.reports.audit_keys import audit_keyring
        ring = audit_keyring()
        print(sorted(ring.keys), ring.signing_id, ring.derived)
        """,
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['k1', 'k2'] k2 False"
    result = run_manage("check", env={**env, "ADUAN_AUDIT_KEY_FILE": str(tmp_path / "none")})
    assert result.returncode != 0
    assert "ADUAN_AUDIT_KEY_FILE: cannot read" in result.stderr


def test_short_secret_key_is_refused():
    result = run_manage("check", env=production_env(ADUAN_SECRET_KEY="too-short"))
    assert result.returncode != 0
    assert "ADUAN_SECRET_KEY must be at least 50 characters long" in result.stderr


def test_production_turns_on_https_and_trusts_one_proxy():
    values = settings_of(
        production_env(),
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "ADUAN_TRUSTED_PROXY_COUNT",
        "ALLOWED_HOSTS",
    )
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ADUAN_TRUSTED_PROXY_COUNT": 1,
        "ALLOWED_HOSTS": ["aduan.example.id"],
    }
    assert (
        settings_of(production_env(ADUAN_TRUSTED_PROXY_COUNT="2"), "ADUAN_TRUSTED_PROXY_COUNT")[
            "ADUAN_TRUSTED_PROXY_COUNT"
        ]
        == 2
    )


def test_database_url_selects_postgresql_with_persistent_connections():
    url = "postgres://aduan:s3cret@db.internal:6432/aduan_prod"
    database = settings_of(production_env(DATABASE_URL=url), "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "aduan_prod",
        "aduan",
        "s3cret",
    )
    assert (database["HOST"], database["PORT"]) == ("db.internal", 6432)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_without_database_url_the_embedded_sqlite_is_tuned_against_locks(tmp_path):
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base", ADUAN_VAR_DIR=str(tmp_path)
    )
    database = settings_of(env, "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "aduan.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 10
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_push_to_loopback_only_where_asked_and_never_in_production(tmp_path):
    """ADUAN_PUSH_ALLOW_LOOPBACK lets a subscription point the server at loopback (the
    browser journeys' push service); production settings refuse it whatever is set."""
    base = {"DJANGO_SETTINGS_MODULE": "aduan.config.settings.base", "ADUAN_VAR_DIR": str(tmp_path)}
    name = "ADUAN_PUSH_ALLOW_LOOPBACK"
    assert settings_of(subprocess_env(**base), name)[name] is False
    assert settings_of(subprocess_env(**base, ADUAN_DEBUG="1"), name)[name] is True
    assert settings_of(subprocess_env(**base, **{name: "1"}), name)[name] is True
    assert settings_of(production_env(**{name: "1"}), name)[name] is False


def test_production_settings_talk_to_a_real_postgresql():
    require_component(
        "PostgreSQL",
        reachable("127.0.0.1", 5432),
        "start it on 127.0.0.1:5432 (pg_ctlcluster --skip-systemctl-redirect <version> main start)",
    )
    result = run_django(
        """
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'aduan-' || current_database()")
            print(connection.vendor, cursor.fetchone()[0])
        """,
        production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgresql", "aduan-postgres"]


def test_redis_url_switches_the_cache_to_redis():
    caches = settings_of(production_env(REDIS_URL=REDIS_URL), "CACHES")["CACHES"]
    assert caches["default"]["BACKEND"] == "aduan.core.cache.ResilientRedisCache"
    assert caches["default"]["LOCATION"] == REDIS_URL
    without = settings_of(production_env(), "CACHES")["CACHES"]
    assert without["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_a_real_redis_serves_as_the_shared_cache():
    require_component(
        "Redis",
        reachable("127.0.0.1", 6379),
        "start redis-server on 127.0.0.1:6379",
    )
    import redis

    key = f"aduan-test-{uuid.uuid4().hex}"
    result = run_django(
        f"""
        from django.core.cache import cache
        cache.set({key!r}, "from-the-web-process", 60)
        print(cache.get({key!r}))
        """,
        production_env(REDIS_URL=REDIS_URL),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-the-web-process"
    # Another process (here: the test) sees the value in Redis itself, under Django's key
    # format: the cache really is shared, not a per-process memory.
    client = redis.Redis.from_url(REDIS_URL)
    try:
        stored = client.get(f":1:{key}")
        assert stored is not None
        assert client.ttl(f":1:{key}") > 0
    finally:
        client.delete(f":1:{key}")


def test_object_storage_keeps_attachments_private_behind_signed_urls():
    values = run_django(
        """
        from django.core.files.storage import storages
        default_storage = storages["default"]
        print(type(default_storage).__module__ + "." + type(default_storage).__name__)
        print(default_storage.bucket_name, default_storage.default_acl)
        print(default_storage.url("2026/01/evidence.pdf"))
        """,
        production_env(
            ADUAN_S3_BUCKET="aduan-attachments",
            ADUAN_S3_ENDPOINT_URL="https://objects.example.id",
            ADUAN_S3_REGION="ap-southeast-3",
            ADUAN_S3_ACCESS_KEY_ID="AKIAEXAMPLE",
            ADUAN_S3_SECRET_ACCESS_KEY="example-secret",
        ),
    )
    assert values.returncode == 0, values.stderr
    backend, bucket_and_acl, url = values.stdout.strip().splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert bucket_and_acl == "aduan-attachments private"
    assert url.startswith("https://objects.example.id/aduan-attachments/attachments/2026/01/")
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url


def test_without_a_bucket_attachments_stay_on_the_local_disk():
    values = settings_of(production_env(), "STORAGES")["STORAGES"]
    assert values["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_rq_backend_needs_redis_url():
    result = run_manage(
        "check", env=production_env(ADUAN_TASKS_BACKEND="django_tasks_rq.RQBackend")
    )
    assert result.returncode != 0
    assert "The RQ tasks backend needs REDIS_URL" in result.stderr


@pytest.mark.slow
def test_tasks_run_through_redis_and_an_rq_worker(tmp_path):
    require_component(
        "Redis",
        reachable("127.0.0.1", 6379),
        "start redis-server on 127.0.0.1:6379",
    )
    # A queue of its own, so that the test neither takes nor leaves anyone else's jobs.
    queue = f"aduan-test-{uuid.uuid4().hex[:12]}"
    (tmp_path / "aduan_probe_tasks.py").write_text(
        textwrap.dedent(
            f"""
            from django_tasks import task

            @task(queue_name={queue!r})
            def add(a, b):
                return a + b
            """
        )
    )
    env = production_env(
        REDIS_URL=REDIS_URL,
        ADUAN_TASKS_BACKEND="django_tasks_rq.RQBackend",
        ADUAN_TASK_QUEUES=f"default,{queue}",
    )
    env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{tmp_path}"

    enqueued = run_django("from aduan_probe_tasks import add\nprint(add.enqueue(2, 3).id)", env)
    assert enqueued.returncode == 0, enqueued.stderr
    result_id = enqueued.stdout.strip().splitlines()[-1]

    worker = run_manage(
        "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", queue, env=env, timeout=60
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr

    fetched = run_django(
        f"""
        from aduan_probe_tasks import add
        result = add.get_result({result_id!r})
        print(result.status, result.return_value)
        """,
        env,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.split() == ["SUCCESSFUL", "5"]


def test_behind_pgbouncer_no_server_side_cursor_and_no_prepared_statement():
    """ADUAN_DB_POOLER=pgbouncer (tests/test_pgbouncer.py runs real work through it)."""
    url = "postgres://aduan:s3cret@127.0.0.1:6432/aduan"
    database = settings_of(
        production_env(DATABASE_URL=url, ADUAN_DB_POOLER="pgbouncer"), "DATABASES"
    )["DATABASES"]["default"]
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["prepare_threshold"] is None
    assert (database["PORT"], database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (
        6432,
        60,
        True,
    )
    direct = settings_of(production_env(DATABASE_URL=url), "DATABASES")["DATABASES"]["default"]
    assert direct.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    result = run_manage("check", env=production_env(ADUAN_DB_POOLER="pgpool"))
    assert result.returncode != 0
    assert "ADUAN_DB_POOLER must be empty or one of ('pgbouncer',)" in result.stderr


def test_with_redis_sessions_survive_a_redis_flush():
    """Sessions are read from Redis and kept in the database too (cached_db): a Redis
    restart or flush signs nobody out. Here the session's key is removed from Redis (not
    a FLUSHDB: the Redis is shared) and the session still loads, from its row."""
    require_component("Redis", reachable("127.0.0.1", 6379), "start redis-server on 127.0.0.1:6379")
    require_component("PostgreSQL", reachable("127.0.0.1", 5432), "start it on 127.0.0.1:5432")
    import psycopg

    # A database of its own holding only the session table (the sessions app's schema).
    name = f"aduan_sessions_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as db:
            db.execute(
                "CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY,"
                " session_data text NOT NULL, expire_date timestamptz NOT NULL)"
            )
        _session_survives_redis_flush(
            production_env(
                REDIS_URL=REDIS_URL, DATABASE_URL=POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
            )
        )
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _session_survives_redis_flush(env: dict[str, str]) -> None:
    import redis

    assert settings_of(env, "SESSION_ENGINE")["SESSION_ENGINE"] == (
        "django.contrib.sessions.backends.cached_db"
    )
    created = run_django(
        """
        from django.contrib.sessions.backends.cached_db import SessionStore
        session = SessionStore()
        session["who"] = "citizen-42"
        session.create()
        print(session.cache_key_prefix + session.session_key)
        """,
        env,
    )
    assert created.returncode == 0, created.stderr
    cache_key = created.stdout.strip().splitlines()[-1]
    session_key = cache_key.removeprefix("django.contrib.sessions.cached_db")
    client = redis.Redis.from_url(REDIS_URL)
    assert client.exists(f":1:{cache_key}")
    client.delete(f":1:{cache_key}")
    loaded = run_django(
        f"""
        from django.contrib.sessions.backends.cached_db import SessionStore
        print(SessionStore(session_key={session_key!r}).get("who"))
        SessionStore(session_key={session_key!r}).delete()
        """,
        env,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == "citizen-42"
