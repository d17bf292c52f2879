"""``GET /api/v1/inbox/export``: the API's staff work list (``GET /api/v1/inbox``, the same
filters and scope) as one CSV or XLSX file, for a person's token. Agencies' integration
tokens are refused: their systems read the paginated list.

A list longer than ``ADUAN_EXPORT_STREAM_MAX_ROWS`` (or any, with ``background=true``) is
built by the task queue: the answer is 202 with the job, whose state is
``GET /api/v1/exports/{id}`` and whose file is ``GET /api/v1/exports/{id}/download``,
for the job's owner only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from aduan.core.errors import DomainError
from aduan.core.problem import problems
from aduan.workflow.schemas import InboxQuery

from .models import ExportJob, ExportJobStatus, ExportList
from .responses import (
    CONTENT_TYPES,
    ExportFormat,
    export_check_rate,
    export_job_file_response,
    export_response,
)
from .selectors import (
    LIST_NAMES,
    export_in_background,
    export_job_get_for_user,
    export_list_queryset,
)
from .services import export_job_create

router = Router(tags=["Exports"])


class NotReady(DomainError):
    status_code = 409
    default_message = _("The export is not ready.")


class ExportJobOut(Schema):
    id: uuid.UUID
    list: Literal["inbox", "queue"]
    format: Literal["csv", "xlsx"]
    status: Literal["queued", "running", "done", "failed"]
    rows: int = Field(description="Rows written so far; once done, the rows of the file")
    total: int | None = Field(None, description="Rows of the list when the build started")
    error: str = Field("", description="Why the build failed")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime = Field(description="When the file and the job are deleted")
    url: str = Field(description="This job's state")
    download_url: str | None = Field(None, description="The file, once done")


def _job_out(job: ExportJob) -> ExportJobOut:
    return ExportJobOut(
        id=job.pk,
        list=job.list,
        format=job.format,
        status=job.status,
        rows=job.rows,
        total=job.total,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
        url=reverse("api:export_job", kwargs={"job_id": job.pk}),
        download_url=(
            reverse("api:export_job_download", kwargs={"job_id": job.pk})
            if job.status == ExportJobStatus.DONE
            else None
        ),
    )


_FILE = {
    "description": "The file (CSV: UTF-8 with a byte-order mark)",
    "content": {CONTENT_TYPES[f]: {} for f in ExportFormat},
}


@router.get(
    "/inbox/export",
    response={202: ExportJobOut},
    openapi_extra={
        "responses": {
            200: {**_FILE, "description": _FILE["description"] + ", streamed"},
            **problems(
                403,
                429,
                r403="Not staff, or the queue for agency staff",
                r429="Too many exports by this account (ADUAN_EXPORT_RATE)",
            )["responses"],
        }
    },
    summary="The staff work list as a CSV or XLSX file",
    url_name="inbox_export",
)
def inbox_export(
    request: HttpRequest,
    response: HttpResponse,
    filters: Query[InboxQuery],
    fmt: Literal["csv", "xlsx"] = Query("csv", alias="format"),
    background: bool = Query(
        False, description="Build the file in the background (202) whatever its length"
    ),
):
    """The rows ``GET /inbox`` pages through with the same filters (``queue=true``: the
    national queue), all of them, with the reporter and the text as the caller may read
    them. Each export is logged and counted against the caller's export rate. Past
    ``ADUAN_EXPORT_STREAM_MAX_ROWS`` rows (or with ``background=true``) the answer is 202
    with the background job (``Location``: its URL); poll it until ``status`` is
    ``done``, then fetch its ``download_url``."""
    user = request.auth
    list_key = ExportList.QUEUE if filters.queue else ExportList.INBOX
    narrowed = filters.inbox_filters()
    queryset = export_list_queryset(user=user, list_key=list_key, filters=narrowed)
    if background or export_in_background(queryset):
        export_check_rate(request, user=user)
        job = export_job_create(
            owner=user, list_key=list_key, filters=narrowed, fmt=fmt, language=get_language()
        )
        out = _job_out(job)
        response["Location"] = out.url
        return Status(202, out)
    return export_response(
        request,
        user=user,
        queryset=queryset,
        name=LIST_NAMES[list_key],
        fmt=ExportFormat(fmt),
        filters=narrowed,
    )


@router.get(
    "/exports/{job_id}",
    response=ExportJobOut,
    openapi_extra=problems(404, r404="No such job of the caller's"),
    summary="A background export's state",
    url_name="export_job",
)
def export_job(request: HttpRequest, job_id: str):
    """The state of one of the caller's background exports; another user's is 404."""
    return _job_out(export_job_get_for_user(user=request.auth, job_id=job_id))


@router.get(
    "/exports/{job_id}/download",
    openapi_extra={
        "responses": {
            200: _FILE,
            **problems(
                404, 409, r404="No such job of the caller's", r409="The file is not ready yet"
            )["responses"],
        }
    },
    summary="A background export's file",
    url_name="export_job_download",
)
def export_job_download(request: HttpRequest, job_id: str):
    """The file of one of the caller's finished background exports (each download logged)."""
    job = export_job_get_for_user(user=request.auth, job_id=job_id)
    if job.status != ExportJobStatus.DONE:
        raise NotReady
    return export_job_file_response(job)
