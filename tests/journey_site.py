"""What the browser journeys run against (issue 14): the site served as `make run` serves
it (gunicorn with ``aduan.config.gunicorn`` and the task worker ``db_worker``) on a copy of
a database holding the directory and a small demo, an SMTP server on loopback that keeps
the e-mails, axe-core injected into each page, and a screenshot of each step.

The server is a child process, so it cannot see pytest-django's test transaction: each
journey gets a database of its own (a copy of the seeded SQLite file, or a PostgreSQL
database made from the seeded one as a template) and reads it only through the browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_component, run_manage, stop_process, subprocess_env
from test_database_restart import PostgresAdmin, start
from test_faults import SmtpSink
from test_server_smoke import free_port, wait_until_serving

from aduan.notifications.tests.push_service import (
    PUSH_SETTINGS,
    PushService,
    device_keys,
    running_push_service,
)

DEMO_REPORTS = 40  # enough for the router to suggest agencies and the feed to have pages
ARTEFACTS = REPO_ROOT / "var" / "test-artefacts" / "journeys"
AXE = REPO_ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "run `make axe` (npm install --prefix var/axe axe-core, as .ci/run does)"
# Where ADUAN_JOURNEY_SCREENSHOTS=1 copies the chosen steps (docs/screenshots/README.md).
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
# The top of a page, as docs/screenshots/ keeps them (under ~300 KB).
CROP = {"phone": 2400, "desktop": 1800}


@dataclass
class SeededDatabase:
    """The directory, the priority programmes and a small demo, made once per run; each
    journey gets a copy (``copy()``) to serve."""

    env: dict[str, str]  # the settings every child process of the journeys shares
    sqlite: Path | None = None
    admin: PostgresAdmin | None = None
    name: str = ""
    copies: list[str] = field(default_factory=list)

    def copy(self, directory: Path) -> dict[str, str]:
        """A new database with the seed's content; the settings that point at it."""
        if self.sqlite is not None:
            path = directory / "aduan.sqlite3"
            shutil.copy(self.sqlite, path)
            return {"ADUAN_SQLITE_PATH": str(path)}
        name = f"aduan_journey_{uuid.uuid4().hex[:10]}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        self.copies.append(name)
        return {"DATABASE_URL": self.admin.url(name)}

    def drop(self, name: str) -> None:
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name
        )
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _seed(env: dict[str, str]) -> None:
    steps = (
        ("createcachetable",),
        ("load_directory",),
        ("load_programmes",),
        ("load_demo", "--reports", str(DEMO_REPORTS), "-v", "0"),
        ("collectstatic", "--no-input", "-v", "0"),
    )
    for step in steps:
        result = run_manage(*step, env=env, timeout=300)
        assert result.returncode == 0, (step, result.stderr[-3000:])


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory, django_db_setup, django_db_blocker):
    """SQLite: a migrated file (the embedded settings), seeded. PostgreSQL (``DATABASE_URL``
    set): a database made from pytest-django's migrated test database as a template,
    seeded, dropped at the end with every copy made of it."""
    from django.db import connection, connections

    var = tmp_path_factory.mktemp("journeys")
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(var),
        ADUAN_STATIC_ROOT=str(var / "static"),
        # One key for the seeding and every server: the demo's sessions, authenticator
        # secrets and audit chain are keyed with it.
        ADUAN_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONUNBUFFERED="1",
    )
    with django_db_blocker.unblock():
        vendor = connection.vendor
        settings_dict = dict(connection.settings_dict)
        template = settings_dict["NAME"]  # pytest-django's test database, migrated
        connections.close_all()  # a template database must have no other connection
    if vendor == "postgresql":
        admin = PostgresAdmin(settings_dict)
        seeded = SeededDatabase(env=env, admin=admin, name=f"aduan_seed_{uuid.uuid4().hex[:10]}")
        # Earlier browser tests' live server thread still holds a connection to this
        # worker's test database (only its own threads use it); ended here, it reconnects
        # through CONN_HEALTH_CHECKS should it serve again.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            template,
        )
        admin.execute(f'CREATE DATABASE "{seeded.name}" TEMPLATE "{template}"')
        try:
            _seed({**env, "DATABASE_URL": admin.url(seeded.name)})
            yield seeded
        finally:
            for name in [*seeded.copies, seeded.name]:
                seeded.drop(name)
            admin.connection.close()
        return
    path = var / "seed.sqlite3"
    env_sqlite = {**env, "ADUAN_SQLITE_PATH": str(path)}
    result = run_manage("migrate", "--no-input", "-v", "0", env=env_sqlite, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    _seed(env_sqlite)
    yield SeededDatabase(env=env, sqlite=path)


@dataclass
class Site:
    """One journey's server, its worker, its mail and its database."""

    url: str
    mail: SmtpSink
    push: PushService
    logs: Path

    def push_endpoint(self, name: str) -> dict:
        """A subscription as a browser's PushManager would hand it to the site, on the
        loopback push service (which decrypts what it gets with the device's keys)."""
        keys = device_keys()
        endpoint = self.push.endpoint(name, keys)
        return {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}

    def pushed(self, has: str, *, timeout: float = 20) -> dict:
        """The first push message (decrypted) whose body has ``has``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.push.received):
                if has in message.get("body", ""):
                    return message
            time.sleep(0.1)
        pytest.fail(f"no push with {has!r} within {timeout} s: {self.push.received}")

    def mail_to(self, address: str, *, timeout: float = 20) -> Message:
        """The newest e-mail to ``address`` (waiting for the worker to send it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.mail.lock:
                found = [m for m in self.mail.messages if address in str(m["To"])]
            if found:
                return found[-1]
            time.sleep(0.1)
        pytest.fail(f"no e-mail to {address} within {timeout} s")

    def link_in_mail(self, address: str, path_part: str) -> str:
        """The first link in the newest e-mail to ``address`` whose path has ``path_part``."""
        message = self.mail_to(address)
        parts = message.walk() if message.is_multipart() else [message]
        text = "".join(
            part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            for part in parts
            if part.get_content_type() == "text/plain"
        )
        links = re.findall(r"https?://\S+", text)
        chosen = [link for link in links if path_part in link]
        assert chosen, f"no link with {path_part} in: {text}"
        return chosen[0]


@pytest.fixture
def journey_site(seeded_database, tmp_path, request):
    """gunicorn (``aduan.config.gunicorn``, as ``make run``) and ``db_worker`` on a fresh
    copy of the seeded database, e-mail to a loopback SMTP server. Their logs are kept in
    var/test-artefacts/journeys/logs/<test>/."""
    logs = ARTEFACTS / "logs" / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    sink = SmtpSink()
    sink.controller.start()
    push_service = running_push_service()
    push = push_service.__enter__()
    # The seed's files too: the demo's attachments and the triage router it trained.
    shutil.copytree(Path(seeded_database.env["ADUAN_VAR_DIR"]) / "media", tmp_path / "media")
    port = free_port()
    env = {
        **seeded_database.env,
        **seeded_database.copy(tmp_path),
        **sink.env(),
        "ADUAN_MEDIA_ROOT": str(tmp_path / "media"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "2",
        # The overseer's figures are read right after the actions that move them.
        "ADUAN_STATISTICS_CACHE_SECONDS": "0",
        "ADUAN_TRIAGE_MODEL_CHECK_SECONDS": "0",
        # Web Push to the push service above, on loopback.
        **PUSH_SETTINGS,
        "ADUAN_PUSH_ALLOW_LOOPBACK": "1",
    }
    python = sys.executable
    processes = [
        start(
            [str(Path(python).with_name("gunicorn")), "--config", "python:aduan.config.gunicorn"],
            env,
            logs / "web.log",
        ),
        start(
            [
                *(python, str(REPO_ROOT / "manage.py"), "db_worker", "--queue-name", "*"),
                *("--no-reload", "--no-startup-delay", "--interval", "0.2"),
            ],
            env,
            logs / "worker.log",
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        web = processes[0][0]
        web.stderr = (logs / "web.log").open()  # what wait_until_serving shows on exit
        wait_until_serving(web, url + "/")
        yield Site(url=url, mail=sink, push=push, logs=logs)
    finally:
        for process, output in processes:
            stop_process(process)
            output.close()
        sink.controller.stop()
        push_service.__exit__(None, None, None)
        assert not push.refused, push.refused
        if seeded_database.admin is not None and "DATABASE_URL" in env:
            name = env["DATABASE_URL"].rsplit("/", 1)[1]
            seeded_database.drop(name)
            seeded_database.copies.remove(name)


# --- axe-core -----------------------------------------------------------------------


def axe_source() -> str:
    """axe-core's script, installed from the npm registry by .ci/run."""
    require_component("axe-core", AXE.exists(), f"{AXE} is missing: {AXE_INSTALL}")
    return AXE.read_text()


_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def axe_check(page, source: str) -> list[dict]:
    """Run axe-core on ``page``; its violations (id, impact, help, first targets).

    The script goes in through DevTools' ``Runtime.evaluate`` (``page.evaluate``), which
    the page's Content-Security-Policy does not govern; a ``<script>`` tag would be refused
    by ``script-src 'self'``, and the context keeps the site's CSP in force for everything
    else (no ``bypass_csp``)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(_AXE_RUN)


# --- Screenshots and the record of each journey ---------------------------------------


@dataclass
class Record:
    """Steps of one journey: a screenshot and an axe run per step, timings, findings."""

    name: str
    size: str
    axe: str
    directory: Path
    started: float = field(default_factory=time.monotonic)
    steps: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """A line for the printed summary (what a step found)."""
        self.notes.append(text)

    def step(self, page, label: str) -> None:
        """Screenshot ``page`` as step ``nn-label`` and check it with axe-core."""
        page.wait_for_load_state()
        number = len(self.steps) + 1
        path = self.directory / f"{number:02d}-{label}.png"
        height = page.evaluate("() => document.documentElement.scrollHeight")
        width = page.viewport_size["width"]
        page.screenshot(
            path=path,
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": min(height, CROP[self.size])},
        )
        violations = axe_check(page, self.axe)
        self.steps.append(
            {
                "step": f"{number:02d}-{label}",
                "path": page.url.split("//", 1)[1].split("/", 1)[-1],
                "seconds": round(time.monotonic() - self.started, 1),
                "violations": violations,
            }
        )

    def serious(self) -> list[str]:
        return [
            f"{step['step']} /{step['path']}: {v['impact']} {v['id']} ({v['help']}) {v['targets']}"
            for step in self.steps
            for v in step["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        lines = [f"[journey {self.name} {self.size}] {seconds:.1f} s, {len(self.steps)} steps"]
        for step in self.steps:
            found = ", ".join(f"{v['impact']} {v['id']}" for v in step["violations"]) or "none"
            lines.append(
                f"  {step['step']:<28} /{step['path']:<40} {step['seconds']:>5} s  axe: {found}"
            )
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)

    def save(self) -> None:
        (self.directory / "journey.json").write_text(
            json.dumps(
                {"name": self.name, "size": self.size, "steps": self.steps, "notes": self.notes},
                indent=1,
                ensure_ascii=False,
            )
        )


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's source, read once; a test asks for it before its server (through
    ``record``), so that without axe-core it is skipped before anything is seeded."""
    return axe_source()


@pytest.fixture
def record(axe_script, request):
    """``record(name, size)``: a Record whose screenshots go to
    var/test-artefacts/journeys/<name>/<size>/ (emptied first). Its summary (time, axe
    results per page) goes to the test's report, which the root conftest.py prints at the
    end of the run (under xdist too)."""
    made: list[Record] = []

    def make(name: str, size: str) -> Record:
        directory = ARTEFACTS / name / size
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        made.append(Record(name=name, size=size, axe=axe_script, directory=directory))
        return made[-1]

    yield make
    for journey in made:
        journey.save()
        request.node.user_properties.append(("journey", journey.summary()))


def keep_screenshots(record: Record, chosen: dict[str, str]) -> None:
    """With ADUAN_JOURNEY_SCREENSHOTS=1, copy the chosen steps (``{step label: name}``) to
    docs/screenshots/journey-<name>-<size>.png."""
    if os.environ.get("ADUAN_JOURNEY_SCREENSHOTS") != "1":
        return
    for step in record.steps:
        label = step["step"].split("-", 1)[1]
        if label in chosen:
            shutil.copy(
                record.directory / f"{step['step']}.png",
                SCREENSHOTS / f"journey-{chosen[label]}-{record.size}.png",
            )
