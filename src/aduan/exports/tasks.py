"""Tasks of the exports (django-tasks): building a background export's file, and the
periodic job that deletes expired files and re-enqueues lost jobs."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from .services import export_job_build, export_jobs_tidy

EXPORTS_JOB = "export_jobs"


@task()
def export_build(job_id: str) -> str:
    """Build the file of the export job ``job_id``; a second run of a finished job does
    nothing."""
    return export_job_build(job_id=job_id)


def export_jobs_job(*, now: dt.datetime, batch: int, stop_at: float) -> dict[str, int]:
    """On every sweep: expired jobs deleted with their files; lost enqueues repeated."""
    return export_jobs_tidy(now=now, batch=batch)
