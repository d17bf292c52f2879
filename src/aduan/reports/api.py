"""Reports in the JSON API: submit, read (with the one visibility rule), the feed, attachments.

Thin adapters: submission is ``report_submit(channel="api")``; every read goes through
``reports.selectors`` so the API shows exactly what the web shows to the same person.
"""

from __future__ import annotations

import logging

from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from aduan.accounts.auth import bearer, optional_bearer, request_user
from aduan.accounts.models import Role
from aduan.api.pagination import MAX_PAGE_SIZE, Page, default_page_size, paginate
from aduan.core.errors import InvalidTransition, PermissionDenied
from aduan.core.http import client_ip
from aduan.core.ratelimit import check_submission_rate
from aduan.sla.models import DeadlineKind, DeadlineState
from aduan.sla.selectors import DUE_KEYS, current_deadline, deadlines_for_report
from aduan.sla.services import AGENCY_KINDS
from aduan.workflow.permissions import actions_available

from .attachments import (
    prepare_uploaded_file,
)
from .models import Attachment, Report, ReportEvent
from .schemas import AttachmentOut, FeedQuery, ReportIn, ReportOut
from .selectors import (
    AnyUser,
    FeedFilters,
    ReporterVisibility,
    attachment_get_for_user,
    event_by_reporter,
    event_list_for_user,
    report_get_for_user,
    report_list,
    report_text_for,
    reporter_visibility,
)
from .services import report_attachment_add, report_submit

logger = logging.getLogger(__name__)

router = Router(tags=["reports"])

ATTACHMENT_URL_NAME = "report_attachment"


# --- Presenting ----------------------------------------------------------------------


def _agency_ref(agency) -> dict | None:
    return {"id": agency.pk, "name": agency.name} if agency is not None else None


def _event_actor(event: ReportEvent, report: Report) -> dict:
    """Who acted, as a role and an agency, never as a person: the reporter of an anonymous
    report must not be recognisable in the timeline, so their own actions read "citizen"
    whatever their account's role."""
    if event_by_reporter(event=event, report=report):
        role, agency = str(Role.CITIZEN), None
    else:
        role, agency = (event.actor_role or "system"), event.actor_agency
    label = Role(role).label if role in Role.values else _("System")
    return {"role": role, "role_label": str(label), "agency": _agency_ref(agency)}


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
        "kind_label": deadline.get_kind_display(),
        "due_at": deadline.local_due_at,
        "overdue": _overdue(deadline, now),
    }


def report_out(report: Report, *, user: AnyUser) -> dict:
    """The report as ``user`` may see it (they must already be allowed to see it at all).

    One query for the deadlines unless prefetched (``prefetch_for_report_out`` for a list)."""
    prefetch_related_objects([report], "deadlines")
    now = timezone.now()
    title, body = report_text_for(user=user, report=report)
    return {
        "tracking_id": report.tracking_id,
        "classification": report.classification,
        "classification_label": report.get_classification_display(),
        "title": title,
        "body": body,
        "status": report.status,
        "status_label": report.get_status_display(),
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
                "action_label": event.action_label,
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
        "attachments": [_attachment_out(a, report) for a in report.attachments.all()],
        "deadlines": _deadlines_out(report),
        "current_deadline": _current_deadline_out(report, now),
        "is_overdue": any(_overdue(d, now) for d in report.deadlines.all()),
        "actions": [str(action) for action in actions_available(user=user, report=report)],
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
    )


# --- Endpoints -----------------------------------------------------------------------


@router.post(
    "/reports",
    auth=bearer,
    response={201: ReportOut},
    summary="Submit a report",
    url_name="report_submit",
)
def submit(request: HttpRequest, payload: ReportIn):
    """Submit a complaint, aspiration or information request. Rate-limited per account and
    per address (``ADUAN_SUBMIT_RATE_USER``, ``ADUAN_SUBMIT_RATE_IP``): 429 past either."""
    user = request.auth
    check_submission_rate(request, user=user)
    report = report_submit(
        reporter=user,
        channel="api",
        ip_address=client_ip(request),
        **payload.dict(),
    )
    fresh = report_get_for_user(user=user, tracking_id=report.tracking_id)
    return Status(201, report_out(fresh, user=user))


@router.get(
    "/reports",
    auth=optional_bearer,
    response=Page[ReportOut],
    summary="The public feed",
    url_name="report_list",
)
def feed(
    request: HttpRequest,
    filters: Query[FeedQuery],
    page: int = Query(1, ge=1),
    page_size: int = Query(default_page_size(), ge=1, le=MAX_PAGE_SIZE),
):
    """Non-confidential reports, newest first, narrowed by the filters; ``mine=true`` lists
    the caller's own reports instead, confidential ones included. Page-number pagination:
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
            q=(filters.q or "").strip() or None,
            mine=filters.mine,
        ),
    )
    meta, reports = paginate(
        request, prefetch_for_report_out(queryset), page=page, page_size=page_size
    )
    return {**meta, "results": [report_out(r, user=user) for r in reports]}


@router.get(
    "/reports/{tracking_id}",
    auth=optional_bearer,
    response=ReportOut,
    summary="One report with its timeline",
    url_name="report_detail",
)
def detail(request: HttpRequest, tracking_id: str):
    """The report as the caller may see it; 404 when it does not exist *or* the caller may
    not see it (the two are deliberately indistinguishable)."""
    user = request_user(request)
    return report_out(report_get_for_user(user=user, tracking_id=tracking_id), user=user)


@router.post(
    "/reports/{tracking_id}/attachments",
    auth=bearer,
    response={201: AttachmentOut},
    summary="Add an attachment",
    url_name="report_attachment_add",
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


@router.get(
    "/reports/{tracking_id}/attachments/{attachment_id}",
    auth=optional_bearer,
    summary="Download an attachment",
    url_name=ATTACHMENT_URL_NAME,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as a download",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def attachment_download(request: HttpRequest, tracking_id: str, attachment_id: int):
    """The file, only to callers who may see the report (404 otherwise, as for a missing
    one); always a download, never rendered by the browser."""
    attachment = attachment_get_for_user(
        user=request_user(request), tracking_id=tracking_id, attachment_id=attachment_id
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
