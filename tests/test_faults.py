"""The fault suite (issue 12): real components, real faults, and what each promise means.

- An e-mail handed to a real SMTP server just before the database restarts is recorded
  ``sent`` once the database is back, and ``uncertain`` (never re-sent) if it stays away.
- A ``db_worker`` killed mid-batch (SIGKILL while the SMTP server holds one message):
  after the stale-task reclaim and the sweep, another worker finishes the batch, and
  every message was delivered exactly once or is marked ``uncertain``.
- Two sweeps at once, in two processes, over due e-mails and overdue deadlines: each
  e-mail reaches the SMTP server once, each event is written once.
- A private Redis (the production cache: rate limits) stopped and started again under a
  load of submissions: the site keeps answering (no 500), nothing acknowledged is lost.

The database restart under load is ``test_database_restart.py``. Each test prints its
figures (requests, faults injected, messages or reports lost).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from conftest import REPO_ROOT, stop_process, subprocess_env
from test_server_smoke import free_port

# --- A real SMTP server -------------------------------------------------------------------


class SmtpSink:
    """An SMTP server on a loopback port (aiosmtpd) that keeps every message it accepts.

    ``on_message`` (if set) runs in a thread once a message's DATA has arrived, before
    the server answers 250: the moment a sender has handed the message over but does not
    know yet. The message counts as delivered from then on."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.on_message = None
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.port = self.controller.port

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        if self.on_message is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_message, message)
        return "250 Message accepted for delivery"

    def received(self) -> Counter:
        """How many messages arrived per Message-ID (headers unfolded)."""
        with self.lock:
            return Counter(
                re.sub(r"\s+", " ", str(message["Message-ID"])).strip() for message in self.messages
            )

    def env(self) -> dict[str, str]:
        """The settings (base.py's variables) that send a child process's e-mail here."""
        return {
            "ADUAN_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "ADUAN_EMAIL_HOST": "127.0.0.1",
            "ADUAN_EMAIL_PORT": str(self.port),
            "ADUAN_EMAIL_USE_TLS": "0",
        }


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def report(capsys):
    """``report(name, **figures)`` writes the test's figures to the terminal, past pytest's
    capture."""

    def write(name: str, **figures: object) -> None:
        line = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in figures.items())
        with capsys.disabled():
            sys.stdout.write(f"\n[{name}] {line}\n")

    return write


# --- An e-mail sent just before the database restarts -------------------------------------


@pytest.fixture
def email_row(transactional_db, settings, smtp_sink):
    """One pending e-mail notification (nothing delivers it but the test), and Django's
    SMTP backend pointed at the sink."""
    from aduan.accounts.tests.factories import UserFactory
    from aduan.notifications.models import Notification
    from aduan.notifications.services import notify
    from aduan.reports.tests.factories import ReportFactory

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    reporter = UserFactory(language="en")
    notify(
        recipients=[reporter],
        kind="comment_posted",
        report=ReportFactory(reporter=reporter),
        key="fault:restart",
    )
    return Notification.objects.get(channel="email")


@pytest.fixture
def database_restart(email_row, smtp_sink):
    """``arm(outage)``: when the sink next receives a message, the database "restarts"
    under the sender. On PostgreSQL its connection is killed and new ones are refused for
    ``outage`` seconds; on SQLite (a file nobody can kill) every query fails as a lost
    connection does for as long. Returns the figures and the timer that ends the outage."""
    from django.db import OperationalError, connection

    state = {"faults": 0, "down": False, "timer": None}
    admin = None
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        from test_database_restart import PostgresAdmin

        admin = PostgresAdmin(connection.settings_dict)

    def refuse(execute, sql, params, many, context):
        if state["down"]:
            state["faults"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    def back() -> None:
        state["down"] = False
        if admin is not None:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    def arm(outage: float) -> dict:
        if admin is not None:
            connection.ensure_connection()
            pid = connection.connection.info.backend_pid

        def restart(_message) -> None:
            state["down"] = True
            if admin is not None:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                state["faults"] += admin.execute("SELECT pg_terminate_backend(%s)", pid)[0][0]
            state["timer"] = threading.Timer(outage, back)
            state["timer"].start()

        smtp_sink.on_message = restart
        return state

    if admin is None:
        connection.execute_wrappers.append(refuse)
    try:
        yield arm
    finally:
        if state["timer"] is not None:
            state["timer"].join()
        back()
        if admin is None:
            connection.execute_wrappers.remove(refuse)
        else:
            admin.connection.close()


def test_an_email_sent_just_before_a_database_restart_is_recorded_sent(
    email_row, smtp_sink, database_restart, report
):
    from aduan.channels.mail.sender import message_id
    from aduan.notifications.delivery import notification_deliver
    from aduan.notifications.models import NotificationState

    figures = database_restart(1.5)
    started = time.monotonic()
    outcome = notification_deliver(notification_id=email_row.pk)
    took = time.monotonic() - started
    figures["timer"].join()
    email_row.refresh_from_db()
    received = smtp_sink.received()[message_id(email_row)]
    report(
        "sent before a restart",
        faults_injected=figures["faults"],
        outcome=outcome,
        state=email_row.state,
        messages_received=received,
        recorded_after=f"{took:.1f} s",
    )
    assert figures["faults"] >= 1  # the database did go away between send and record
    assert took >= 1.5  # and the worker waited for it
    assert outcome == "sent"
    assert (email_row.state, email_row.attempts, email_row.last_error) == (
        NotificationState.SENT,
        1,
        "",
    )
    assert email_row.sent_at is not None
    assert received == 1


def test_an_email_whose_record_outlasts_the_patience_is_uncertain_never_resent(
    email_row, smtp_sink, database_restart, monkeypatch, report
):
    from aduan.channels.mail.sender import message_id
    from aduan.core import outbox
    from aduan.notifications.delivery import (
        INTERRUPTED,
        notification_deliver,
        notifications_deliver_pending,
    )
    from aduan.notifications.models import NotificationState

    monkeypatch.setattr(outbox, "RECORD_PATIENCE_SECONDS", 0.5)
    figures = database_restart(2.0)
    with pytest.raises(outbox.SentNotRecorded):
        notification_deliver(notification_id=email_row.pk)
    figures["timer"].join()  # the database is back, too late for the worker
    email_row.refresh_from_db()
    # What the worker left: claimed, its send started, no outcome.
    assert email_row.state == NotificationState.SENDING
    assert email_row.send_started_at is not None

    from django.test import override_settings

    with override_settings(ADUAN_NOTIFICATION_CLAIM_TIMEOUT=0):
        counts = notifications_deliver_pending()
        again = notifications_deliver_pending()
    email_row.refresh_from_db()
    received = smtp_sink.received()[message_id(email_row)]
    report(
        "record outlasts patience",
        faults_injected=figures["faults"],
        sweep=counts,
        state=email_row.state,
        messages_received=received,
    )
    assert counts["uncertain"] == 1
    assert again.get("sent", 0) == 0
    assert (email_row.state, email_row.last_error) == (NotificationState.UNCERTAIN, INTERRUPTED)
    assert received == 1


# --- Child processes on the test's database -------------------------------------------------

PRELUDE = "import json, sys, time, uuid\nimport django\ndjango.setup()\n"


@pytest.fixture
def shared_env(request, tmp_path, smtp_sink, transactional_db):
    """The environment of child processes that share this test's database (PostgreSQL's
    test database, committed to; or a migrated SQLite file) and send e-mail to the sink.
    The settings are the workers' tests' (the embedded ones, database tasks, fast hashing)."""
    from django.core.management import call_command
    from django.db import connection

    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.notifications.tests.worker_settings",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_TEST_EMAIL_DIR=str(tmp_path),
        ADUAN_TEST_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        PYTHONUNBUFFERED="1",
        **smtp_sink.env(),
    )
    if connection.vendor == "postgresql":
        # The test database (``transactional_db``: committed, emptied afterwards).
        from test_database_restart import PostgresAdmin

        admin = PostgresAdmin(connection.settings_dict)
        env["DATABASE_URL"] = admin.url(connection.settings_dict["NAME"])
        admin.connection.close()
        # The children's cache is the database's (the test's own is in memory).
        call_command("createcachetable", "aduan_cache")
    else:
        path = tmp_path / "aduan.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        env["ADUAN_SQLITE_PATH"] = str(path)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def child(code: str, env: dict[str, str], *args: str, **popen) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args],
        cwd=REPO_ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def run_child(code: str, env: dict[str, str], *args: str) -> dict | list:
    """Run ``code`` in a child process; what its last line printed (JSON)."""
    return run_child_lines(code, env, *args)[-1]


def run_child_lines(code: str, env: dict[str, str], *args: str) -> list:
    """Run ``code`` in a child process; every JSON line it printed."""
    process = child(code, env, *args)
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err[-3000:]
    return [json.loads(line) for line in out.splitlines() if line[:1] in "{["]


def manage(*args: str) -> list[str]:
    return [sys.executable, str(REPO_ROOT / "manage.py"), *args]


EMAILS = """
from django.db import transaction
from aduan.accounts.tests.factories import UserFactory
from aduan.notifications.models import Notification
from aduan.notifications.services import notify
from aduan.reports.tests.factories import ReportFactory

reporter = UserFactory(language="en", email=f"warga-{uuid.uuid4().hex}@example.id")
report = ReportFactory(reporter=reporter)
for n in range(int(sys.argv[1])):
    with transaction.atomic():  # one event each, its delivery task enqueued on commit
        notify(recipients=[reporter], kind="comment_posted", report=report, key=f"fault:{n}")
print(json.dumps(list(Notification.objects.filter(channel="email").values_list("pk", flat=True))))
"""

OUTCOMES = """
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from aduan.channels.mail.sender import message_id
from aduan.notifications.models import Notification

rows = Notification.objects.filter(channel="email", idempotency_key__startswith="fault:")
print(json.dumps({
    "rows": [
        {"id": row.pk, "state": row.state, "message_id": message_id(row),
         "last_error": row.last_error}
        for row in rows
    ],
    "tasks": dict(
        DBTaskResult.objects.filter(task_path__endswith=".deliver_notification")
        .values_list("status").annotate(n=Count("id")).values_list("status", "n")
    ),
}))
"""

RECLAIM = """
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from aduan.core.periodic import periodic_run

running = DBTaskResult.objects.filter(status="RUNNING").count()
outcomes = periodic_run(now=timezone.now(), batch=100, stop_at=time.monotonic() + 30)
print(json.dumps({
    "running_before": running,
    **{name: outcomes[name] for name in ("stale_tasks", "notifications")},
}))
"""


def settle(outcomes: dict, received: Counter) -> dict[str, int]:
    """Each row's fate against what the SMTP server received: the promise is that a sent
    row arrived once, an uncertain one at most once, and no row is in any other state."""
    rows = outcomes["rows"]
    return {
        "messages": len(rows),
        "sent": sum(1 for row in rows if row["state"] == "sent"),
        "uncertain": sum(1 for row in rows if row["state"] == "uncertain"),
        "unsettled": sum(1 for row in rows if row["state"] not in ("sent", "uncertain")),
        "lost": sum(
            1 for row in rows if row["state"] == "sent" and received[row["message_id"]] == 0
        ),
        "doubled": sum(1 for row in rows if received[row["message_id"]] > 1),
    }


# --- A worker killed mid-batch ----------------------------------------------------------------

BATCH = 8
KILLED_AT = 4  # the message the SMTP server holds while the worker is killed


@pytest.mark.slow
def test_a_worker_killed_mid_batch_delivers_each_message_once_or_marks_it_uncertain(
    shared_env, smtp_sink, report
):
    ids = run_child(EMAILS, shared_env, str(BATCH))
    assert len(ids) == BATCH

    arrived, release = threading.Event(), threading.Event()

    def hold(_message) -> None:
        if len(smtp_sink.messages) == KILLED_AT:
            arrived.set()
            release.wait(60)

    smtp_sink.on_message = hold
    worker = subprocess.Popen(  # noqa: S603 - fixed argv
        manage(
            "db_worker",
            "--queue-name",
            "*",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
        ),
        cwd=REPO_ROOT,
        env=shared_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not arrived.wait(0.1):
            if worker.poll() is not None:
                pytest.fail(f"the worker exited early: {worker.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the worker never reached the held message")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stderr.close()
        release.set()
    assert worker.returncode == -signal.SIGKILL

    # The sweep: the stale task queued again, the interrupted claim settled (both at once:
    # no worker is running, so every claim and every running task is stale).
    reclaimed = run_child(
        RECLAIM,
        {**shared_env, "ADUAN_TASK_STALE_MINUTES": "0", "ADUAN_TEST_CLAIM_TIMEOUT": "0"},
    )
    finished = subprocess.run(  # noqa: S603 - fixed argv; another worker, until the queue is empty
        manage("db_worker", "--batch", "--no-reload", "--no-startup-delay"),
        cwd=REPO_ROOT,
        env=shared_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]

    outcomes = run_child(OUTCOMES, shared_env)
    fates = settle(outcomes, smtp_sink.received())
    report(
        "worker killed mid-batch",
        faults_injected="1 SIGKILL",
        reclaimed=reclaimed,
        tasks=outcomes["tasks"],
        **fates,
    )
    assert reclaimed["running_before"] == 1  # the killed worker's task, left running
    assert reclaimed["stale_tasks"] == {"requeued": 1, "failed": 0}
    assert reclaimed["notifications"]["uncertain"] == 1
    assert fates == {
        "messages": BATCH,
        "sent": BATCH - 1,
        "uncertain": 1,  # the one the server held: it arrived, nobody recorded it
        "unsettled": 0,
        "lost": 0,
        "doubled": 0,
    }
    assert sum(smtp_sink.received().values()) == BATCH
    assert outcomes["tasks"] == {"SUCCESSFUL": BATCH}


# --- Two sweeps at once ---------------------------------------------------------------------

DUE_EMAILS = 12


@pytest.mark.slow
def test_two_sweeps_at_once_send_each_due_email_once_and_write_each_event_once(
    shared_env, smtp_sink, report
):
    """The workflow's own two-sweeps test (overdue deadlines, escalations, auto-closes),
    with due e-mails in the outbox and a real SMTP server behind both sweepers."""
    from aduan.workflow.tests.test_sweep import CHECK, SETUP, SWEEP

    due = """
import datetime as dt
from django.utils import timezone
Notification.objects.filter(idempotency_key__startswith="fault:").update(
    next_attempt_at=timezone.now() - dt.timedelta(minutes=5)
)
"""
    setup = run_child_lines(SETUP + EMAILS + due, shared_env, str(DUE_EMAILS))
    assert setup[0] == {"deadlines": 30}
    # Each sweeper reads every due row (the default batch), so both race for each one.
    sweep = SWEEP.replace("sweep_run(batch=4)", "sweep_run()")
    assert sweep != SWEEP
    sweepers = [child(sweep, shared_env, stdin=subprocess.PIPE) for _n in range(2)]
    for process in sweepers:  # both started, connected and waiting
        assert process.stdout.readline().strip() == "ready", process.stderr.read()[-3000:]
    for process in sweepers:  # then both go at once
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in sweepers:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    check, outcomes = run_child_lines(CHECK + OUTCOMES, shared_env)
    fates = settle(outcomes, smtp_sink.received())
    sent = [result["notifications"].get("sent", 0) for result in results]
    report(
        "two sweeps at once",
        events=check["events"],
        e_mails_sent_by_each_sweep=sent,
        duplicate_notification_keys=check["duplicate_keys"],
        **fates,
    )
    assert check["events"] == {"overdue": 12, "escalate": 12, "auto_close": 6}
    assert check["duplicate_keys"] == 0
    assert check["chain_breaks"] == []
    assert sum(sent) == DUE_EMAILS
    assert fates == {
        "messages": DUE_EMAILS,
        "sent": DUE_EMAILS,
        "uncertain": 0,
        "unsettled": 0,
        "lost": 0,
        "doubled": 0,
    }
    assert sum(smtp_sink.received().values()) == DUE_EMAILS


# --- Redis stopped under load ---------------------------------------------------------------

REDIS_OUTAGE_ACKNOWLEDGED = 6  # reports acknowledged while Redis is down, at least


@pytest.mark.slow
def test_the_site_keeps_taking_reports_while_redis_restarts(
    request, tmp_path, private_redis, report, transactional_db
):
    from django.db import connection
    from test_database_restart import (
        SETUP,
        STORED_REPORTS,
        Load,
        acknowledgements_kept,
        fetch_status,
        start,
        wait_for,
    )

    port = free_port()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        REDIS_URL=private_redis.url,
        ADUAN_SUBMIT_RATE_USER="100000/h",
        ADUAN_SUBMIT_RATE_IP="100000/h",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    if connection.vendor == "postgresql":
        from test_database_restart import PostgresAdmin

        name = connection.settings_dict["NAME"]

        def stored_reports():
            admin = PostgresAdmin(connection.settings_dict)
            try:
                return admin.query(name, STORED_REPORTS)
            finally:
                admin.connection.close()

        admin = PostgresAdmin(connection.settings_dict)
        env["DATABASE_URL"] = admin.url(name)
        admin.connection.close()
    else:
        import sqlite3

        path = tmp_path / "aduan.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        env["ADUAN_SQLITE_PATH"] = str(path)

        def stored_reports():
            with sqlite3.connect(path) as database:
                return database.execute(STORED_REPORTS).fetchall()

    setup = subprocess.run(  # noqa: S603 - fixed argv
        manage("shell", "-c", SETUP),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    token = setup.stdout.strip().splitlines()[-1]

    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    web, log = start(
        [gunicorn, "--config", "python:aduan.config.gunicorn"], env, tmp_path / "web.log"
    )
    base = f"http://127.0.0.1:{port}"
    load = Load(f"{base}/api/v1/reports", token)
    try:
        wait_for(
            "the site answers", lambda: fetch_status(f"{base}/api/v1/categories") == 200, 60, [web]
        )
        load.start()
        wait_for(
            "reports are acknowledged",
            lambda: any(r["status"] == 201 for r in load.results),
            30,
            [web],
        )
        assert private_redis.client().dbsize() > 0  # the rate-limit counters are in Redis

        private_redis.stop()
        stopped = time.monotonic()

        def acknowledged_since(moment: float) -> int:
            return sum(1 for r in list(load.results) if r["status"] == 201 and r["sent"] > moment)

        wait_for(
            "reports are acknowledged while Redis is down",
            lambda: acknowledged_since(stopped) >= REDIS_OUTAGE_ACKNOWLEDGED,
            30,
            [web],
        )
        private_redis.start()
        restarted = time.monotonic()
        outage = restarted - stopped
        wait_for(
            "the counters are in Redis again",
            lambda: acknowledged_since(restarted) > 0 and private_redis.client().dbsize() > 0,
            30,
            [web],
        )

        def every_process_noticed_the_recovery() -> bool:
            # Under load a process may take a while to get a request after the restart.
            written = (tmp_path / "web.log").read_text()
            return written.count("the cache (Redis) is back after") >= written.count(
                "the cache (Redis) is unreachable"
            )

        wait_for("each web process sees Redis back", every_process_noticed_the_recovery, 30, [web])
        load.finish()
        assert web.poll() is None, "the site died"
    finally:
        load.finish()
        stop_process(web)
        log.close()

    results = load.results
    statuses = Counter(r["status"] for r in results)
    during = sum(1 for r in results if stopped < r["sent"] < restarted)
    kept = acknowledgements_kept(results, stored_reports())
    web_log = (tmp_path / "web.log").read_text()
    report(
        "redis restart",
        requests=len(results),
        statuses=dict(statuses),
        sent_while_redis_was_down=during,
        faults_injected=f"Redis stopped {outage:.1f} s",
        reports_lost=kept["lost"],
        stored_incomplete=kept["broken"],
        stored_unacknowledged=kept["unacknowledged"],
    )
    assert set(statuses) == {201}, [r for r in results if r["status"] != 201][:3]
    assert during >= REDIS_OUTAGE_ACKNOWLEDGED
    assert (kept["lost"], kept["broken"], kept["unacknowledged"]) == (0, 0, 0)
    # Each web process logged the outage once when it began and once when it ended.
    assert 1 <= web_log.count("the cache (Redis) is unreachable") <= 2, web_log[-3000:]
    assert web_log.count("the cache (Redis) is unreachable") == web_log.count(
        "the cache (Redis) is back after"
    ), web_log[-3000:]
