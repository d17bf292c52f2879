"""The workflow in the JSON API: an endpoint per action, the response with files, the inbox.

``POST /api/v1/reports/{tracking_id}/actions/{action}``: one operation per action rather
than one operation with a discriminated body, so that the OpenAPI document lists every
action with its own summary, its own typed body and its own example, and a client
generator yields one method per action. Every operation:

- needs a bearer token (401 without);
- looks the report up through the one visibility rule first: a report the caller may
  not see answers 404, exactly like a missing one;
- hands the body to the action's service (``workflow.actions``), which checks the move
  against the transition table (409 when the report's status does not allow it), the caller's
  capacity (403) and the values (422), all as ``application/problem+json``;
- answers 200 with the report as the caller now sees it, ``actions`` included.

An agency's response may carry files: ``POST /api/v1/reports/{tracking_id}/responses``
takes the same response as a multipart form (``body`` and up to
``ADUAN_ATTACHMENT_MAX_COUNT`` ``files``); the JSON ``respond`` action stays JSON-only,
so that every action endpoint has one content type.

``GET /api/v1/inbox``: the staff work list (the agency's and its units' reports; every
report for the national admin and oversight), or with ``queue=true`` the national
admin's verification queue, with the web's filters, ordered by the current deadline.
"""

# No ``from __future__ import annotations``: the endpoints made in a loop below are annotated
# with each action's own schema, evaluated when they are defined, which is what ninja reads.

import inspect
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from aduan.api.pagination import MAX_PAGE_SIZE, Page, default_page_size, paginate
from aduan.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from aduan.core.http import client_ip
from aduan.core.problem import PROBLEM_CONTENT_TYPE
from aduan.reports.api import prefetch_for_report_out, report_out
from aduan.reports.attachments import prepare_uploaded_file
from aduan.reports.models import Report
from aduan.reports.schemas import ReportOut
from aduan.reports.selectors import report_get_for_user

from .actions import ACTION_SPECS, ActionSpec, action_take
from .permissions import action_authorize
from .schemas import InboxQuery
from .selectors import InboxFilters, inbox_for_user, national_queue
from .services import report_respond
from .transitions import Action, transition_check

router = Router(tags=["workflow"])


class ProblemOut(Schema):
    """``application/problem+json`` (RFC 9457), as every error of this API."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: dict[str, list[str]] = Field(description="Field name → messages (may be empty)")


def _problems(*statuses: int) -> dict[str, Any]:
    """OpenAPI answers for errors, with their real content type (ninja would say JSON)."""
    reasons = {
        403: "The caller may see the report but not take this action",
        404: "No such report, or the caller may not see it",
        409: "The report's status does not allow this action now",
        413: "A file is too large",
        422: "A field is missing, unknown or not valid",
    }
    schema = ProblemOut.model_json_schema()
    return {
        "responses": {
            str(status): {
                "description": reasons[status],
                "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}},
            }
            for status in statuses
        }
    }


def _report_after(report: Report, *, user) -> dict:
    """The report as the caller sees it after acting. An action can take a report out of
    the caller's sight (an agency returns a confidential report to the national admin):
    they still get the outcome of what they just did, read without their staff view
    (public events only, no actions left)."""
    try:
        fresh = report_get_for_user(user=user, tracking_id=report.tracking_id)
    except NotFound:
        fresh = prefetch_for_report_out(
            Report.objects.select_related("agency", "category", "region", "reporter")
        ).get(pk=report.pk)
    return report_out(fresh, user=user)


def _act(request: HttpRequest, tracking_id: str, spec: ActionSpec, payload: Schema | None):
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    action_take(
        report=report,
        actor=user,
        action=spec.action,
        payload=payload if payload is not None else spec.schema(),
        ip_address=client_ip(request),
    )
    return _report_after(report, user=user)


def _action_endpoint(action: Action, summary: str, description: str) -> None:
    """Add ``POST /reports/{tracking_id}/actions/<action>``, taking the action's schema
    (``workflow.actions.ACTION_SPECS``) as JSON (a body without fields may be left out) and
    answering the report as the caller now sees it."""
    spec = ACTION_SPECS[action]
    if spec.body_optional:

        def endpoint(
            request: HttpRequest, tracking_id: str, payload: spec.schema | None = None
        ) -> dict:
            return _act(request, tracking_id, spec, payload)

    else:

        def endpoint(request: HttpRequest, tracking_id: str, payload: spec.schema) -> dict:
            return _act(request, tracking_id, spec, payload)

    router.post(
        f"/reports/{{tracking_id}}/actions/{action.value}",
        response=ReportOut,
        openapi_extra=_problems(403, 404, 409, 422),
        summary=summary,
        description=inspect.cleandoc(description),
        operation_id=f"report_action_{action.value}",
        url_name=f"report_action_{action.value}",
    )(endpoint)


# --- The national admin --------------------------------------------------------------


_action_endpoint(
    Action.DISPOSE,
    "Verify and send to an agency",
    """National admin, from ``submitted`` or ``returned`` → ``dispositioned``. May correct
    the title and category and set the privacy flags in the same step. Starts the
    agency's response and completion deadlines.""",
)

_action_endpoint(
    Action.HOLD,
    "Ask the reporter for more information",
    """National admin, from ``submitted`` or ``returned`` → ``on_hold``; the reporter's
    ``answer`` brings it back to verification.""",
)

_action_endpoint(
    Action.ARCHIVE,
    "Archive without processing",
    "National admin, from ``submitted``, ``on_hold`` or ``returned`` → ``archived``.",
)

_action_endpoint(
    Action.MERGE,
    "Merge into another report as a duplicate",
    """National admin: archives this report as a duplicate of ``into``, whose followers
    the reporter joins.""",
)

_action_endpoint(
    Action.SET_FLAGS,
    "Set the privacy flags",
    """National admin, in any status: hide or show the reporter's identity (``anonymous``)
    and the report itself (``confidential``). The change is not shown on the public
    timeline.""",
)

_action_endpoint(
    Action.REDACT,
    "Redact the public version of the title and text",
    """National admin, in any status: the title and text the public reads, without the
    personal data the reporter typed (blank: the original). The reporter, the desks,
    oversight and the handling agency keep reading the original; personal data is
    masked in what the public reads either way. Audited; the event's note is for staff.""",
)


# --- The agency ------------------------------------------------------------------------


_action_endpoint(
    Action.ACCEPT,
    "Accept for handling",
    """Staff of the handling agency (or above it), ``dispositioned`` → ``in_progress``.
    No fields: send ``{}`` or no body.""",
)

_action_endpoint(
    Action.RETURN,
    "Return to the national admin",
    "Agency admin, when the report is not the agency's authority → ``returned``.",
)

_action_endpoint(
    Action.FORWARD,
    "Forward to a unit (or suggest another agency)",
    """Agency admin: to one of the agency's own units the report stays in its status and
    its deadlines; to another agency it goes back to the national admin (``returned``)
    with that agency as the suggestion.""",
)

_action_endpoint(
    Action.EXTEND,
    "Extend the response deadline",
    "Agency admin, once per report, by a bounded number of working days.",
)

_action_endpoint(
    Action.RESPOND,
    "Post the agency's response",
    """Staff of the handling agency → ``responded``; the reporter then has the auto-close
    period to answer or close. With files: ``POST /reports/{tracking_id}/responses``.""",
)

_action_endpoint(
    Action.COMMENT,
    "Comment (or an internal note)",
    """The reporter, the national admin or the handling agency's staff, while the report
    is open. ``internal`` (staff only) is never shown to the reporter or the public.""",
)


# --- The reporter ---------------------------------------------------------------------


_action_endpoint(
    Action.ANSWER,
    "Answer a response or a question",
    """The reporter: to a response (``responded`` → ``in_progress``, a new response
    deadline) or to the national admin's question (``on_hold`` → ``submitted``).""",
)

_action_endpoint(
    Action.CLOSE,
    "Close: the response settles it",
    "The reporter, ``responded`` → ``closed``. No fields: send ``{}`` or no body.",
)

_action_endpoint(
    Action.REOPEN,
    "Reopen a closed report",
    "The reporter, once, within the reopen window after closing → ``in_progress``.",
)

_action_endpoint(
    Action.RATE,
    "Rate the handling",
    "The reporter, once, when the report is ``responded`` or ``closed``: 1-5.",
)


# --- A response with files -------------------------------------------------------------


@router.post(
    "/reports/{tracking_id}/responses",
    response=ReportOut,
    openapi_extra=_problems(403, 404, 409, 413, 422),
    summary="Post the agency's response with files",
    operation_id="report_response_with_files",
    url_name="report_response_with_files",
)
def respond_with_files(
    request: HttpRequest,
    tracking_id: str,
    body: Form[str],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """The ``respond`` action as ``multipart/form-data``: ``body`` and ``files`` (JPEG or
    PNG photos, re-encoded without metadata, PDFs or MP4s; each at most
    ``ADUAN_ATTACHMENT_MAX_BYTES``, 413 beyond). The files are shown with the response."""
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    # Check who and when before reading and re-encoding any upload.
    action_authorize(user=user, report=report, action=Action.RESPOND)
    transition_check(action=Action.RESPOND, status=report.status)
    uploads = list(files or [])
    limit = settings.ADUAN_ATTACHMENT_MAX_COUNT
    if len(uploads) > limit:
        raise ValidationFailed(
            field_errors={"files": [_("At most %(n)d attachments.") % {"n": limit}]}
        )
    prepared = []
    for upload in uploads:
        try:
            prepared.append(prepare_uploaded_file(upload))
        except (ValidationFailed, PayloadTooLarge) as exc:
            # Named after this form's field (the shared checks name a single "file").
            exc.field_errors = {"files": [m for ms in exc.field_errors.values() for m in ms]}
            raise
    report_respond(
        report=report, actor=user, body=body, files=prepared, ip_address=client_ip(request)
    )
    return _report_after(report, user=user)


# --- The inbox -------------------------------------------------------------------------


@router.get(
    "/inbox",
    response=Page[ReportOut],
    openapi_extra=_problems(403, 422),
    summary="The staff work list",
    url_name="inbox",
)
def inbox(
    request: HttpRequest,
    filters: Query[InboxQuery],
    page: int = Query(1, ge=1),
    page_size: int = Query(default_page_size(), ge=1, le=MAX_PAGE_SIZE),
):
    """Agency staff: reports with their agency or its units, in the working statuses unless
    ``status`` says otherwise; the national admin and oversight: every agency's. ``unit``
    (the web's name for staff) and ``agency`` both narrow to an agency and its units, within
    what the caller sees. With
    ``queue=true`` (national admin and oversight only): reports awaiting verification or
    returned. Ordered by the current deadline, the most urgent first. Citizens: 403."""
    user = request.auth
    narrowed = InboxFilters(
        status=filters.status,
        agency_id=filters.unit or filters.agency,
        overdue=filters.overdue,
        category_id=filters.category,
        region_code=(filters.region or "").strip() or None,
        created_from=filters.created_from,
        created_to=filters.created_to,
        q=(filters.q or "").strip() or None,
    )
    select = national_queue if filters.queue else inbox_for_user
    queryset = prefetch_for_report_out(
        select(user=user, filters=narrowed).select_related("reporter")
    )
    meta, reports = paginate(request, queryset, page=page, page_size=page_size)
    return {**meta, "results": [report_out(r, user=user) for r in reports]}
