"""run_scheduler rides out a database outage, and the slot it could not enqueue is not lost."""

from __future__ import annotations

import datetime as dt
import os
import signal

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from aduan.workflow.management.commands.run_scheduler import Command
from aduan.workflow.tasks import sweep_schedule

# Without the test case's transaction: a failed query inside it would doom every later one.
pytestmark = pytest.mark.django_db(transaction=True)

NOON = dt.datetime(2026, 12, 2, 12, 0, 30, tzinfo=dt.UTC)


def refuse(self, *args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_slot_whose_enqueue_failed_is_enqueued_by_the_next_try(database_tasks, monkeypatch):
    # The claim lives in the cache (here: memory, in production Redis) and survived the
    # outage; the task row did not. The claim is given back, so the retry enqueues.
    from django_tasks_db.models import DBTaskResult

    with monkeypatch.context() as down:
        down.setattr(CursorWrapper, "execute", refuse)
        with pytest.raises(OperationalError):
            sweep_schedule(slot=7, interval=60)
    assert sweep_schedule(slot=7, interval=60)
    assert DBTaskResult.objects.filter(task_path="aduan.workflow.tasks.sweep").count() == 1


def test_the_scheduler_waits_out_an_outage_and_enqueues_the_sweep(database_tasks, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    real_tick = Command._tick
    ticks = []

    def tick_through_an_outage(self, interval):
        ticks.append(len(ticks) + 1)
        if len(ticks) <= 2:
            with monkeypatch.context() as down:
                down.setattr(CursorWrapper, "execute", refuse)
                return real_tick(self, interval)
        slot = real_tick(self, interval)
        os.kill(os.getpid(), signal.SIGTERM)  # the command's own handler stops it
        return slot

    monkeypatch.setattr(Command, "_tick", tick_through_an_outage)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with time_machine.travel(NOON, tick=False):  # one slot for the whole test
            call_command("run_scheduler", "--interval", "60")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert ticks == [1, 2, 3]
    assert DBTaskResult.objects.filter(task_path="aduan.workflow.tasks.sweep").count() == 1
