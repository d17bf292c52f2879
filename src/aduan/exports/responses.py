"""An export as an HTTP response: rate-limited per user, written to the log (personal
data leaves the system), streamed in either format, or a background job's stored file.

The caller passes the staff list's queryset exactly as the list page reads it (the same
selector, the same filters), so the file holds the rows the user sees on screen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from enum import StrEnum

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.core.errors import RateLimited
from aduan.core.ratelimit import rate_spent
from aduan.reports.models import Report
from aduan.workflow.selectors import InboxFilters

from .columns import export_rows, headers
from .models import ExportJob, ExportList
from .selectors import LIST_NAMES, filters_from_json
from .writers import csv_lines, xlsx_write

logger = logging.getLogger(__name__)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_check_rate(request: HttpRequest, *, user: User) -> None:
    """Count one export for ``user``; ``RateLimited`` past ``ADUAN_EXPORT_RATE``."""
    wait = rate_spent(
        request,
        group="report-export",
        key=lambda _group, _request: f"u{user.pk}",
        rate=settings.ADUAN_EXPORT_RATE,
    )
    if wait:
        raise RateLimited(retry_after=wait)


def _filters_logged(filters: InboxFilters) -> dict:
    """The filters as the log line shows them: the words searched for may themselves be
    personal data (a phone number), so only their count is kept."""
    logged = {k: str(v) for k, v in dataclasses.asdict(filters).items() if v is not None}
    if filters.q:
        logged["q"] = f"<{len(filters.q.split())} words>"
    return logged


def _log(
    *,
    user: User,
    name: str,
    fmt: str,
    filters: InboxFilters,
    rows: int,
    complete: bool,
    job: object = None,
) -> None:
    logger.info(
        "export user=%s role=%s agency=%s list=%s format=%s filters=%s rows=%d%s%s",
        user.pk,
        user.role,
        user.agency_id,
        name,
        fmt,
        _filters_logged(filters),
        rows,
        "" if complete else " (interrupted)",
        f" job={job}" if job is not None else "",
    )


def export_filename(name: str, fmt: str, when: dt.datetime | None = None) -> str:
    """The file's name as the browser saves it: the list and the local time of the export."""
    return f"aduan-{name}-{timezone.localtime(when):%Y%m%d-%H%M}.{fmt}"


class _Counted:
    """The rows, counting those handed out (for the log line at the end)."""

    def __init__(self, rows: Iterator) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator:
        for row in self.rows:
            self.count += 1
            yield row


def export_response(
    request: HttpRequest,
    *,
    user: User,
    queryset: QuerySet[Report],
    name: str,
    fmt: ExportFormat,
    filters: InboxFilters,
):
    """The file of ``queryset`` for ``user`` (``name``: the list, in the file's name and the
    log). CSV streams while the rows are read; XLSX is built in a temporary file first (a
    zip's directory comes last), then streamed from disk."""
    export_check_rate(request, user=user)
    filename = export_filename(name, fmt)
    rows = export_rows(queryset, user=user)
    if fmt == ExportFormat.XLSX:
        target, count = xlsx_write(headers(), rows, sheet_name=name)
        _log(user=user, name=name, fmt=fmt, filters=filters, rows=count, complete=True)
        return FileResponse(
            target, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )

    def logged() -> Iterator[str]:
        counted = _Counted(rows)
        complete = False
        try:
            yield from csv_lines(headers(), counted)
            complete = True
        finally:  # also when the download is cut off (the generator is closed)
            _log(
                user=user,
                name=name,
                fmt=fmt,
                filters=filters,
                rows=counted.count,
                complete=complete,
            )

    response = StreamingHttpResponse(logged(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_job_file_response(job: ExportJob) -> FileResponse:
    """The stored file of a finished ``job`` for its owner, logged like a streamed export."""
    name = LIST_NAMES[ExportList(job.list)]
    handle = job.file.open("rb")
    _log(
        user=job.owner,
        name=name,
        fmt=job.format,
        filters=filters_from_json(job.filters),
        rows=job.rows,
        complete=True,
        job=job.pk,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(name, job.format, job.created_at),
        content_type=CONTENT_TYPES[ExportFormat(job.format)],
    )
