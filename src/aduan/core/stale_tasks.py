"""Background tasks whose worker died are run again. The sweep finds those started more
than ``ADUAN_TASK_STALE_MINUTES`` ago and puts them back in the queue, or, after
``MAX_CLAIMS`` lost runs, marks them failed with the reason: Aduan's tasks are idempotent
(outbox claims, unique keys), so a second run is safe.

django-tasks-db records no heartbeat: a task stays ``RUNNING`` for ever. RQ notices a
worker that stopped beating (a minute and a half) and moves its job to the failed
registry as abandoned, where nothing would run it again; the sweep requeues those too.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

STALE_JOB = "stale_tasks"
MAX_CLAIMS = 3  # a task that lost its worker this often is not run again
LOST = "aduan.core.stale_tasks.WorkerLost"
RQ_BACKEND = "django_tasks_rq.RQBackend"
RQ_ABANDONED = "rq.exceptions.AbandonedJobError"
# Where django-tasks-rq keeps the class of each failure of a job (its own meta key).
RQ_EXCEPTIONS = "_django_tasks_rq_exceptions"


def stale_tasks_reclaim(*, now: dt.datetime, batch: int, stop_at: float) -> dict[str, int]:
    """Requeue (or fail) up to ``batch`` tasks left running by a worker that is gone."""
    cutoff = now - dt.timedelta(minutes=settings.ADUAN_TASK_STALE_MINUTES)
    if settings.TASKS["default"]["BACKEND"] == RQ_BACKEND:
        return _rq_reclaim(cutoff=cutoff, batch=batch)
    return _db_reclaim(now=now, cutoff=cutoff, batch=batch)


def _db_reclaim(*, now: dt.datetime, cutoff: dt.datetime, batch: int) -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).only("id", "worker_ids")[:batch]
    counts = {"requeued": 0, "failed": 0}
    for task in stale:
        # Changed only if still running as read: a worker that finishes meanwhile wins.
        still = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING)
        if len(task.worker_ids) < MAX_CLAIMS:
            counts["requeued"] += still.update(status=TaskResultStatus.READY, started_at=None)
        else:
            counts["failed"] += still.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=LOST,
                traceback=(
                    f"The worker running this task stopped: no end was recorded "
                    f"{settings.ADUAN_TASK_STALE_MINUTES} minutes after it started, "
                    f"{len(task.worker_ids)} times. Not run again."
                ),
            )
    return counts


def _rq_reclaim(*, cutoff: dt.datetime, batch: int) -> dict[str, int]:
    """Two steps per queue: a job still ``started`` past the cutoff is failed as lost (RQ
    itself fails it once its worker's heartbeat is gone: reading the started registry
    runs that cleanup); then each job failed as lost or abandoned is requeued, unless it
    was lost ``MAX_CLAIMS`` times. RQ kills a job past its timeout (minutes), so one
    started before the cutoff has no worker left."""
    import django_rq
    from django_tasks import default_task_backend
    from django_tasks_rq.backend import Job
    from rq.exceptions import NoSuchJobError
    from rq.job import JobStatus
    from rq.job_lifecycle import record_job_failure

    counts = {"requeued": 0, "failed": 0}
    for name in sorted(default_task_backend.queues):
        queue = django_rq.get_queue(name, job_class=Job)
        started = queue.started_job_registry
        for job_id in started.get_job_ids()[:batch]:
            try:
                job = Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue
            began = job.started_at
            if began is not None and began.tzinfo is None:
                began = began.replace(tzinfo=dt.UTC)
            if job.get_status() != JobStatus.STARTED or began is None or began >= cutoff:
                continue
            job.meta.setdefault(RQ_EXCEPTIONS, []).append(LOST)
            with queue.connection.pipeline() as pipeline:
                started.remove_executions(job, pipeline=pipeline)
                job.save_meta()
                record_job_failure(
                    job,
                    f"The worker running this task stopped: no end was recorded "
                    f"{settings.ADUAN_TASK_STALE_MINUTES} minutes after it started.",
                    pipeline,
                )
                pipeline.execute()
        failed = queue.failed_job_registry
        for job_id in failed.get_job_ids()[:batch]:
            try:
                job = Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue
            failures = job.meta.get(RQ_EXCEPTIONS, [])
            if not failures or failures[-1] not in (LOST, RQ_ABANDONED):
                continue  # the task itself failed: not ours to run again
            if job.meta.get("aduan_given_up"):
                continue
            if sum(1 for failure in failures if failure in (LOST, RQ_ABANDONED)) < MAX_CLAIMS:
                failed.requeue(job)
                counts["requeued"] += 1
            else:
                job.meta["aduan_given_up"] = True
                job.save_meta()
                counts["failed"] += 1
    return counts
