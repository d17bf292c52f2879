"""Background tasks whose worker died stay ``RUNNING`` for ever (django-tasks-db records no
heartbeat). The sweep finds those started more than ``ADUAN_TASK_STALE_MINUTES`` ago and
puts them back in the queue, or, after ``MAX_CLAIMS`` runs, marks them failed with the
reason: Aduan's tasks are idempotent (outbox claims, unique keys), so a second run is safe.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

STALE_JOB = "stale_tasks"
MAX_CLAIMS = 3  # a task that lost its worker this often is not run again
LOST = "aduan.core.stale_tasks.WorkerLost"


def stale_tasks_reclaim(*, now: dt.datetime, batch: int, stop_at: float) -> dict[str, int]:
    """Requeue (or fail) up to ``batch`` tasks left running by a worker that is gone."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    cutoff = now - dt.timedelta(minutes=settings.ADUAN_TASK_STALE_MINUTES)
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
