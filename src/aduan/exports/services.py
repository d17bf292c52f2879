"""Writes of the exports: a background job created, built by the task queue, expired.

The build reads the list again as its owner at the time of building (the same selector,
columns and visibility rule as the streamed export, ``export_list_queryset`` and
``export_rows``), in constant memory through the same writers, and stores the file in
the default storage under one name per job: a second run of the same job replaces the
file, never adds one (ADR 0016).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from functools import partial
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.core.errors import PermissionDenied
from aduan.workflow.selectors import InboxFilters

from .columns import CHUNK_SIZE, Cell, export_rows, headers
from .models import ExportJob, ExportJobStatus, ExportList, export_upload_to
from .selectors import LIST_NAMES, export_list_queryset, filters_as_json, filters_from_json
from .writers import csv_lines, xlsx_write

logger = logging.getLogger(__name__)

# A run that has written nothing for this long is taken to have died with its worker:
# another run may take the job over. A queued job whose task has not started this long
# after it was enqueued is enqueued again (a lost enqueue; a second run is harmless).
STALLED_AFTER = dt.timedelta(hours=1)
REQUEUE_AFTER = dt.timedelta(minutes=30)
_ACTIVE = (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING)


def _enqueue(job_id: uuid.UUID) -> None:
    from .tasks import export_build

    export_build.enqueue(job_id=str(job_id))


@transaction.atomic
def export_job_create(
    *, owner: User, list_key: str, filters: InboxFilters, fmt: str, language: str
) -> ExportJob:
    """A job building ``list_key`` with ``filters`` for ``owner``, its task enqueued on
    commit. The same export asked again while one is still waiting or running is that
    one (a second click starts no second build)."""
    stored = filters_as_json(filters)
    for active in ExportJob.objects.filter(
        owner=owner, list=list_key, format=fmt, status__in=_ACTIVE
    ):
        if active.filters == stored and active.language == language:
            return active
    now = timezone.now()
    job = ExportJob.objects.create(
        owner=owner,
        list=ExportList(list_key),
        filters=stored,
        format=fmt,
        language=language,
        enqueued_at=now,
        expires_at=now + dt.timedelta(days=settings.ADUAN_EXPORT_KEEP_DAYS),
    )
    logger.info(
        "export job queued job=%s user=%s list=%s format=%s", job.pk, owner.pk, list_key, fmt
    )
    transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return job


class _Superseded(Exception):
    """Another run took the job over: this one stops and keeps nothing."""


def _claim(job_id: str) -> str | None:
    """Mark the job running for this run; its token, or None when there is nothing to do
    (done, failed, gone, or running in a live worker)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportJobStatus.QUEUED)
            | Q(status=ExportJobStatus.RUNNING, started_at__lt=now - STALLED_AFTER)
        )
        .update(status=ExportJobStatus.RUNNING, run_token=token, started_at=now, rows=0)
    )
    return token if claimed else None


def _progress(rows: Iterable[list[Cell]], *, job_id: uuid.UUID, token: str) -> Iterator:
    """The rows, the job's ``rows`` (and ``started_at``, the sign of life) updated every
    chunk; stops when another run has taken the job."""
    for count, row in enumerate(rows, start=1):
        yield row
        if count % CHUNK_SIZE == 0:
            alive = ExportJob.objects.filter(pk=job_id, run_token=token).update(
                rows=count, started_at=timezone.now()
            )
            if not alive:
                raise _Superseded


def _write(job: ExportJob, rows: Iterable[list[Cell]]) -> tuple[IO[bytes], int]:
    """The file in a temporary file, rewound, and its number of rows: exactly the bytes
    the streamed export sends."""
    if job.format == "xlsx":
        return xlsx_write(headers(), rows, sheet_name=LIST_NAMES[ExportList(job.list)])
    target = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    count = 0
    for count, line in enumerate(csv_lines(headers(), rows)):  # noqa: B007 - the header is line 0
        target.write(line.encode("utf-8"))
    target.seek(0)
    return target, count


def _keep(*, job_id: uuid.UUID, token: str, content: IO[bytes], rows: int) -> ExportJob | None:
    """Store the file under the job's one name and mark it done, if this run still holds
    the job; else None (the file is not stored)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.run_token != token or job.status != ExportJobStatus.RUNNING:
            return None
        name = export_upload_to(job, "")
        job.file.storage.delete(name)  # a run that died after storing, before committing
        job.file.save(name, File(content), save=False)
        job.status = ExportJobStatus.DONE
        job.rows = rows
        job.finished_at = timezone.now()
        job.error = ""
        job.save(update_fields=["file", "status", "rows", "finished_at", "error"])
    return job


def _fail(*, job_id: uuid.UUID, token: str, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, run_token=token).update(
        status=ExportJobStatus.FAILED, error=message, finished_at=timezone.now()
    )


def export_job_build(*, job_id: str) -> str:
    """Build the job's file (the task's work); what happened: ``done``, ``failed`` or
    ``skipped`` (nothing to do, or another run holds the job)."""
    token = _claim(job_id)
    if token is None:
        return "skipped"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    with translation.override(job.language):
        try:
            queryset = export_list_queryset(
                user=job.owner, list_key=job.list, filters=filters_from_json(job.filters)
            )
            total = queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk, run_token=token).update(total=total)
            rows = _progress(export_rows(queryset, user=job.owner), job_id=job.pk, token=token)
            content, count = _write(job, rows)
            with content:
                kept = _keep(job_id=job.pk, token=token, content=content, rows=count)
        except _Superseded:
            return "skipped"
        except PermissionDenied:
            _fail(
                job_id=job.pk,
                token=token,
                message=_("Your account may no longer export this list."),
            )
            return "failed"
        except Exception:
            logger.exception("export job %s failed", job.pk)
            _fail(
                job_id=job.pk,
                token=token,
                message=_("The export could not be prepared. Please try again later."),
            )
            return "failed"
    if kept is None:
        return "skipped"
    logger.info("export job done job=%s user=%s rows=%d", job.pk, job.owner_id, count)
    _email_owner(kept)
    return "done"


def _email_owner(job: ExportJob) -> None:
    """Tell the owner the file is ready (best effort: the job page says so too)."""
    owner = job.owner
    if not owner.email:
        return
    with translation.override(owner.language or job.language):
        context = {
            "job": job,
            "owner": owner,
            "link": f"{settings.SITE_URL}{reverse('exports:job', args=[job.pk])}",
        }
        subject = _("Your export is ready")
        body = render_to_string("exports/email/job_done.txt", context)
    try:
        send_mail(subject, body, None, [owner.email])
    except Exception:
        logger.warning("export job %s: the e-mail to its owner failed", job.pk, exc_info=True)


def _delete_files(job: ExportJob) -> None:
    storage = job.file.storage
    for name in {job.file.name, export_upload_to(job, "")} - {""}:
        storage.delete(name)


def export_jobs_tidy(*, now: dt.datetime, batch: int) -> dict[str, int]:
    """Delete up to ``batch`` expired jobs with their files, and enqueue again the jobs
    still waiting ``REQUEUE_AFTER`` after their last enqueue: one query when there is
    nothing to do (it runs on every sweep)."""
    due = list(
        ExportJob.objects.filter(
            Q(expires_at__lte=now)
            | Q(status=ExportJobStatus.QUEUED, enqueued_at__lt=now - REQUEUE_AFTER)
        ).order_by("expires_at")[:batch]
    )
    expired = requeued = 0
    for job in due:
        if job.expires_at <= now:
            _delete_files(job)
            job.delete()
            expired += 1
        else:
            ExportJob.objects.filter(pk=job.pk).update(enqueued_at=now)
            _enqueue(job.pk)
            requeued += 1
    return {"expired": expired, "requeued": requeued}
