"""``GET /api/v1/inbox/export``: the API's staff work list (``GET /api/v1/inbox``, the same
filters and scope) as one CSV or XLSX file, for a person's token. Agencies' integration
tokens are refused: their systems read the paginated list."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router

from aduan.core.problem import PROBLEM_CONTENT_TYPE
from aduan.workflow.schemas import InboxQuery
from aduan.workflow.selectors import inbox_for_user, national_queue

from .responses import CONTENT_TYPES, ExportFormat, export_response

router = Router(tags=["Exports"])

_RESPONSES = {
    "responses": {
        "200": {
            "description": "The file (CSV: UTF-8 with a byte-order mark), streamed",
            "content": {CONTENT_TYPES[f]: {} for f in ExportFormat},
        },
        **{
            str(status): {"description": reason, "content": {PROBLEM_CONTENT_TYPE: {}}}
            for status, reason in (
                (403, "Not staff, or the queue for agency staff"),
                (422, "A filter is not valid"),
                (429, "Too many exports by this account (ADUAN_EXPORT_RATE)"),
            )
        },
    }
}


@router.get(
    "/inbox/export",
    openapi_extra=_RESPONSES,
    summary="The staff work list as a CSV or XLSX file",
    url_name="inbox_export",
)
def inbox_export(
    request: HttpRequest,
    filters: Query[InboxQuery],
    fmt: Literal["csv", "xlsx"] = Query("csv", alias="format"),
):
    """The rows ``GET /inbox`` pages through with the same filters (``queue=true``: the
    national queue), all of them, with the reporter and the text as the caller may read
    them. Each export is logged and counted against the caller's export rate."""
    user = request.auth
    select = national_queue if filters.queue else inbox_for_user
    narrowed = filters.inbox_filters()
    return export_response(
        request,
        user=user,
        queryset=select(user=user, filters=narrowed),
        name="antrean" if filters.queue else "kotak-masuk",
        fmt=ExportFormat(fmt),
        filters=narrowed,
    )
