"""A task left running by a worker that died is queued again, then given up with its reason."""

from __future__ import annotations

import datetime as dt
import time

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


# --- The RQ backend -------------------------------------------------------------------


@pytest.fixture
def rq_queue(settings, private_redis):
    """The RQ backend on a private Redis; its ``default`` queue."""
    import django_rq
    from django_tasks_rq.backend import Job

    settings.RQ_QUEUES = {"default": {"URL": private_redis.url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    return django_rq.get_queue("default", job_class=Job)


def taken_by_a_worker_that_dies(queue, *, minutes_ago: int):
    """Enqueue a task and let a worker start it, as the worker's main process does before
    its work horse runs it; nothing ends it (the worker was killed)."""
    from django_tasks_rq.backend import Job
    from rq import Worker

    from aduan.triage.tasks import fingerprint_report

    result = fingerprint_report.enqueue(report_id=0)
    worker = Worker([queue], connection=queue.connection, job_class=Job)
    job, _queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    assert job.id == result.id
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    queue.connection.hset(job.key, "started_at", started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return result.id


def rq_status(queue, job_id: str) -> str:
    from django_tasks_rq.backend import Job

    return Job.fetch(job_id, connection=queue.connection).get_status()


def test_an_rq_task_whose_worker_died_is_queued_again_then_given_up(settings, rq_queue):
    from rq import SimpleWorker

    settings.ADUAN_TASK_STALE_MINUTES = 60
    fresh = taken_by_a_worker_that_dies(rq_queue, minutes_ago=10)
    lost = taken_by_a_worker_that_dies(rq_queue, minutes_ago=90)
    counts = stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0)
    assert counts == {"requeued": 1, "failed": 0}
    assert rq_status(rq_queue, fresh) == "started"  # may still be working
    assert rq_status(rq_queue, lost) == "queued"
    assert rq_queue.job_ids == [lost]
    assert lost not in rq_queue.started_job_registry.get_job_ids(cleanup=False)

    # A worker takes it and runs it.
    from django_tasks_rq.backend import Job

    SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=Job).work(burst=True)
    assert rq_status(rq_queue, lost) == "finished"


def test_an_rq_task_rq_found_abandoned_is_queued_again(settings, rq_queue):
    settings.ADUAN_TASK_STALE_MINUTES = 60
    abandoned = taken_by_a_worker_that_dies(rq_queue, minutes_ago=2)
    # RQ's own clean-up once the worker's heartbeat has expired: the failed registry,
    # where nothing runs it again.
    rq_queue.started_job_registry.cleanup(timestamp=time.time() + 3600)
    assert rq_status(rq_queue, abandoned) == "failed"
    assert stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0) == {
        "requeued": 1,
        "failed": 0,
    }
    assert rq_queue.job_ids == [abandoned]


def test_an_rq_task_lost_too_often_stays_failed_and_one_that_raised_is_left(settings, rq_queue):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    from aduan.core.stale_tasks import RQ_EXCEPTIONS

    settings.ADUAN_TASK_STALE_MINUTES = 60
    hopeless = taken_by_a_worker_that_dies(rq_queue, minutes_ago=90)
    job = Job.fetch(hopeless, connection=rq_queue.connection)
    job.meta[RQ_EXCEPTIONS] = [LOST] * (MAX_CLAIMS - 1)  # lost twice before
    job.save_meta()
    assert stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0) == {
        "requeued": 0,
        "failed": 1,
    }
    assert rq_status(rq_queue, hopeless) == "failed"
    assert rq_queue.job_ids == []

    # A task that raised is the task's failure, not a lost worker's: not run again.
    raised = fingerprint_failing(rq_queue)
    SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=Job).work(burst=True)
    assert rq_status(rq_queue, raised) == "failed"
    assert stale_tasks_reclaim(now=timezone.now(), batch=100, stop_at=0) == {
        "requeued": 0,
        "failed": 0,
    }
    assert rq_queue.job_ids == []


def fingerprint_failing(queue) -> str:
    """A task that raises when it runs (its argument is not a report id)."""
    from aduan.triage.tasks import fingerprint_report

    return fingerprint_report.enqueue(report_id="not a number").id
