"""Reads of reports. Every interface goes through the one visibility rule here.

- Public (anyone): reports that are not confidential (and not archived).
- Owner: everything about their own reports.
- National admin and oversight: every report.
- Agency staff: reports whose handling agency is their agency or one of its units.

A report the caller may not see is reported as missing (``NotFound``), exactly as a
report that does not exist, so that tracking ids cannot be probed.

Who the reporter is, is a second question (``reporter_visibility``): an anonymous
reporter is known only to themselves and the national admin.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from aduan.accounts.models import Role, User
from aduan.core.errors import NotFound
from aduan.core.tracking import normalise_tracking_id

from .models import Report, ReportEvent, Status

PUBLIC_HIDDEN_STATUSES = (Status.ARCHIVED,)

AnyUser = User | AnonymousUser | None


def _is_authenticated(user: AnyUser) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def public_reports_q() -> Q:
    return Q(confidential=False) & ~Q(status__in=PUBLIC_HIDDEN_STATUSES)


def report_visibility_q(*, user: AnyUser) -> Q:
    """The filter that leaves exactly the reports ``user`` may see."""
    if not _is_authenticated(user):
        return public_reports_q()
    assert isinstance(user, User)
    if user.role in (Role.NATIONAL_ADMIN, Role.OVERSIGHT):
        return Q()
    visible = public_reports_q() | Q(reporter=user)
    if user.is_agency_staff and user.agency_id:
        visible |= Q(agency__path__startswith=user.agency.path)
    return visible


def reports_visible_to(*, user: AnyUser) -> QuerySet[Report]:
    return Report.objects.filter(report_visibility_q(user=user))


@dataclass(frozen=True)
class FeedFilters:
    status: str | None = None
    agency_id: int | None = None
    region_code: str | None = None
    category_id: int | None = None
    classification: str | None = None
    q: str | None = None
    mine: bool = False


def region_q(code: str, field: str = "region_id") -> Q:
    """This region and every region inside it (codes nest by prefix: ``32`` ⊃ ``32.73``)."""
    return Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})


def report_list(*, user: AnyUser, filters: FeedFilters | None = None) -> QuerySet[Report]:
    """The feed: what ``user`` may see, narrowed by ``filters``, newest first, ready to render."""
    filters = filters or FeedFilters()
    if filters.mine:
        if not _is_authenticated(user):
            return Report.objects.none()
        qs = Report.objects.filter(reporter=user)
    else:
        # The feed is the public one for everyone, staff included: they have their inboxes.
        qs = Report.objects.filter(public_reports_q())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.agency_id:
        qs = qs.filter(agency_id=filters.agency_id)
    if filters.region_code:
        qs = qs.filter(region_q(filters.region_code))
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.classification:
        qs = qs.filter(classification=filters.classification)
    if filters.q:
        terms = filters.q.split()[:8]
        for term in terms:
            qs = qs.filter(Q(title__icontains=term) | Q(body__icontains=term))
    return qs.select_related("agency", "category", "region", "reporter").order_by(
        "-created_at", "-id"
    )


def report_get_for_user(*, user: AnyUser, tracking_id: str) -> Report:
    """The report if ``user`` may see it; ``NotFound`` whether it is missing or forbidden."""
    normalised = normalise_tracking_id(tracking_id)
    if normalised is None:
        raise NotFound
    report = (
        reports_visible_to(user=user)
        .select_related("agency", "requested_agency", "category", "region", "reporter")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ReportEvent.objects.select_related("actor_agency").order_by(
                    "created_at", "id"
                ),
            ),
            "attachments",
        )
        .filter(tracking_id=normalised)
        .first()
    )
    if report is None:
        raise NotFound
    return report


class ReporterVisibility(enum.IntEnum):
    NONE = 0  # "Anonymous": not even the name
    NAME = 1  # the name only: never e-mail, phone or NIK
    FULL = 2  # name and contact details


def reporter_visibility(*, user: AnyUser, report: Report) -> ReporterVisibility:
    """How much of the reporter's identity ``user`` may see on ``report``."""
    if _is_authenticated(user):
        assert isinstance(user, User)
        if user.pk == report.reporter_id or user.role == Role.NATIONAL_ADMIN:
            return ReporterVisibility.FULL
    if report.anonymous:
        return ReporterVisibility.NONE
    return ReporterVisibility.NAME


def event_list_for_user(*, user: AnyUser, report: Report) -> list[ReportEvent]:
    """The timeline as ``user`` may read it: internal notes only for staff who handle it."""
    events = list(report.events.all())
    if _is_authenticated(user) and user.is_handling_staff:  # type: ignore[union-attr]
        return events
    return [event for event in events if event.is_public]
