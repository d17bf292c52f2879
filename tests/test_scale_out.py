"""Scale-out, proven (issue 13): two web servers and two task workers on one PostgreSQL and
one Redis, one of each killed mid-way, and nothing lost or doubled.

Production settings (``DEBUG`` off, cache and rate limits in a private Redis), two
gunicorn servers on two loopback ports, two workers of the production queue backend
(parametrized: RQ through django-tasks-rq, and the database backend's ``db_worker``), a
real SMTP server. Client threads submit reports through the API (``Idempotency-Key``,
retried with the same key) and walk each one through the desk (dispose) and the agency
(respond) with staff tokens, alternating between the two servers as a load balancer
would. Mid-way one server (its master and workers) is SIGKILLed, and so is the worker
that is handing an e-mail to the SMTP server (the server holds it until the kill). Then
the periodic sweep runs (stale tasks reclaimed, interrupted claims settled, the outbox
drained) and the survivors finish.

Checked: each acknowledged submission exists once (retries included) and no report was
stored unacknowledged; each report has exactly the events of the actions taken on it,
once each, and the audit chain verifies; each e-mail notification arrived exactly once,
except the one the killed worker held, which is ``uncertain`` and arrived at most once;
no task is left running.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_manage
from test_database_restart import (  # noqa: F401 - a fixture
    fetch_status,
    restart_database,
    start,
    wait_for,
)
from test_faults import report, settle, smtp_sink  # noqa: F401 - fixtures and a helper
from test_production_settings import audit_key, production_env
from test_server_smoke import free_port

CLIENTS = 4
STORIES = 4  # per client: submit, dispose, respond
HOLD_AT = 12  # the e-mail the SMTP server holds while its worker is killed
WEB_KILL_AFTER = CLIENTS * STORIES // 3  # submissions acknowledged before a server dies
START_TIMEOUT = 60.0
SETTLE_TIMEOUT = 60.0

SETUP = """
import json
from aduan.accounts.services import token_create
from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory

desk = NationalAdminFactory(language="en")
agency_admin = AgencyAdminFactory(language="en")
citizens = [UserFactory(language="en") for _n in range({clients})]
print(json.dumps({{
    "agency": agency_admin.agency_id,
    "desk": token_create(user=desk)[1],
    "agency_admin": token_create(user=agency_admin)[1],
    "citizens": [token_create(user=citizen)[1] for citizen in citizens],
}}))
"""

SETTLE = """
import json, time
from django.utils import timezone
from aduan.core.periodic import periodic_run

outcomes = periodic_run(now=timezone.now(), batch=500, stop_at=time.monotonic() + 30)
print(json.dumps({name: outcomes[name] for name in ("stale_tasks", "notifications")}))
"""

OUTCOMES = """
import io, json
from django.core.management import call_command
from aduan.channels.mail.sender import message_id
from aduan.notifications.models import Notification
from aduan.reports.models import Report, ReportEvent

events = {}
for tracking_id, action in ReportEvent.objects.values_list("report__tracking_id", "action"):
    events.setdefault(tracking_id, []).append(action)
audit = io.StringIO()
try:
    call_command("verify_audit", stdout=audit, stderr=audit)
    audit_ok = True
except (SystemExit, Exception) as error:
    audit_ok = False
    audit.write(repr(error))
print(json.dumps({
    "audit_ok": audit_ok,
    "audit": audit.getvalue()[-3000:],
    "reports": list(Report.objects.values_list("tracking_id", flat=True)),
    "events": events,
    "rows": [
        {"id": row.pk, "state": row.state, "message_id": message_id(row),
         "key": row.idempotency_key, "last_error": row.last_error}
        for row in Notification.objects.filter(channel="email")
    ],
    "notification_keys": Notification.objects.count(),
    "distinct_notification_keys": Notification.objects.values("idempotency_key").distinct().count(),
}))
"""

REPORT_BODY = {
    "classification": "complaint",
    "title": "Lampu jalan padam di gang {n}",
    "body": "Sudah dua minggu lampu jalan di gang {n} padam, warga takut keluar malam hari.",
}


# --- The processes ------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (an RQ worker's work horse, gunicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rpartition(")")[2].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL ``process`` and everything under it, as a machine that dies would."""
    tree = [process.pid, *descendants(process.pid)]
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


class Backend:
    """What differs between the two queue backends: how a worker starts, and how the
    test sees the queue (ready and running tasks)."""

    def __init__(self, name: str, admin, database: str, redis_server) -> None:
        self.name = name
        self.admin = admin
        self.database = database
        self.redis_server = redis_server

    def env(self) -> dict[str, str]:
        if self.name == "rq":
            return {"ADUAN_TASKS_BACKEND": "django_tasks_rq.RQBackend"}
        return {"ADUAN_TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}

    def worker_argv(self, number: int) -> list[str]:
        manage = [sys.executable, str(REPO_ROOT / "manage.py")]
        if self.name == "rq":
            return [
                *manage,
                *("rqworker", "default", "--job-class", "django_tasks_rq.Job"),
                *("--name", f"scale-out-{number}-{uuid.uuid4().hex[:6]}", "--with-scheduler"),
            ]
        return [
            *manage,
            *("db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"),
            *("--interval", "0.1"),
        ]

    def tasks(self) -> dict[str, int]:
        """Tasks waiting and running."""
        if self.name == "rq":
            from rq import Queue
            from rq.job import Job, JobStatus

            connection = self.redis_server.client()
            queue = Queue("default", connection=connection)
            started = set(queue.started_job_registry.get_job_ids(cleanup=False))
            return {
                "ready": queue.count + queue.scheduled_job_registry.get_job_count(cleanup=False),
                "running": sum(
                    1
                    for job in Job.fetch_many(list(started), connection=connection)
                    if job is not None and job.get_status(refresh=False) == JobStatus.STARTED
                ),
            }
        rows = self.admin.query(
            self.database,
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status",
        )
        counts = dict(rows)
        return {"ready": counts.get("READY", 0), "running": counts.get("RUNNING", 0)}


# --- The clients --------------------------------------------------------------------


class Balancer:
    """Round robin over the servers; a request a server did not answer (refused, reset,
    cut off) goes to the next one, as nginx's ``proxy_next_upstream`` does, and a server
    that refuses a connection gets no more requests (nginx's ``max_fails``)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.down: set[int] = set()
        self.turn = 0
        self.lock = threading.Lock()
        self.log: list[dict] = []

    def next_port(self) -> int:
        with self.lock:
            up = [port for port in self.ports if port not in self.down] or self.ports
            self.turn += 1
            return up[self.turn % len(up)]

    def send(self, path: str, token: str, body: dict, key: str | None = None) -> dict:
        """POST until a server answers with something other than a 5xx; what it answered,
        with ``retried`` True if an earlier try got no answer (it may have been done)."""
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        retried = False
        deadline = time.monotonic() + 60
        while True:
            port = self.next_port()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                data=json.dumps(body).encode(),
                headers=headers,
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                    status, answer = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, answer = error.code, error.read()
            except OSError as error:
                status, answer = type(error).__name__, repr(error).encode()
                if isinstance(error, ConnectionRefusedError) or isinstance(
                    getattr(error, "reason", None), ConnectionRefusedError
                ):
                    with self.lock:
                        self.down.add(port)
            with self.lock:
                self.log.append({"path": path, "port": port, "status": status, "key": key})
            if isinstance(status, int) and status < 500:
                return {"status": status, "body": json.loads(answer), "retried": retried}
            if time.monotonic() > deadline:
                pytest.fail(f"{path}: no server answered for 60 s ({status}: {answer[:300]})")
            retried = True
            time.sleep(0.1)


class Stories:
    """Each client: its citizen submits a report, the desk disposes it to the agency, the
    agency responds; ``acknowledged`` keeps what each step was answered."""

    def __init__(self, balancer: Balancer, tokens: dict) -> None:
        self.balancer = balancer
        self.tokens = tokens
        self.submitted: list[dict] = []  # {key, tracking_id, retried}
        self.actions: list[dict] = []  # {tracking_id, action, status, retried}
        self.lock = threading.Lock()
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENTS)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=180)
        assert not self.errors, self.errors

    def _run(self, client: int) -> None:
        try:
            for story in range(STORIES):
                self._story(client, story)
        except BaseException as error:  # reported by join()
            self.errors.append(error)

    def _story(self, client: int, story: int) -> None:
        n = client * STORIES + story
        body = {key: value.format(n=n) for key, value in REPORT_BODY.items()}
        key = uuid.uuid4().hex
        answer = self.balancer.send(
            "/api/v1/reports", self.tokens["citizens"][client], body, key=key
        )
        assert answer["status"] == 201, answer
        tracking_id = answer["body"]["tracking_id"]
        with self.lock:
            self.submitted.append(
                {"key": key, "tracking_id": tracking_id, "retried": answer["retried"]}
            )
        steps = [
            ("dispose", "desk", {"agency_id": self.tokens["agency"], "note": "Mohon ditindak."}),
            (
                "respond",
                "agency_admin",
                {"body": "Lampu sudah diganti oleh petugas kami hari ini."},
            ),
        ]
        for action, who, payload in steps:
            answer = self.balancer.send(
                f"/api/v1/reports/{tracking_id}/actions/{action}", self.tokens[who], payload
            )
            # A 409 after a try that got no answer: that try did it (the events tell).
            done = answer["status"] == 200 or (answer["status"] == 409 and answer["retried"])
            assert done, (action, answer)
            with self.lock:
                self.actions.append(
                    {
                        "tracking_id": tracking_id,
                        "action": action,
                        "status": answer["status"],
                        "retried": answer["retried"],
                    }
                )


# --- The test -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["rq", "db"])
def test_two_servers_and_two_workers_one_of_each_killed_lose_and_double_nothing(
    backend_name,
    restart_database,  # noqa: F811 - the fixture imported above
    private_redis,
    smtp_sink,  # noqa: F811
    tmp_path,
    report,  # noqa: F811
):
    admin, database = restart_database
    backend = Backend(backend_name, admin, database, private_redis)
    env = production_env(
        DATABASE_URL=admin.url(database),
        REDIS_URL=private_redis.url,
        ADUAN_SECRET_KEY=secrets.token_urlsafe(50),
        ADUAN_AUDIT_KEYS=audit_key(),
        ADUAN_ALLOWED_HOSTS="127.0.0.1",
        ADUAN_SECURE_SSL_REDIRECT="0",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_MEDIA_ROOT=str(tmp_path / "media"),
        ADUAN_SUBMIT_RATE_USER="100000/h",
        ADUAN_SUBMIT_RATE_IP="100000/h",
        ADUAN_DEFAULT_FROM_EMAIL="Aduan <noreply@aduan.example.id>",
        ADUAN_SITE_URL="https://aduan.example.id",
        WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
        **smtp_sink.env(),
        **backend.env(),
    )
    setup = run_manage("shell", "-c", SETUP.format(clients=CLIENTS), env=env)
    assert setup.returncode == 0, setup.stderr[-3000:]
    tokens = json.loads(setup.stdout.strip().splitlines()[-1])

    # The SMTP server holds message HOLD_AT until its worker is killed.
    held, release = threading.Event(), threading.Event()
    held_ids: list[str] = []
    # Numbered here, one call per message: two messages arriving together would both see
    # the sink's list at 13, and nothing would be held.
    arrivals = itertools.count(1)

    def hold(message) -> None:
        if next(arrivals) == HOLD_AT:
            held_ids.append(" ".join(str(message["Message-ID"]).split()))
            held.set()
            release.wait(60)

    smtp_sink.on_message = hold

    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    ports = [free_port(), free_port()]
    webs, workers, logs = [], [], []
    started = time.monotonic()
    try:
        for n, port in enumerate(ports):
            web, log = start(
                [gunicorn, "--config", "python:aduan.config.gunicorn"],
                {**env, "HOST": "127.0.0.1", "PORT": str(port)},
                tmp_path / f"web{n}.log",
            )
            webs.append(web)
            logs.append(log)
        for n in range(2):
            worker, log = start(backend.worker_argv(n), env, tmp_path / f"worker{n}.log")
            workers.append(worker)
            logs.append(log)
        for port in ports:
            wait_for(
                f"the server on {port} answers",
                lambda port=port: fetch_status(f"http://127.0.0.1:{port}/api/v1/categories") == 200,
                START_TIMEOUT,
                [*webs, *workers],
            )

        balancer = Balancer(ports)
        stories = Stories(balancer, tokens)
        stories.start()

        # One server dies mid-way: the balancer sends its share to the other.
        wait_for(
            "a third of the submissions are acknowledged",
            lambda: len(stories.submitted) >= WEB_KILL_AFTER,
            60,
            [*webs, *workers],
        )
        kill_tree(webs[0])
        web_killed_at = len(stories.submitted)

        # One worker dies while the SMTP server holds the e-mail it is sending.
        wait_for("a worker is handing over the held e-mail", held.is_set, 60, [webs[1], *workers])
        holder = _holder(admin, database)
        victim = next(w for w in workers if holder == w.pid or holder in descendants(w.pid))
        kill_tree(victim)
        release.set()
        survivor = next(w for w in workers if w is not victim)
        worker_killed_at = len(stories.submitted)

        stories.join()
        load_took = time.monotonic() - started

        # The survivors finish; then the sweep (as if long enough had passed: every claim and
        # every running task of a dead worker is stale) and the survivors again.
        # Only the dead worker's task is left running: the survivor is idle.
        wait_for(
            "the survivor drains the queue",
            lambda: backend.tasks() == {"ready": 0, "running": 1},
            SETTLE_TIMEOUT,
            [webs[1], survivor],
        )
        settle_env = {
            **env,
            "ADUAN_TASK_STALE_MINUTES": "0",
            "ADUAN_NOTIFICATION_CLAIM_TIMEOUT": "0",
        }
        swept = run_manage("shell", "-c", SETTLE, env=settle_env)
        assert swept.returncode == 0, swept.stderr[-3000:]
        sweep = json.loads(swept.stdout.strip().splitlines()[-1])
        wait_for(
            "the survivor runs what the sweep requeued",
            lambda: backend.tasks() == {"ready": 0, "running": 0},
            SETTLE_TIMEOUT,
            [webs[1], survivor],
        )
        assert webs[1].poll() is None
        assert survivor.poll() is None
    finally:
        release.set()
        for process in [*webs, *workers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*webs, *workers]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_tree(process)
        for log in logs:
            log.close()

    outcomes = run_manage("shell", "-c", OUTCOMES, env=env)
    assert outcomes.returncode == 0, outcomes.stderr[-3000:]
    stored = json.loads(outcomes.stdout.strip().splitlines()[-1])
    fates = settle(stored, smtp_sink.received())
    took = time.monotonic() - started

    acknowledged = [s["tracking_id"] for s in stories.submitted]
    expected_events = Counter()
    for action in stories.actions:
        expected_events[action["tracking_id"], action["action"]] += 1
    events = {tid: Counter(actions) for tid, actions in stored["events"].items()}
    statuses = Counter(entry["status"] for entry in balancer.log)
    report(
        f"scale out ({backend_name})",
        submissions=len(acknowledged),
        retried_submissions=sum(1 for s in stories.submitted if s["retried"]),
        actions=len(stories.actions),
        retried_actions=sum(1 for a in stories.actions if a["retried"]),
        requests=len(balancer.log),
        statuses=dict(statuses),
        events=sum(sum(c.values()) for c in events.values()),
        kills=f"web 0 after {web_killed_at} submissions, worker {victim.pid} after {worker_killed_at}",
        sweep=sweep,
        took=f"{took:.1f} s (load {load_took:.1f} s)",
        **fates,
    )

    # Each acknowledged submission exists once; nothing stored that was not acknowledged.
    assert len(acknowledged) == CLIENTS * STORIES
    assert len(set(acknowledged)) == len(acknowledged)
    assert sorted(stored["reports"]) == sorted(acknowledged)
    # Each report: submitted once, then each action taken on it once, nothing else twice.
    for tracking_id in acknowledged:
        taken = Counter({"submitted": 1})
        taken.update({a: n for (tid, a), n in expected_events.items() if tid == tracking_id})
        assert taken == Counter({"submitted": 1, "dispose": 1, "respond": 1})
        assert events[tracking_id] == taken, tracking_id
    assert stored["audit_ok"], stored["audit"]
    # Each notification once; each e-mail delivered once, the held one at most once.
    assert stored["notification_keys"] == stored["distinct_notification_keys"]
    assert fates["messages"] >= HOLD_AT
    assert (fates["unsettled"], fates["lost"], fates["doubled"]) == (0, 0, 0), fates
    assert fates["uncertain"] == 1, fates
    uncertain = [row for row in stored["rows"] if row["state"] == "uncertain"]
    assert [row["message_id"] for row in uncertain] == held_ids  # the one the dead worker held
    assert fates["sent"] == fates["messages"] - 1
    assert sum(smtp_sink.received().values()) == fates["messages"]
    # The killed worker's task was put back and run; nothing is left running.
    assert sweep["stale_tasks"]["requeued"] == 1, sweep
    assert sweep["notifications"]["uncertain"] == 1, sweep
    # Both servers took requests before one died.
    assert {entry["port"] for entry in balancer.log if entry["status"] == 201} == set(ports)


def _holder(admin, database: str) -> int:
    """The pid of the process sending the held e-mail (its claim names it)."""
    deadline = time.monotonic() + 10
    while True:  # the other worker's sends in flight end within moments
        rows = admin.query(
            database,
            "SELECT claimed_by FROM notifications_notification WHERE state = 'sending'"
            " AND send_started_at IS NOT NULL",
        )
        if len(rows) == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(rows) == 1, rows
    return int(rows[0][0].split(":")[1])
