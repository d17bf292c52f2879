"""The staff workspaces under ``/staf/``: the national admin's queue, the agency inbox and
the staff report page.

Anonymous visitors are sent to sign in and citizens get 403. A report the user does not
handle (another agency's, or one that left theirs) is a 404, the same as a missing one.
Lists read through ``workflow.selectors`` (the one visibility rule) and every change
goes through ``workflow.services``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aduan.accounts.models import Role
from aduan.channels.selectors import inbound_messages_for_report
from aduan.core.errors import DomainError, NotFound
from aduan.core.http import client_ip
from aduan.core.pagination import CappedPaginator
from aduan.reports.models import Report
from aduan.reports.selectors import (
    ReporterVisibility,
    event_list_for_user,
    pii_flags_attach,
    report_get_for_user,
    reporter_visibility,
    reports_visible_to,
    user_handles_report,
)
from aduan.sla.models import DeadlineState
from aduan.sla.selectors import current_deadline
from aduan.workflow.permissions import actions_available
from aduan.workflow.selectors import inbox_for_user, national_queue
from aduan.workflow.services import report_forward
from aduan.workflow.transitions import Action

from .action_forms import STAFF_ACTIONS, RespondForm
from .actions import action_forms, action_run
from .deadlines import calendar_current, countdown, deadline_countdown
from .staff_forms import BulkAssignForm, WorkListFilterForm


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_active and request.user.is_handling_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _rows(request: HttpRequest, queryset):
    """One page of the list, each report with its countdown (one calendar for the page)."""
    page = CappedPaginator(queryset, settings.ADUAN_PAGE_SIZE).get_page(request.GET.get("page"))
    calendar, now = calendar_current(), timezone.now()
    rows = [(report, countdown(report, calendar=calendar, now=now)) for report in page]
    return page, rows


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.NATIONAL_ADMIN, Role.OVERSIGHT):
        raise PermissionDenied
    filters = WorkListFilterForm(request.GET, user=request.user, queue=True)
    reports = national_queue(user=request.user, filters=filters.filters())
    page, rows = _rows(request, reports)
    pii_flags_attach(report for report, _countdown in rows)
    return render(
        request,
        "web/staff/queue.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "can_act": request.user.role == Role.NATIONAL_ADMIN,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    can_assign = request.user.role == Role.AGENCY_ADMIN
    bulk = None
    status = 200
    if request.method == "POST":
        if not can_assign:
            raise PermissionDenied
        bulk = BulkAssignForm(request.POST, user=request.user)
        if bulk.is_valid():
            _assign(request, bulk)
            return redirect(request.get_full_path())
        status = 422
    filters = WorkListFilterForm(request.GET, user=request.user)
    reports = inbox_for_user(user=request.user, filters=filters.filters())
    page, rows = _rows(request, reports)
    if can_assign and bulk is None:
        bulk = BulkAssignForm(user=request.user, units=filters.units)
    return render(
        request,
        "web/staff/inbox.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "bulk": bulk,
            "selected": set(request.POST.getlist("reports")),
        },
        status=status,
    )


def _assign(request: HttpRequest, bulk: BulkAssignForm) -> None:
    """Forward each ticked report on its own: one refused report leaves the others done."""
    tracking_ids = bulk.cleaned_data["reports"]
    unit_id = bulk.cleaned_data["unit"]
    found = {
        r.tracking_id: r
        for r in reports_visible_to(user=request.user)
        .filter(tracking_id__in=tracking_ids)
        .select_related("agency")
    }
    done = 0
    for tracking_id in tracking_ids:
        report = found.get(tracking_id)
        try:
            if report is None:
                raise NotFound
            report_forward(
                report=report, actor=request.user, agency_id=unit_id, ip_address=client_ip(request)
            )
        except DomainError as exc:
            message = exc.message
            if exc.field_errors:
                message = " ".join(m for ms in exc.field_errors.values() for m in ms)
            messages.error(request, f"{tracking_id}: {message}")
        else:
            done += 1
    if done:
        unit = dict(bulk.fields["unit"].choices).get(unit_id, "")
        messages.success(
            request,
            _("%(count)d report(s) assigned to %(unit)s.") % {"count": done, "unit": unit},
        )


def _staff_report(request: HttpRequest, tracking_id: str) -> Report:
    try:
        report = report_get_for_user(user=request.user, tracking_id=tracking_id)
    except NotFound as exc:
        raise Http404 from exc
    if not user_handles_report(user=request.user, report=report):
        raise Http404
    return report


@staff_required
@require_http_methods(["GET", "POST"])
def staff_report(request: HttpRequest, tracking_id: str) -> HttpResponse:
    report = _staff_report(request, tracking_id)
    outcome = None
    if request.method == "POST":
        outcome = action_run(request, report=report, allowed=STAFF_ACTIONS, staff=True)
        if outcome.done:
            fresh = Report.objects.select_related("agency").get(pk=report.pk)
            if user_handles_report(user=request.user, report=fresh):
                return redirect("web:staff_report", tracking_id=report.tracking_id)
            messages.info(request, _("The report has left your agency's inbox."))
            return redirect("web:staff_inbox")
    return render(
        request,
        "web/staff/report.html",
        _report_context(request, report, outcome),
        status=outcome.status if outcome else 200,
    )


def _report_context(request: HttpRequest, report: Report, outcome) -> dict:
    user = request.user
    prefetch_related_objects([report], "deadlines", "rating")
    available = [a for a in actions_available(user=user, report=report) if a in STAFF_ACTIONS]
    forms = action_forms(
        report=report,
        user=user,
        actions=available,
        bound=outcome.form if outcome else None,
        staff=True,
    )
    calendar, now = calendar_current(), timezone.now()
    deadlines = [
        (d, deadline_countdown(d, calendar=calendar, now=now), d.state == DeadlineState.OPEN)
        for d in sorted(report.deadlines.all(), key=lambda d: (d.created_at, d.pk))
    ]
    current = current_deadline(report)
    visibility = reporter_visibility(user=user, report=report)
    events = event_list_for_user(user=user, report=report)
    files = {}
    own_files = []
    for attachment in report.attachments.all():
        if attachment.event_id:
            files.setdefault(attachment.event_id, []).append(attachment)
        else:
            own_files.append(attachment)
    for event in events:
        event.files = files.get(event.pk, [])
    return {
        "report": report,
        "events": events,
        "attachments": own_files,
        "origin_messages": inbound_messages_for_report(user=user, report=report),
        "show_reporter_name": visibility >= ReporterVisibility.NAME,
        "show_reporter_contact": visibility == ReporterVisibility.FULL,
        "deadlines": deadlines,
        "current": countdown(report, calendar=calendar, now=now),
        "current_deadline": current,
        "forms": forms,
        "outcome": outcome,
        "read_only": not available,
    }


@staff_required
@require_GET
def response_template(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """The response textarea filled from the chosen template (the htmx side of the picker)."""
    report = _staff_report(request, tracking_id)
    if Action.RESPOND not in actions_available(user=request.user, report=report):
        raise Http404
    form = RespondForm(report=report, user=request.user)
    text = form.template_text(request.GET.get("template"))
    if text is None and request.GET.get("template"):
        raise Http404
    form = RespondForm(initial={"body": text or ""}, report=report, user=request.user)
    return render(request, "web/staff/partials/response_body.html", {"form": form})
