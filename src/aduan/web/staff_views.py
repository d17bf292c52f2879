"""The staff workspaces under ``/staf/``: the national admin's queue, the agency inbox and
the staff report page.

Anonymous visitors are sent to sign in and citizens get 403. A report the user does not
handle (another agency's, or one that left theirs) is a 404, the same as a missing one.
Lists read through ``workflow.selectors`` (the one visibility rule) and every change
goes through ``workflow.services``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet, prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aduan.accounts.capabilities import (
    is_national_desk,
    is_read_only,
    is_staff_member,
    may_assign_within_agency,
    sees_all_agencies,
    sees_all_reports,
    sees_programme_reports_only,
)
from aduan.channels.selectors import inbound_messages_for_report
from aduan.core.errors import DomainError, NotFound
from aduan.core.http import client_ip
from aduan.core.pagination import CappedPaginator, page_count_cap
from aduan.programmes.selectors import report_programmes
from aduan.reports.models import Report
from aduan.reports.selectors import (
    ReporterVisibility,
    attachments_unready_for_uploader,
    event_list_for_user,
    report_get_for_user,
    reporter_visibility,
    reports_visible_to,
    user_handles_report,
)
from aduan.sla.models import DeadlineState
from aduan.sla.selectors import current_deadline
from aduan.triage.duplicates import likely_originals
from aduan.triage.priority import ARCHIVABLE
from aduan.triage.selectors import flagged_first, report_triage
from aduan.workflow.lists import REGION_NAMES, prefetch_for_report_list, report_list_load
from aduan.workflow.permissions import actions_available
from aduan.workflow.selectors import (
    QUEUE_STATUSES,
    inbox_for_user,
    national_queue,
    national_queue_next,
)
from aduan.workflow.services import report_forward
from aduan.workflow.transitions import Action

from .action_forms import STAFF_ACTIONS, ActionForm, RespondForm
from .actions import action_forms, action_run
from .deadlines import calendar_current, countdown, deadline_countdown
from .desk import desk_priority_flags, queue_rows
from .staff_forms import BulkAssignForm, WorkListFilterForm


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_member(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _page(request: HttpRequest, queryset):
    """One page of a work list, counted up to a little past it (``page_count_cap``)."""
    number, size = request.GET.get("page"), settings.ADUAN_PAGE_SIZE
    return CappedPaginator(queryset, size, cap=page_count_cap(number, size)).get_page(number)


def _rows(request: HttpRequest, queryset):
    """One page of the inbox, each report with its countdown (one calendar for the page),
    joined to its agency and category, its region's names read for the page at once."""
    page = _page(request, prefetch_for_report_list(queryset, related=("agency", "category")))
    page.object_list = list(page.object_list)
    report_list_load(page.object_list, user=request.user, parts={REGION_NAMES})
    calendar, now = calendar_current(), timezone.now()
    rows = [(report, countdown(report, calendar=calendar, now=now)) for report in page]
    return page, rows


def queue_list(request: HttpRequest) -> tuple[WorkListFilterForm, QuerySet[Report]]:
    """The national queue as filtered by the request's query: its page and its export
    (``aduan.exports``) read the same rows. 403 for anyone but the desk and oversight."""
    if not sees_all_reports(request.user):
        raise DjangoPermissionDenied
    filters = WorkListFilterForm(request.GET, user=request.user, queue=True)
    reports = national_queue(user=request.user, filters=filters.filters())
    return filters, flagged_first(reports) if filters.flagged_first else reports


def inbox_list(request: HttpRequest) -> tuple[WorkListFilterForm, QuerySet[Report]]:
    """The inbox as filtered by the request's query, for its page and its export."""
    filters = WorkListFilterForm(request.GET, user=request.user)
    return filters, inbox_for_user(user=request.user, filters=filters.filters())


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters, reports = queue_list(request)
    # A row shows the report's own columns; its countdown reads the agency's time zone and
    # its triage reads the agencies it offers itself (``triage.selectors.reports_triage``).
    page = _page(request, prefetch_for_report_list(reports, related=("agency",)))
    rows = queue_rows(page)
    return render(
        request,
        "web/staff/queue.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "can_act": is_national_desk(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    can_assign = may_assign_within_agency(request.user)
    bulk = None
    status = 200
    if request.method == "POST":
        if not can_assign:
            raise DjangoPermissionDenied
        bulk = BulkAssignForm(request.POST, user=request.user)
        if bulk.is_valid():
            _assign(request, bulk)
            return redirect(request.get_full_path())
        status = 422
    filters, reports = inbox_list(request)
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
            # The heading says whose reports these are: the national desk and oversight
            # see every agency's, oversight only reads them.
            "all_agencies": sees_all_agencies(request.user),
            "read_only": is_read_only(request.user),
            "programmes_only": sees_programme_reports_only(request.user),
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
    """A report the user handles; any other is a 404 (``NotFound``: ``core.middleware``)."""
    report = report_get_for_user(user=request.user, tracking_id=tracking_id)
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
            return _after_action(request, before=report)
    return render(
        request,
        "web/staff/report.html",
        _report_context(request, report, outcome),
        status=outcome.status if outcome else 200,
    )


def _after_action(request: HttpRequest, *, before: Report) -> HttpResponse:
    """Where the user goes once an action is done (``before``: the report as loaded before).

    The desk moves on: a report that has left the queue (disposed, held, archived,
    merged) opens the next one in queue order, or the queue with a message when none is
    left; a one-click disposition from the queue goes back to the queue as it was filtered.
    Agency staff stay on the report while it is still theirs.
    """
    user = request.user
    fresh = Report.objects.select_related("agency").get(pk=before.pk)
    if is_national_desk(user):
        if request.POST.get("return_to") == "queue":
            # Only the filters' query string, re-encoded, after our own path.
            query = QueryDict(request.POST.get("queue_query", "")).urlencode()
            return redirect(f"{reverse('web:staff_queue')}?{query}" if query else "web:staff_queue")
        if before.status in QUEUE_STATUSES and fresh.status not in QUEUE_STATUSES:
            following = national_queue_next(user=user, after=before)
            if following is None:
                messages.info(request, _("The verification queue is empty."))
                return redirect("web:staff_queue")
            messages.info(request, _("Next in the queue: %(title)s") % {"title": following.title})
            return redirect("web:staff_report", tracking_id=following.tracking_id)
    if user_handles_report(user=user, report=fresh):
        return redirect("web:staff_report", tracking_id=before.tracking_id)
    messages.info(request, _("The report has left your agency's inbox."))
    return redirect("web:staff_inbox")


@dataclass(frozen=True)
class PanelItem:
    """One entry of the staff report page's action panel: a ``<details>`` with its form.

    ``template`` renders the body with ``form`` (and the page's context). A form that is
    not a workflow action (e.g. one posting to its own URL) is one more item in
    ``_action_panel``.
    """

    name: str  # the summary heading's id (``dispose-title``)
    title: str
    template: str
    form: Form | None = None
    open: bool = False
    danger: bool = False


ACTION_TEMPLATE = "web/staff/partials/action_form.html"
# The action most likely wanted now opens first: the step that moves the report on.
LIKELY_FIRST = (Action.DISPOSE, Action.ACCEPT, Action.RESPOND)


def _action_panel(forms: list[ActionForm], *, bound: ActionForm | None) -> list[PanelItem]:
    """The panel's items in table order. Privacy (``set_flags``) is not among them: it has
    its own block on the page, shown once with the report's current flags."""
    forms = [f for f in forms if f.action != Action.SET_FLAGS]
    if bound is not None and bound.action != Action.SET_FLAGS:
        opened = bound.action
    else:
        opened = next((a for a in LIKELY_FIRST if any(f.action == a for f in forms)), None)
    return [
        PanelItem(
            name=form.name,
            title=str(form.title),
            template=ACTION_TEMPLATE,
            form=form,
            open=form.action == opened,
            danger=form.danger,
        )
        for form in forms
    ]


def _report_context(request: HttpRequest, report: Report, outcome) -> dict:
    user = request.user
    prefetch_related_objects([report], "deadlines", "rating")
    available = [a for a in actions_available(user=user, report=report) if a in STAFF_ACTIONS]
    bound = outcome.form if outcome else None
    forms = action_forms(report=report, user=user, actions=available, bound=bound, staff=True)
    privacy_form = next((f for f in forms if f.action == Action.SET_FLAGS), None)
    panel = _action_panel(forms, bound=bound)
    # A form that is not a workflow action is one more line here:
    # panel.append(PanelItem(name=..., title=..., template=..., form=...)).
    triage = report_triage(report) if Action.DISPOSE in available else None
    # What the queue's row says of the report, on its page too (``web.desk``).
    triage_flags = desk_priority_flags(triage.assessment) if triage else []
    original = likely_originals([report]).get(report.pk) if Action.MERGE in available else None
    # "Berikutnya": the desk may skip to the next report of the queue without acting.
    following = None
    if is_national_desk(user) and report.status in QUEUE_STATUSES:
        following = national_queue_next(user=user, after=report)
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
        "programmes": report_programmes(report),
        "events": events,
        "attachments": own_files,
        "unready_files": attachments_unready_for_uploader(user=user, report=report),
        "origin_messages": inbound_messages_for_report(user=user, report=report),
        "show_reporter_name": visibility >= ReporterVisibility.NAME,
        "show_reporter_contact": visibility == ReporterVisibility.FULL,
        "deadlines": deadlines,
        "current": countdown(report, calendar=calendar, now=now),
        "current_deadline": current,
        "panel": panel,
        "privacy_form": privacy_form,
        "triage": triage,
        "triage_flags": triage_flags,
        "original": original,
        "archive_as_spam": Action.ARCHIVE in available
        and any(flag.key in ARCHIVABLE for flag in triage_flags),
        "following": following,
        "outcome": outcome,
        "read_only": not (panel or privacy_form),
        "programmes_only": sees_programme_reports_only(user),
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
