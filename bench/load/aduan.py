"""Aduan under test: the bench database filled, the people the scenarios act as, the
server started as production runs it, and the scenarios themselves."""

# ruff: noqa: S603 - fixed commands (gunicorn, this venv's python)

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
APP_NAME = "aduan-bench-web"
# The ADUAN_* limits raised so that one bench account and one address are never refused
# (the limits stay on and are counted in Redis, as in production).
RATES = {
    "ADUAN_SUBMIT_RATE_USER": "100000000/h",
    "ADUAN_SUBMIT_RATE_IP": "100000000/h",
    "ADUAN_OPEN311_RATE": "100000000/h",
    "ADUAN_EXPORT_RATE": "100000000/h",
    "ADUAN_API_LOGIN_RATE": "100000000/m",
}
SEARCH_WORDS = ["jalan rusak", "lampu jalan mati", "sampah menumpuk", "banjir", "air bersih"]


def with_app_name(database_url: str) -> str:
    """The URL with ``application_name`` set, so that the server's PostgreSQL backends can
    be told from everyone else's on a shared machine."""
    parts = urlsplit(database_url)
    query = "&".join(q for q in [parts.query, f"application_name={APP_NAME}"] if q)
    return urlunsplit(parts._replace(query=query))


def server_env(
    *, database_url: str, redis_url: str, workdir: Path, port: int, workers: int
) -> dict:
    """Production settings, DEBUG off, with what they require and the bench's own values."""
    key_file = workdir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    # A key for this bench database's audit chain (ADR 0018), derived from the secret above.
    audit = base64.b64encode(hashlib.sha256(key_file.read_bytes() + b"audit").digest()).decode()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "aduan.config.settings.production",
        "DATABASE_URL": with_app_name(database_url),
        "REDIS_URL": redis_url,
        "ADUAN_SECRET_KEY": key_file.read_text().strip(),
        "ADUAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ADUAN_AUDIT_KEYS": f"bench:{audit}",
        "ADUAN_SECURE_SSL_REDIRECT": "0",
        "ADUAN_HSTS_SECONDS": "0",
        "ADUAN_VAR_DIR": str(workdir / "var"),
        "ADUAN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "ADUAN_LOG_LEVEL": "WARNING",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": str(workers),
        **RATES,
    }
    env.pop("ADUAN_DEBUG", None)
    return env


def report_count(database_url: str) -> int | None:
    """Reports in the database; None when it or the table does not exist yet."""
    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None


def fill(*, database_url: str, reports: int, python: str, env: dict) -> str:
    """Reuse the database when it holds ``reports`` or more, else create, migrate, load the
    directory and generate (replacing fewer reports). Says what it did."""
    count = report_count(database_url)
    manage = [python, str(ROOT / "manage.py")]
    fill_env = {
        **env,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "aduan.config.settings.base",
    }
    if count is not None and count >= reports:
        # Reused, but at this checkout's schema: the code under test expects its migrations.
        subprocess.run(
            [*manage, "migrate", "--no-input", "-v", "0"], env=fill_env, check=True, cwd=ROOT
        )
        return f"reused: {count:,} reports (migrated)"
    name = urlsplit(database_url).path.lstrip("/")
    if count and "bench" not in name:
        # generate.py --truncate would empty it: only in a database named for the bench.
        raise SystemExit(
            f"{name} has {count:,} reports, fewer than --reports: refusing to replace them"
        )
    admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    steps = (
        ["migrate", "--no-input", "-v", "0"],
        ["createcachetable"],  # the directory loaders bump the memo's version key in the cache
        ["load_directory"],
        ["load_programmes"],
    )
    for step in steps:
        subprocess.run([*manage, *step], env=fill_env, check=True, cwd=ROOT)
    generate = [python, str(BENCH / "generate.py"), "--reports", str(reports)]
    if count:
        generate.append("--truncate")
    subprocess.run(generate, env=fill_env, check=True, cwd=ROOT)
    # The generator writes no search entries: without them the search scenarios find nothing.
    subprocess.run([*manage, "search_reindex"], env=fill_env, check=True, cwd=ROOT)
    return f"filled: {reports:,} reports (had {count or 0:,})"


def analyze(database_url: str) -> None:
    """``ANALYZE`` the database: earlier runs added rows (reports, photos, tokens) that
    autovacuum may not have counted yet, and a plan made from stale statistics measures
    the statistics, not the code (Open311's photo lookup took 76 ms a page that way)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def prepare(*, python: str, env: dict) -> dict:
    """Static files collected (the manifest the production storage needs), then the
    people and ids of ``fixtures.py``."""
    subprocess.run(
        [python, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    out = subprocess.run(
        [python, str(BENCH / "load" / "fixtures.py")],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


class Server:
    """``gunicorn -c python:aduan.config.gunicorn`` with the environment above."""

    def __init__(self, *, python: str, env: dict, log: Path, app: str | None = None) -> None:
        self.python = python
        self.app = [app] if app else []  # another WSGI entry than the settings' wsgi_app
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.base_url = f"http://127.0.0.1:{env['PORT']}"

    def start(self, *, wait: float = 60) -> None:
        gunicorn = str(Path(self.python).parent / "gunicorn")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [gunicorn, "-c", "python:aduan.config.gunicorn", *self.app],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                urllib.request.urlopen(self.base_url + "/lacak/", timeout=5)  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer in {wait} s; see {self.log}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class BackendPids:
    """PostgreSQL backends of the server: by ``application_name``, or every backend of
    ``database`` (a peer's own database, which nothing else uses). One connection kept
    open (a new one every sample would cost PostgreSQL a fork); when the query fails
    (a loaded machine), the pids found last time."""

    def __init__(
        self, database_url: str, *, app_name: str = APP_NAME, database: str | None = None
    ) -> None:
        self.database_url = database_url
        if database:
            self.sql, self.param = "SELECT pid FROM pg_stat_activity WHERE datname = %s", database
        else:
            self.sql = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
            self.param = app_name
        self.conn: psycopg.Connection | None = None
        self.last: list[int] = []

    def __call__(self) -> list[int]:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.database_url, connect_timeout=10, autocommit=True)
            self.last = [row[0] for row in self.conn.execute(self.sql, [self.param]).fetchall()]
        except psycopg.Error:
            self.close()
        return self.last

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def photo(path: Path, *, size: int = 1_000_000) -> Path:
    """A JPEG of about ``size`` bytes (noise compresses badly, so it stays big)."""
    if path.exists():
        return path
    from PIL import Image

    side = 900
    while True:
        image = Image.effect_noise((side, side * 3 // 4), 64).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        if buffer.tell() >= size or side > 4000:
            break
        side = int(side * (size / buffer.tell()) ** 0.5) + 16
    path.write_bytes(buffer.getvalue())
    return path


def csrf_pair(base_url: str, session: str) -> tuple[str, str]:
    """The CSRF cookie and form token of the report form, read through the real page (a
    browser keeps both for the session; each POST of the scenario reuses them)."""
    request = urllib.request.Request(  # noqa: S310
        base_url + "/lapor/", headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        html = answer.read().decode()
        cookies = answer.headers.get_all("Set-Cookie") or []
    cookie = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    marker = 'name="csrfmiddlewaretoken" value="'
    token = html[html.index(marker) + len(marker) :].split('"', 1)[0]
    return cookie, token


def scenarios(fx: dict, *, base_url: str, photo_path: Path) -> list[dict]:
    """Every HTTP scenario, as ``bench.load.wrk`` takes them, with the group it belongs to
    (``peer`` names the helpdesk scenario it is set beside)."""
    users = fx["users"]

    def bearer(who: str) -> dict:
        return {"Authorization": f"Bearer {users[who]['token']}"}

    def cookie(who: str) -> dict:
        return {"Cookie": f"sessionid={users[who]['session']}"}

    submission = json.dumps(
        {
            "classification": "complaint",
            "title": "Jalan rusak di depan sekolah {{n}}",
            "body": "Jalan di depan sekolah dasar rusak parah dan berlubang sejak bulan lalu, "
            "membahayakan anak-anak yang berangkat sekolah. Mohon segera diperbaiki. {{n}}",
        }
    )
    csrf_cookie, csrf_token = csrf_pair(base_url, users["citizen"]["session"])
    form = urlencode(
        {
            "csrfmiddlewaretoken": csrf_token,
            "classification": "complaint",
            "title": "Lampu jalan mati di gang {{n}}",
            "body": "Lampu penerangan jalan di gang kami mati sudah dua minggu, warga takut "
            "keluar malam. Mohon diperbaiki. {{n}}",
        }
    ).replace("%7B%7Bn%7D%7D", "{{n}}")
    public = [f"/lacak/{t}/" for t in fx["public_tracking_ids"]]
    api_detail = [f"/api/v1/reports/{t}" for t in fx["public_tracking_ids"]]
    staff_pages = [f"/staf/laporan/{t}/" for t in fx["inbox_tracking_ids"]]
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    return [
        {
            "name": "api_submit",
            "method": "POST",
            "path": "/api/v1/reports",
            "headers": {**json_headers, **bearer("citizen")},
            "body": submission,
            "peer": "ticket_create",
        },
        {
            "name": "api_submit_photo",
            "method": "POST",
            "path": "/api/v1/reports",
            "headers": {**json_headers, **bearer("citizen")},
            "body": submission,
            "upload": {
                "file": str(photo_path),
                "field": "file",
                "content_type": "image/jpeg",
                "path": "/api/v1/reports/{{tracking_id}}/attachments",
                "headers": bearer("citizen"),
            },
            "note": "a submission, then a 1 MB JPEG to it: two requests per report",
        },
        {
            "name": "web_submit",
            "method": "POST",
            "path": "/lapor/",
            "headers": {
                "Cookie": f"sessionid={users['citizen']['session']}; csrftoken={csrf_cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": base_url + "/lapor/",
            },
            "body": form,
            "note": "POST of the form (302 to the receipt); CSRF pair read once",
        },
        {"name": "tracking", "paths": public, "peer": "ticket_page"},
        {"name": "api_detail", "paths": api_detail},
        {"name": "feed_p1", "path": "/laporan/"},
        {"name": "feed_p50", "path": "/laporan/?page=50"},
        {"name": "api_feed_p1", "path": "/api/v1/reports"},
        {"name": "api_feed_p50", "path": "/api/v1/reports?page=50"},
        {"name": "national_queue", "path": "/staf/antrean/", "headers": cookie("national")},
        {
            "name": "api_national_queue",
            "path": "/api/v1/inbox?queue=true",
            "headers": bearer("national"),
        },
        {
            "name": "agency_inbox",
            "path": "/staf/kotak-masuk/",
            "headers": cookie("agency_admin"),
            "peer": "ticket_list",
        },
        {
            "name": "api_agency_inbox",
            "path": "/api/v1/inbox",
            "headers": bearer("agency_admin"),
            "peer": "ticket_list",
        },
        {"name": "unit_inbox", "path": "/staf/kotak-masuk/", "headers": cookie("unit_officer")},
        {"name": "api_unit_inbox", "path": "/api/v1/inbox", "headers": bearer("unit_officer")},
        {"name": "my_reports", "path": "/laporan-saya/", "headers": cookie("heaviest")},
        {
            "name": "api_my_reports",
            "path": "/api/v1/reports?mine=true",
            "headers": bearer("heaviest"),
        },
        {
            "name": "staff_report",
            "paths": staff_pages,
            "headers": cookie("agency_admin"),
            "peer": "ticket_page",
        },
        {"name": "search", "paths": [f"/laporan/?{urlencode({'q': w})}" for w in SEARCH_WORDS]},
        {
            "name": "api_search",
            "paths": [f"/api/v1/reports?{urlencode({'q': w})}" for w in SEARCH_WORDS],
        },
        {"name": "dashboard", "path": "/staf/statistik/", "headers": cookie("overseer")},
        {"name": "open311_requests", "path": "/open311/v2/requests.json"},
    ]


def preflight(base_url: str, scenario: dict) -> tuple[int, str]:
    """One request as the scenario sends it, redirects not followed: a page that sends the
    bench user to sign in (302) would otherwise count as a success in wrk."""
    path = scenario.get("path") or scenario["paths"][0]
    body = scenario.get("body")
    n = f"pre{secrets.token_hex(3)}"
    request = urllib.request.Request(  # noqa: S310
        base_url + path.replace("{{n}}", n),
        data=body.replace("{{n}}", n).encode() if body else None,
        headers=scenario.get("headers") or {},
        method=scenario.get("method", "GET"),
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "") or exc.read()[:300].decode(
            errors="replace"
        )


def preflight_ok(scenario: dict, status: int, location: str) -> bool:
    if scenario["name"] == "web_submit":
        return status == 302 and "/lapor/terkirim/" in location
    return 200 <= status < 300


if __name__ == "__main__":  # pragma: no cover - a manual check of the photo
    print(photo(Path(sys.argv[1])))
