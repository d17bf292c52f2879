"""Aduan's db_worker: django-tasks-db's worker, riding out a database outage."""

from __future__ import annotations

import time

import pytest
from django.core.management import get_commands
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django_tasks import task

from aduan.core.management.commands.db_worker import ResilientWorker

# Without the test case's transaction: a failed query inside it would doom every later one.
pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE_SECONDS = 1.0
outage_until = 0.0


@task()
def lose_the_database_while_running() -> str:
    """The database goes away for OUTAGE_SECONDS while this task runs."""
    global outage_until  # the test's switch, read by refuse_while_down
    outage_until = time.monotonic() + OUTAGE_SECONDS
    return "done"


@task()
def answer() -> int:
    return 42


@pytest.fixture
def database_down_on_demand(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    real_execute = CursorWrapper.execute

    def refuse_while_down(self, *args, **kwargs):
        if time.monotonic() < outage_until:
            raise OperationalError("server closed the connection unexpectedly")
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(CursorWrapper, "execute", refuse_while_down)


def worker(max_tasks: int) -> ResilientWorker:
    return ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def test_ours_is_the_db_worker_command():
    assert get_commands()["db_worker"] == "aduan.core"


def test_the_worker_rides_out_the_outage_and_runs_the_next_task(database_down_on_demand):
    from django_tasks_db.models import DBTaskResult

    interrupted = lose_the_database_while_running.enqueue()
    later = answer.enqueue()
    worker(max_tasks=2).run()  # returns only after two tasks; the package's worker raised

    interrupted_row = DBTaskResult.objects.get(pk=interrupted.id)
    # Its result could not be written: failed with the connection's error, not "running".
    assert interrupted_row.status == "FAILED"
    assert interrupted_row.exception_class_path == "django.db.utils.OperationalError"
    later_row = DBTaskResult.objects.get(pk=later.id)
    assert later_row.status == "SUCCESSFUL"
    assert later_row.return_value == 42
