"""The site, the task worker and the scheduler ride out a PostgreSQL outage.

The real processes (gunicorn with its production config, ``manage.py db_worker``,
``manage.py run_scheduler``) run against a database of their own while a few clients
submit reports through the API. Then every connection to that database is killed
(``pg_terminate_backend``) and new ones are refused for a few seconds (``ALLOW_CONNECTIONS
false``), which is what a restart looks like to them. Checked: meanwhile only 503s with
``Retry-After`` (never a 500), afterwards all three serve again within seconds without
being restarted, and every report acknowledged with a 201 is in the database whole (its
text and its first event), none stored without an answer its client got on a retry.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import REPO_ROOT, run_manage, subprocess_env
from test_server_smoke import free_port

OUTAGE_SECONDS = 3.0
RECOVERY_LIMIT = 15.0  # seconds after the database is back, at most, for each process
LOAD_CLIENTS = 3
MAX_REQUESTS = 1500  # bounded load, whatever happens
RETRY_AFTER_STOP = 10.0  # seconds a client keeps retrying its last submission after the stop
START_TIMEOUT = 60.0  # gunicorn's boot on a busy two-core CI machine

REPORT = {
    "classification": "complaint",
    "title": "Jalan berlubang di depan sekolah",
    "body": "Lubang besar di jalan depan SD Negeri 1 membahayakan anak-anak setiap pagi.",
}
# Each stored report with what makes it whole: its text and its first timeline event.
STORED_REPORTS = (
    "SELECT r.tracking_id, r.title, r.body, (SELECT e.action FROM reports_reportevent e"
    " WHERE e.report_id = r.id ORDER BY e.id LIMIT 1) FROM reports_report r"
)


def acknowledgements_kept(results: list[dict], stored_rows) -> dict[str, int]:
    """What the clients were told against what is stored: ``lost`` (acknowledged, not
    stored), ``broken`` (stored without its text or its "submitted" event) and ``unacknowledged``
    (stored, but no client got its tracking id, even on a retry)."""
    acknowledged = {json.loads(r["body"])["tracking_id"] for r in results if r["status"] == 201}
    stored = {row[0]: tuple(row[1:]) for row in stored_rows}
    whole = (REPORT["title"], REPORT["body"], "submitted")
    return {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(acknowledged - stored.keys()),
        "broken": sum(1 for tid in acknowledged & stored.keys() if stored[tid] != whole),
        "unacknowledged": len(stored.keys() - acknowledged),
    }


SETUP = """
from django.core.management import call_command
from aduan.accounts.models import User
from aduan.accounts.services import token_create
call_command("createcachetable")
user = User.objects.create_user(email="pelapor@contoh.id", password=None, full_name="Pelapor")
print(token_create(user=user)[1])
"""


class PostgresAdmin:
    """A superuser connection to the server's maintenance database, in autocommit."""

    def __init__(self, settings_dict: dict) -> None:
        import psycopg

        self.params = {
            "host": settings_dict["HOST"] or "127.0.0.1",
            "port": settings_dict["PORT"] or 5432,
            "user": settings_dict["USER"],
            "password": settings_dict["PASSWORD"] or None,
        }
        self.connection = psycopg.connect(dbname="postgres", autocommit=True, **self.params)

    def execute(self, sql: str, *params):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else None

    def query(self, database: str, sql: str, *params):
        import psycopg

        with psycopg.connect(dbname=database, autocommit=True, **self.params) as connection:
            return connection.execute(sql, params or None).fetchall()

    def url(self, database: str) -> str:
        password = f":{quote(self.params['password'], safe='')}" if self.params["password"] else ""
        user = quote(self.params["user"] or "postgres", safe="")
        return f"postgres://{user}{password}@{self.params['host']}:{self.params['port']}/{database}"


@pytest.fixture
def restart_database(transactional_db):
    """A copy of the migrated test database, dropped afterwards; yields (admin, name)."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL run of the suite (DATABASE_URL)")
    template = connection.settings_dict["NAME"]
    connections.close_all()  # a template must have no other connection
    admin = PostgresAdmin(connection.settings_dict)
    name = f"aduan_restart_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield admin, name
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.connection.close()


class Load:
    """Clients submitting reports through the API until stopped (or MAX_REQUESTS)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.results: list[dict] = []
        self.stop = threading.Event()
        self.stopped_at = 0.0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, daemon=True) for _ in range(LOAD_CLIENTS)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        if not self.stop.is_set():
            self.stopped_at = time.monotonic()
            self.stop.set()
        for thread in self.threads:
            if thread.ident is not None:  # started (the site may never have answered)
                thread.join(timeout=RETRY_AFTER_STOP + 30)

    def _run(self) -> None:
        # A client that was not answered 201 sends the same submission again with the same
        # Idempotency-Key until it is, as the API tells clients to: never a duplicate.
        key = None
        while True:
            if key is None:
                with self.lock:
                    if self.stop.is_set() or len(self.results) >= MAX_REQUESTS:
                        return
                key = uuid.uuid4().hex
            elif self.stop.is_set() and time.monotonic() > self.stopped_at + RETRY_AFTER_STOP:
                return  # the server never came back: the test fails on what it saw
            request = urllib.request.Request(  # noqa: S310 - loopback only
                self.url,
                data=json.dumps(REPORT).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": key,
                },
                method="POST",
            )
            sent = time.monotonic()
            result: dict = {"sent": sent, "key": key}
            try:
                with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                    result.update(status=response.status, body=response.read())
                    result["headers"] = dict(response.headers)
            except urllib.error.HTTPError as error:
                result.update(status=error.code, body=error.read(), headers=dict(error.headers))
            except OSError as error:  # the server itself did not answer
                result.update(status=None, error=repr(error))
            result["done"] = time.monotonic()
            with self.lock:
                self.results.append(result)
            if result["status"] == 201:
                key = None
            else:
                time.sleep(0.2)  # a client's pause before its retry


def start(argv: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen, object]:
    output = log.open("w")
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        argv, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
    )
    return process, output


def wait_for(what: str, condition, timeout: float, processes=()) -> float:
    """Poll ``condition`` until it is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args} exited with {process.returncode} while: {what}")
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"not within {timeout} s: {what}")


def fetch_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.mark.slow
def test_site_worker_and_scheduler_survive_a_database_restart(restart_database, tmp_path, capsys):
    admin, database = restart_database
    port = free_port()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        DATABASE_URL=admin.url(database),
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SUBMIT_RATE_USER="100000/h",
        ADUAN_SUBMIT_RATE_IP="100000/h",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    setup = run_manage("shell", "-c", SETUP, env=env)
    assert setup.returncode == 0, setup.stderr
    token = setup.stdout.strip().splitlines()[-1]

    python = sys.executable
    gunicorn = str(Path(python).with_name("gunicorn"))
    manage = str(REPO_ROOT / "manage.py")
    started = {
        "web": start(
            [gunicorn, "--config", "python:aduan.config.gunicorn"], env, tmp_path / "web.log"
        ),
        "worker": start(
            [python, manage, "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.5"],
            env,
            tmp_path / "worker.log",
        ),
        "scheduler": start(
            [python, manage, "run_scheduler", "--interval", "1"], env, tmp_path / "scheduler.log"
        ),
    }
    processes = [process for process, _ in started.values()]
    base = f"http://127.0.0.1:{port}"

    def sweeps_run_since(moment) -> bool:
        # A sweep the scheduler enqueued after ``moment`` that the worker has run.
        return bool(
            admin.query(
                database,
                "SELECT 1 FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s"
                " AND enqueued_at > %s AND status = 'SUCCESSFUL'",
                "%.sweep",
                moment,
            )
        )

    load = Load(f"{base}/api/v1/reports", token)
    try:
        began = admin.execute("SELECT now()")[0][0]
        wait_for(
            "the site answers",
            lambda: fetch_status(f"{base}/api/v1/categories") == 200,
            START_TIMEOUT,
            processes,
        )
        wait_for(
            "the scheduler and the worker run a sweep",
            lambda: sweeps_run_since(began),
            START_TIMEOUT,
            processes,
        )

        load.start()
        wait_for(
            "reports are acknowledged",
            lambda: any(r["status"] == 201 for r in load.results),
            10,
            processes,
        )

        # The outage: every connection killed, new ones refused, for OUTAGE_SECONDS.
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        killed = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) AS terminated",
            database,
        )[0][0]
        outage_began = time.monotonic()
        time.sleep(OUTAGE_SECONDS)  # the length of the restart itself
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        outage_ended = time.monotonic()
        back_at = admin.execute("SELECT now()")[0][0]

        web_recovery = wait_for(
            "the site acknowledges a report again",
            lambda: any(r["status"] == 201 and r["sent"] > outage_ended for r in load.results),
            RECOVERY_LIMIT,
            processes,
        )
        tasks_recovery = wait_for(
            "the scheduler enqueues a sweep and the worker runs it",
            lambda: sweeps_run_since(back_at),
            RECOVERY_LIMIT,
            processes,
        )
        time.sleep(1)  # a little more load after the recovery
        load.finish()
        for name, (process, _) in started.items():
            assert process.poll() is None, f"{name} died (exit {process.returncode})"
    finally:
        load.finish()
        for process, _output in started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, output in started.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            output.close()

    results = load.results
    statuses = [r["status"] for r in results]
    during = [r for r in results if r["done"] >= outage_began and r["sent"] <= outage_ended]
    unavailable = [r for r in results if r["status"] == 503]
    acknowledged = [json.loads(r["body"])["tracking_id"] for r in results if r["status"] == 201]
    stored_rows = admin.query(database, STORED_REPORTS)
    stored = {row[0] for row in stored_rows}
    kept = acknowledgements_kept(results, stored_rows)
    figures = (
        f"\n[database restart] {len(results)} requests, {statuses.count(201)} x 201, "
        f"{len(unavailable)} x 503, {sum(1 for s in statuses if s == 500)} x 500, "
        f"{sum(1 for s in statuses if s is None)} unanswered; {killed} connections killed, "
        f"{OUTAGE_SECONDS:g} s refused; site back {web_recovery:.1f} s and worker + scheduler "
        f"{tasks_recovery:.1f} s after the database; "
        f"{sum(1 for r in results if r['status'] == 201 and r['sent'] > outage_ended)} x 201 "
        f"sent after it; {len(acknowledged)} acknowledged, "
        f"{len(set(acknowledged) - stored)} missing, "
        f"{len(stored - set(acknowledged))} stored but never acknowledged; "
        f"{len(results) - len({r['key'] for r in results})} retries; "
        f"reports lost {kept['lost']}, stored incomplete {kept['broken']}\n"
    )
    with capsys.disabled():
        sys.stdout.write(figures)

    assert killed >= 3, figures  # the web, the worker and the scheduler were connected
    assert set(statuses) <= {201, 503}, (
        figures,
        [r for r in results if r["status"] not in (201, 503)][:3],
    )
    assert unavailable, f"no request met the outage: {figures}"
    assert during, figures
    for response in unavailable:
        assert response["headers"]["Retry-After"] == "5"
        assert response["headers"]["Content-Type"] == "application/problem+json"
        assert json.loads(response["body"])["status"] == 503
    assert not set(acknowledged) - stored, figures
    assert (kept["lost"], kept["broken"], kept["unacknowledged"]) == (0, 0, 0), figures
    assert len(acknowledged) == len(set(acknowledged))
    # Every report written was acknowledged, to the one submission (Idempotency-Key) that
    # made it: a request whose answer was lost was retried into its stored report.
    assert stored == set(acknowledged), figures
    assert len({r["key"] for r in results if r["status"] == 201}) == len(acknowledged)

    # Each long-running process logged the outage once, not once per try.
    for name in ("worker", "scheduler"):
        log = (tmp_path / f"{name}.log").read_text()
        assert log.count("the database is unavailable") == 1, log[-3000:]
        assert log.count("the database is back after") == 1, log[-3000:]
