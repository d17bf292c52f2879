"""The workflow in the JSON API: one endpoint per action (typed by ``workflow.actions``),
the response with files, the inbox and the national queue, and the report's submission,
feed and detail (their answers show deadlines and actions). Detail: docs/workflow.md.
"""

# No ``from __future__ import annotations``: the endpoints made in a loop below are annotated
# with each action's own schema, evaluated when they are defined, which is what ninja reads.

import functools
import inspect

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from aduan.accounts.auth import (
    agency_bearer,
    bearer,
    optional_agency_bearer,
    request_user,
)
from aduan.api.pagination import (
    MAX_PAGE_SIZE,
    Page,
    default_page_size,
    page_response,
    paginate,
)
from aduan.api.types import IdempotencyKey
from aduan.core.errors import (
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from aduan.core.http import client_ip
from aduan.core.problem import problems
from aduan.core.ratelimit import check_submission_rate
from aduan.core.text import text_patterns
from aduan.programmes.selectors import report_programme_tags, report_programmes
from aduan.reports.api import ATTACHMENT_URL_NAME
from aduan.reports.attachments import DecodeBudget, prepare_uploaded_file
from aduan.reports.models import (
    Attachment,
    AttachmentState,
    Classification,
    EventAction,
    Report,
    ReportEvent,
)
from aduan.reports.models import Status as ReportStatus
from aduan.reports.schemas import AttachmentOut, FeedQuery, ReportIn, ReportOut
from aduan.reports.selectors import (
    AnyUser,
    FeedFilters,
    FeedSort,
    ReporterVisibility,
    attachments_readable_for_user,
    event_actor,
    event_list_for_user,
    report_get_for_user,
    report_list,
    report_supported_by,
    report_text_for,
    reporter_visibility,
    search_order,
)
from aduan.search.selectors import count_cap, search_reports
from aduan.sla.models import DeadlineKind, DeadlineState
from aduan.sla.selectors import DUE_KEYS, current_deadline, deadlines_for_report
from aduan.sla.services import AGENCY_KINDS

from .actions import ACTION_SPECS, ActionSpec, action_take
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import (
    submission_digest,
    submission_key_clean,
    submission_key_replay,
    submit_once,
)
from .lists import DETAIL_RELATED, prefetch_for_report_list, report_list_load
from .permissions import action_authorize, actions_available
from .schemas import InboxQuery
from .selectors import inbox_for_user, national_queue
from .services import (
    NOTE_MAX,
    RESPONSE_MIN,
    report_attachment_add,
    report_respond,
    report_submit,
    report_support,
    report_unsupport,
)
from .transitions import Action, transition_check

router = Router(tags=["workflow"])


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
        auth=agency_bearer,
        response=ReportOut,
        openapi_extra=problems(409, r409="The report's status does not allow this action now"),
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
    agency's response and completion deadlines. Tags the report with the national
    priority programmes its category implies (an audited ``set_programmes`` event).""",
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


_action_endpoint(
    Action.SET_PROGRAMMES,
    "Tag the national priority programmes",
    """National admin, in any status: every priority programme the report concerns (the
    whole list each time; ``[]`` removes every tag). The KSP's overseers read the reports
    tagged with a programme, across all agencies. Audited; the event is for staff.""",
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
    auth=agency_bearer,
    response=ReportOut,
    openapi_extra={
        **problems(409, r409="The report's status does not allow a response now"),
        # As the respond action's ``body`` (ninja's form schema keeps no field's extras).
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "properties": {"body": {"allOf": text_patterns(RESPONSE_MIN, NOTE_MAX)}}
                    }
                }
            }
        },
    },
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
    prepared, budget = [], DecodeBudget()
    for upload in uploads:
        try:
            prepared.append(prepare_uploaded_file(upload, budget))
        except (ValidationFailed, PayloadTooLarge) as exc:
            # Named after this form's field (the shared checks name a single "file").
            exc.field_errors = {"files": [m for ms in exc.field_errors.values() for m in ms]}
            raise
    report_respond(
        report=report,
        actor=user,
        body=body,
        files=prepared,
        ip_address=client_ip(request),
    )
    return _report_after(report, user=user)


# --- The inbox -------------------------------------------------------------------------


@router.get(
    "/inbox",
    auth=agency_bearer,
    response=Page[ReportOut],
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
    select = national_queue if filters.queue else inbox_for_user
    queryset = prefetch_for_report_list(select(user=user, filters=filters.inbox_filters()))
    meta, reports = paginate(request, queryset, page=page, page_size=page_size)
    report_list_load(reports, user=user)
    return page_response(meta, [report_out(r, user=user) for r in reports])


# --- Reports: submit, read, add a file (the answers show deadlines and actions) ---------
# Moved from ``reports.api`` with their paths, tags and operation ids unchanged.


def _agency_ref(agency) -> dict | None:
    return {"id": agency.pk, "name": agency.name} if agency is not None else None


def _event_actor(event: ReportEvent, report: Report) -> dict:
    actor = event_actor(event=event, report=report)
    label = actor.role_label or _("System")
    return {"role": actor.role, "role_label": str(label), "agency": _agency_ref(actor.agency)}


def _attachment_out(attachment: Attachment, report: Report) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "created_at": attachment.created_at,
        "url": reverse(
            f"api:{ATTACHMENT_URL_NAME}",
            kwargs={"tracking_id": report.tracking_id, "attachment_id": attachment.pk},
        ),
        "state": attachment.state,
    }


def _reporter_out(report: Report, user: AnyUser) -> dict | None:
    level = reporter_visibility(user=user, report=report)
    if level == ReporterVisibility.NONE:
        return None
    reporter = report.reporter
    if level == ReporterVisibility.FULL:
        return {"name": reporter.full_name, "email": reporter.email, "phone": reporter.phone}
    return {"name": reporter.full_name}


def _deadlines_out(report: Report) -> dict:
    """Which deadlines apply is ``sla.selectors``' rule; each is shown in its own time zone
    (the one its working days were counted in), so the offset says whose day it is."""
    stored = {(DUE_KEYS[DeadlineKind(d.kind)], d.due_at): d for d in report.deadlines.all()}
    return {key: stored[key, due].local_due_at for key, due in deadlines_for_report(report).items()}


@functools.lru_cache(maxsize=64)
def _choice_labels(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {str(choice.value): str(choice.label) for choice in choices}


def choice_label(choices: type[models.Choices], value: str, default: str | None = None) -> str:
    """``get_<field>_display()`` from a table built once per language: the lazy labels,
    translated on every call, were a tenth of a list page's CPU (bench/README.md).
    An unknown value is shown as ``default``, else as itself."""
    labels = _choice_labels(choices, translation.get_language())
    return labels.get(value, value if default is None else default)


def _overdue(deadline, now) -> bool:
    # The reporter's silence (auto-close) is nobody's lateness, as in report_due_state.
    return (
        deadline.state == DeadlineState.OPEN
        and deadline.kind in AGENCY_KINDS
        and now > deadline.due_at
    )


def _current_deadline_out(report: Report, now) -> dict | None:
    deadline = current_deadline(report)
    if deadline is None:
        return None
    return {
        "kind": deadline.kind,
        "kind_label": choice_label(DeadlineKind, deadline.kind),
        "due_at": deadline.local_due_at,
        "overdue": _overdue(deadline, now),
    }


def report_out(report: Report, *, user: AnyUser) -> dict:
    """The report as ``user`` may see it (they must already be allowed to see it at all).

    One query for the deadlines and one for the programmes unless prefetched
    (``report_list_load`` for a list)."""
    prefetch_related_objects([report], "deadlines")
    now = timezone.now()
    title, body = report_text_for(user=user, report=report)
    return {
        "tracking_id": report.tracking_id,
        "classification": report.classification,
        "classification_label": choice_label(Classification, report.classification),
        "title": title,
        "body": body,
        "status": report.status,
        "status_label": choice_label(ReportStatus, report.status),
        "incident_date": report.incident_date,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "agency": _agency_ref(report.agency),
        "requested_agency": _agency_ref(report.requested_agency),
        "category": (
            {"id": report.category.pk, "code": report.category.code, "name": report.category.name}
            if report.category
            else None
        ),
        "programmes": [
            {"id": p.pk, "code": p.code, "name": p.name} for p in report_programmes(report)
        ],
        "region": (
            {"code": report.region.code, "name": report.region.display_name}
            if report.region
            else None
        ),
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        "anonymous": report.anonymous,
        "confidential": report.confidential,
        "channel": report.channel,
        "reporter": _reporter_out(report, user),
        "events": [
            {
                "id": event.pk,
                "action": event.action,
                "action_label": choice_label(
                    EventAction, event.action, event.action.replace("_", " ")
                ),
                "from_status": event.from_status or None,
                "to_status": event.to_status or None,
                "note": event.readable_note,
                "note_internal": event.note_internal,
                "target_agency": _agency_ref(event.target_agency),
                "created_at": event.created_at,
                "actor": _event_actor(event, report),
            }
            for event in event_list_for_user(user=user, report=report)
        ],
        "attachments": [
            _attachment_out(a, report)
            for a in attachments_readable_for_user(user=user, report=report)
        ],
        "deadlines": _deadlines_out(report),
        "current_deadline": _current_deadline_out(report, now),
        "is_overdue": any(_overdue(d, now) for d in report.deadlines.all()),
        "actions": [str(action) for action in actions_available(user=user, report=report)],
        "support_count": report.support_count,
        "supported_by_me": report_supported_by(user=user, report=report),
    }


def prefetch_for_report_out(queryset):
    """What ``report_out`` reads beyond the report row, in three queries for a whole page."""
    return queryset.prefetch_related(
        Prefetch(
            "events",
            queryset=ReportEvent.objects.select_related("actor_agency", "target_agency").order_by(
                "created_at", "id"
            ),
        ),
        "attachments",
        "deadlines",
        "rating",
        Prefetch("programme_tags", queryset=report_programme_tags()),
    )


def _submitted_answer(report: Report, *, user) -> dict:
    """The submitted report as the endpoint answers it, read from what was committed (so a
    replay of an ``Idempotency-Key`` answers exactly as the first request should have)."""
    fresh = report_get_for_user(user=user, tracking_id=report.tracking_id)
    return report_out(fresh, user=user)


@router.post(
    "/reports",
    auth=bearer,
    response={201: ReportOut},
    summary="Submit a report",
    url_name="report_submit",
    operation_id="aduan_reports_api_submit",
    tags=["reports"],
    openapi_extra=problems(429, r429="Past ADUAN_SUBMIT_RATE_USER or ADUAN_SUBMIT_RATE_IP"),
)
def submit(
    request: HttpRequest,
    payload: ReportIn,
    idempotency_key: IdempotencyKey | None = Header(  # noqa: B008 - ninja's way
        None,
        alias=IDEMPOTENCY_HEADER,
        description=(
            "Optional, 1-255 printable ASCII characters. A retry with the same key and body "
            "within 24 hours answers the report the first request made (201) instead of "
            "making another; the same key with another body is a 422."
        ),
    ),
):
    """Submit a complaint, aspiration or information request. Rate-limited per account and
    per address (``ADUAN_SUBMIT_RATE_USER``, ``ADUAN_SUBMIT_RATE_IP``): 429 past either.
    With ``Idempotency-Key``, a retry is answered from the stored report and is not counted
    against the limit."""
    user = request.auth
    key = submission_key_clean(idempotency_key)
    fields = payload.dict()
    digest = submission_digest("api", payload.model_dump(mode="json"))
    if key is not None and (stored := submission_key_replay(user=user, key=key, digest=digest)):
        return Status(201, _submitted_answer(stored, user=user))
    check_submission_rate(request, user=user)
    made: list[Report] = []

    def create() -> Report:
        made.append(
            report_submit(reporter=user, channel="api", ip_address=client_ip(request), **fields)
        )
        return made[-1]

    report = submit_once(user=user, key=key, digest=digest, create=create)
    if made and report is made[-1]:
        return Status(201, report_out(_as_submitted(report), user=user))
    return Status(201, _submitted_answer(report, user=user))


def _as_submitted(report: Report) -> Report:
    """The report this request just made, with what ``report_out`` reads beyond its row
    taken from what ``report_submit`` wrote (``submission_rows``) instead of read back: the
    same answer as a replay's, which reads it (``_submitted_answer``). A new report has no
    programme and no support yet."""
    rows = report.submission_rows  # type: ignore[attr-defined]  # report_submit's
    cache = report.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in (
        ("events", [rows.event]),
        # As the default manager reads them: images still being re-encoded are not shown.
        ("attachments", [a for a in rows.attachments if a.state == AttachmentState.READY]),
        ("deadlines", [rows.deadline]),
        ("programme_tags", []),
    ):
        queryset = getattr(report, name).all()
        queryset._result_cache, queryset._prefetch_done = objects, True
        cache[name] = queryset
    report.supported_by_me = False  # type: ignore[attr-defined]
    return report


@router.get(
    "/reports",
    auth=optional_agency_bearer,
    response=Page[ReportOut],
    summary="The public feed",
    url_name="report_list",
    operation_id="aduan_reports_api_feed",
    tags=["reports"],
)
def feed(
    request: HttpRequest,
    filters: Query[FeedQuery],
    page: int = Query(1, ge=1),
    page_size: int = Query(default_page_size(), ge=1, le=MAX_PAGE_SIZE),
):
    """Non-confidential reports, newest first (or as ``sort`` says), narrowed by the
    filters; ``mine=true`` lists the caller's own reports instead, confidential ones
    included. With ``q``: the reports whose words (any form of them: "jalanan" finds
    "jalan") match, best match first unless ``sort`` asks otherwise. Page-number pagination:
    ``page`` (from 1) and ``page_size`` (1-100); ``count`` is the number of all matches."""
    user = request_user(request)
    if filters.mine and not user.is_authenticated:
        raise AuthenticationError
    queryset = report_list(
        user=user,
        filters=FeedFilters(
            status=filters.status,
            agency_id=filters.agency,
            region_code=(filters.region or "").strip() or None,
            category_id=filters.category,
            classification=filters.classification,
            mine=filters.mine,
            sort=filters.sort or FeedSort.NEWEST,
        ),
    )
    cap = None
    if words := (filters.q or "").strip():
        order = search_order(filters.sort)
        queryset = search_reports(user=user, q=words, within=queryset, order=order)
        cap = count_cap(order)
    meta, reports = paginate(
        request, prefetch_for_report_list(queryset), page=page, page_size=page_size, cap=cap
    )
    report_list_load(reports, user=user)
    return page_response(meta, [report_out(r, user=user) for r in reports])


@router.get(
    "/reports/{tracking_id}",
    auth=optional_agency_bearer,
    response=ReportOut,
    summary="One report with its timeline",
    url_name="report_detail",
    operation_id="aduan_reports_api_detail",
    tags=["reports"],
)
def detail(request: HttpRequest, tracking_id: str):
    """The report as the caller may see it; 404 when it does not exist *or* the caller may
    not see it (the two are deliberately indistinguishable)."""
    user = request_user(request)
    report = report_get_for_user(user=user, tracking_id=tracking_id, related=DETAIL_RELATED)
    return report_out(report, user=user)


@router.post(
    "/reports/{tracking_id}/attachments",
    auth=bearer,
    response={201: AttachmentOut},
    summary="Add an attachment",
    url_name="report_attachment_add",
    operation_id="aduan_reports_api_attachment_add",
    tags=["reports"],
    openapi_extra=problems(409, r409="The report is no longer open"),
)
def attachment_add(request: HttpRequest, tracking_id: str, file: File[UploadedFile]):
    """Multipart upload (field ``file``) by the reporter, while the report is open: a JPEG or
    PNG photo (re-encoded without metadata), a PDF or an MP4, at most
    ``ADUAN_ATTACHMENT_MAX_BYTES`` (413 beyond) and ``ADUAN_ATTACHMENT_MAX_COUNT`` in all."""
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    if report.reporter_id != user.pk:
        raise PermissionDenied(_("Only the reporter can add attachments to a report."))
    if not report.is_open:
        raise InvalidTransition(_("Attachments can only be added while the report is open."))
    prepared = prepare_uploaded_file(file)
    attachment = report_attachment_add(
        report=report, actor=user, prepared=prepared, ip_address=client_ip(request)
    )
    return Status(201, _attachment_out(attachment, report))


# --- Support ("dukung") ------------------------------------------------------------------


class SupportOut(Schema):
    support_count: int = Field(description="How many citizens support the report now")
    supported_by_me: bool


@router.post(
    "/reports/{tracking_id}/support",
    auth=bearer,
    response=SupportOut,
    summary="Support a public report",
    url_name="report_support",
    operation_id="aduan_reports_api_support",
    tags=["reports"],
)
def support(request: HttpRequest, tracking_id: str):
    """A citizen supports another person's public report and follows its updates. Again
    is the same as once. 403 for staff and for the reporter's own report; 404 for a report
    the caller may not see or that is not public."""
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    return {"support_count": report_support(report=report, actor=user), "supported_by_me": True}


@router.delete(
    "/reports/{tracking_id}/support",
    auth=bearer,
    response=SupportOut,
    summary="Take back a support",
    url_name="report_unsupport",
    operation_id="aduan_reports_api_unsupport",
    tags=["reports"],
)
def unsupport(request: HttpRequest, tracking_id: str):
    """The citizen's support is taken back (nothing happens if they gave none); they keep
    following the report's updates."""
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    count = report_unsupport(report=report, actor=user)
    return {"support_count": count, "supported_by_me": False}
