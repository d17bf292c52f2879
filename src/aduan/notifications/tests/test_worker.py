"""The outbox against real worker processes: killed mid-send, and down while rows pile up.

Each test drives child processes (``db_worker`` from django-tasks-db, the
``notifications_sweep`` command, and a small harness) against one database: the
PostgreSQL test database when the suite runs on PostgreSQL (committed data, hence
``transaction=True``), a migrated SQLite file otherwise. E-mail goes to files, so sends
from every process can be counted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, subprocess_env
from django.conf import settings as django_settings

from aduan.notifications.delivery import INTERRUPTED

pytestmark = pytest.mark.slow

BACKENDS = "aduan.notifications.tests.email_backends"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@dataclass
class Outbox:
    env: dict[str, str]
    mail_dir: Path
    marker: Path

    def python(self, code: str, **extra: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result

    def harness(self, *args: str) -> dict:
        call = ", ".join(repr(arg) for arg in args)
        code = f"from aduan.notifications.tests.harness import run; run({call})"
        return json.loads(self.python(code).stdout.strip().splitlines()[-1])

    def manage(self, *args: str, **extra: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, str(REPO_ROOT / "manage.py"), *args],
            cwd=REPO_ROOT,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def run_worker_until_empty(self) -> None:
        self.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "0")

    def start_worker_and_kill_it_at_the_marker(self, backend: str) -> None:
        worker = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                str(REPO_ROOT / "manage.py"),
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            cwd=REPO_ROOT,
            env={**self.env, "ADUAN_TEST_EMAIL_BACKEND": f"{BACKENDS}.{backend}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while not self.marker.exists():
                if worker.poll() is not None:
                    pytest.fail(f"the worker exited early: {worker.stderr.read().decode()}")
                if time.monotonic() > deadline:
                    pytest.fail("the worker never reached the e-mail backend")
                time.sleep(0.05)  # polling for the marker, not waiting for timing
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            worker.stderr.close()
        assert worker.returncode == -signal.SIGKILL

    def messages_sent(self, message_id: str) -> int:
        """How many e-mails left with this Message-ID (computed by the harness, under the
        child processes' secret key: the Message-ID carries a tag derived from it). A long
        header is folded onto the next line; unfolded, it reads as one."""
        wanted = re.compile(rf"^Message-ID:\s+{re.escape(message_id)}$", re.MULTILINE)
        return sum(
            len(wanted.findall(re.sub(r"\r?\n[ \t]+", " ", path.read_text())))
            for path in self.mail_dir.glob("*.log")
        )


@pytest.fixture
def outbox(request, tmp_path) -> Outbox:
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        request.getfixturevalue("transactional_db")
        from django.db import connection

        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        database = {
            "DATABASE_URL": (
                f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )
        }
    else:
        path = tmp_path / "aduan.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        database = {"ADUAN_SQLITE_PATH": str(path)}
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.notifications.tests.worker_settings",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_TEST_EMAIL_DIR=str(mail_dir),
        ADUAN_TEST_MARKER=str(tmp_path / "marker"),
        **database,
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    assert os.environ.get("DJANGO_SETTINGS_MODULE") != env["DJANGO_SETTINGS_MODULE"]
    return Outbox(env=env, mail_dir=mail_dir, marker=tmp_path / "marker")


def test_worker_killed_after_the_message_left_is_not_sent_again(outbox):
    row_id = str(outbox.harness("setup")["id"])

    outbox.start_worker_and_kill_it_at_the_marker("BlockAfterSendingBackend")

    killed = outbox.harness("state", row_id)
    assert killed["state"] == "sending"
    assert killed["send_started"] is True
    message_id = killed["message_id"]
    assert outbox.messages_sent(message_id) == 1

    # Recovery (the claim is stale at once with a 0 s timeout), then a healthy worker.
    assert "uncertain=1" in outbox.manage("notifications_sweep", ADUAN_TEST_CLAIM_TIMEOUT="0")
    outbox.run_worker_until_empty()
    outbox.manage("notifications_sweep", ADUAN_TEST_CLAIM_TIMEOUT="0")

    final = outbox.harness("state", row_id)
    assert final["state"] == "uncertain"
    assert final["last_error"] == INTERRUPTED
    assert outbox.messages_sent(message_id) == 1


def test_worker_killed_before_the_send_started_is_delivered_once_later(outbox):
    row_id = str(outbox.harness("setup")["id"])

    outbox.start_worker_and_kill_it_at_the_marker("BlockWhileConnectingBackend")

    killed = outbox.harness("state", row_id)
    assert killed["state"] == "sending"
    assert killed["send_started"] is False
    message_id = killed["message_id"]
    assert outbox.messages_sent(message_id) == 0

    swept = outbox.manage("notifications_sweep", ADUAN_TEST_CLAIM_TIMEOUT="0")
    assert "released=1" in swept
    assert "sent=1" in swept
    outbox.run_worker_until_empty()

    final = outbox.harness("state", row_id)
    assert final["state"] == "sent"
    assert outbox.messages_sent(message_id) == 1


def test_rows_written_while_the_worker_is_down_wait_and_are_delivered(outbox):
    row_id = str(outbox.harness("setup")["id"])
    second_id = str(outbox.harness("setup")["id"])

    waiting = outbox.harness("state", row_id)
    assert waiting["state"] == "pending"
    assert outbox.messages_sent(waiting["message_id"]) == 0

    outbox.run_worker_until_empty()

    for notification_id in (row_id, second_id):
        final = outbox.harness("state", notification_id)
        assert final["state"] == "sent"
        assert outbox.messages_sent(final["message_id"]) == 1
