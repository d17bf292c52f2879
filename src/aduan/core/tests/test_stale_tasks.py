"""A task left running by a worker that died is queued again, then given up with its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from aduan.core.stale_tasks import LOST, MAX_CLAIMS, stale_tasks_reclaim

pytestmark = pytest.mark.django_db


def running(*, minutes_ago: int, claims: int) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=now - dt.timedelta(minutes=minutes_ago),
        run_after=now - dt.timedelta(minutes=minutes_ago),
        args_kwargs={"args": [], "kwargs": {}},
        task_path="aduan.triage.tasks.router_retrain",
        backend_name="default",
        worker_ids=[f"worker-{n}" for n in range(claims)],
    )


def test_a_task_whose_worker_died_is_queued_again_then_given_up(settings):
    settings.ADUAN_TASK_STALE_MINUTES = 60
    fresh = running(minutes_ago=10, claims=1)
    lost = running(minutes_ago=90, claims=1)
    hopeless = running(minutes_ago=90, claims=MAX_CLAIMS)
    counts = stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0)
    assert counts == {"requeued": 1, "failed": 1}
    for task in (fresh, lost, hopeless):
        task.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING  # may still be working
    assert (lost.status, lost.started_at) == (TaskResultStatus.READY, None)
    assert DBTaskResult.objects.ready().filter(pk=lost.pk).exists()  # a worker takes it
    assert hopeless.status == TaskResultStatus.FAILED
    assert hopeless.exception_class_path == LOST
    assert "stopped" in hopeless.traceback
    assert stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0) == {
        "requeued": 0,
        "failed": 0,
    }
