"""Staff work lists: the national admin's verification queue and the agency inbox.

Both are scoped by the staff part of the one visibility rule
(``reports.selectors.handled_reports_q``)
and narrowed by the same filters; both sort by the current deadline, oldest first, on
the ``(status, due_at)`` and ``(agency, status, due_at)`` indexes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from aduan.accounts.capabilities import sees_all_reports, staff_agency
from aduan.accounts.models import User
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids
from aduan.core.errors import PermissionDenied
from aduan.regions.models import ANCESTORS
from aduan.reports.history import (
    closed_between_q,
    open_at_q,
    overdue_at_q,
    returned_between_q,
)
from aduan.reports.models import Report, Status
from aduan.reports.selectors import handled_reports_q, region_q
from aduan.search.selectors import search_reports

QUEUE_STATUSES = (Status.SUBMITTED, Status.RETURNED)
INBOX_STATUSES = (Status.DISPOSITIONED, Status.IN_PROGRESS, Status.RESPONDED)


@dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    agency_id: int | None = None  # a unit inside the caller's agency (or any, for admins)
    overdue: bool | None = None
    category_id: int | None = None
    region_code: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    q: str | None = None
    programme_id: int | None = None  # reports tagged with this priority programme
    # As of the end of a past day (the dashboards' stocks): open, or overdue, then.
    open_at: dt.date | None = None
    overdue_at: dt.date | None = None
    # Something that happened on a day in a range (the dashboards' flows): closed, or
    # moved to "returned", then; each report once, however often it happened.
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    returned_from: dt.date | None = None
    returned_to: dt.date | None = None

    @property
    def closed_in_range(self) -> bool:
        return bool(self.closed_from or self.closed_to)

    @property
    def returned_in_range(self) -> bool:
        return bool(self.returned_from or self.returned_to)

    @property
    def default_statuses(self) -> bool:
        """Whether the list keeps its default statuses: not with a status chosen, nor
        with an as-of or event filter, which says itself which reports it is about."""
        return not (
            self.status
            or self.open_at
            or self.overdue_at
            or self.closed_in_range
            or self.returned_in_range
        )


def _scope(user: User) -> Q:
    """The reports ``user`` works on as staff (``handled_reports_q``); ``PermissionDenied``
    for anyone who works on none."""
    scope = handled_reports_q(user=user, subtree_as_ids=True)
    if scope is None:
        raise PermissionDenied
    return scope


def _subtree_ids(agency: Agency) -> list[int]:
    """``agency_subtree_ids`` as a literal list: with a subquery the planner cannot tell how
    many reports a big agency has (bench/README.md, the busiest inbox)."""
    return list(agency_subtree_ids(agency))


# The status filter's value for "every status" (a statistic's drill-down lists them all).
ANY_STATUS = "all"


def _narrow(qs: QuerySet[Report], filters: InboxFilters) -> QuerySet[Report]:
    if filters.status and filters.status != ANY_STATUS:
        qs = qs.filter(status=filters.status)
    if filters.agency_id:
        unit = Agency.objects.filter(pk=filters.agency_id).only("path").first()
        qs = qs.filter(agency_id__in=_subtree_ids(unit)) if unit else qs.none()
    if filters.overdue is not None:
        qs = qs.filter(is_overdue=filters.overdue)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.region_code:
        qs = qs.filter(region_q(filters.region_code))
    if filters.created_from:
        qs = qs.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        qs = qs.filter(created_at__date__lte=filters.created_to)
    if filters.programme_id:
        # One tag per report and programme (a unique pair): the join repeats no report.
        qs = qs.filter(programme_tags__programme_id=filters.programme_id)
    if filters.open_at:
        qs = qs.filter(open_at_q(filters.open_at))
    if filters.overdue_at:
        qs = qs.filter(overdue_at_q(filters.overdue_at))
    if filters.closed_in_range:
        qs = qs.filter(closed_between_q(filters.closed_from, filters.closed_to))
    if filters.returned_in_range:
        qs = qs.filter(returned_between_q(filters.returned_from, filters.returned_to))
    return qs


def _searched(qs: QuerySet[Report], filters: InboxFilters, user: User) -> QuerySet[Report]:
    """Words (and a tracking id) searched within the list, which keeps its deadline order."""
    if not filters.q:
        return qs
    return search_reports(user=user, q=filters.q, within=qs, order=None)


def _ordered(qs: QuerySet[Report]) -> QuerySet[Report]:
    return qs.select_related(
        "agency", "category", f"region__{ANCESTORS}", "requested_agency", "suggested_agency"
    ).order_by(F("due_at").asc(nulls_last=True), "id")


def inbox_for_user(*, user: User, filters: InboxFilters | None = None) -> QuerySet[Report]:
    """What the agency works on: reports with its agency or its units, in the working
    statuses unless a status, as-of or event filter says otherwise (national admin and
    oversight: all)."""
    filters = filters or InboxFilters()
    qs = Report.objects.filter(_scope(user))
    if filters.default_statuses:
        qs = qs.filter(status__in=INBOX_STATUSES)
    return _ordered(_searched(_narrow(qs, filters), filters, user))


def national_queue(*, user: User, filters: InboxFilters | None = None) -> QuerySet[Report]:
    """The national admin's desk: reports awaiting verification or returned by an agency."""
    if not sees_all_reports(user):
        raise PermissionDenied
    filters = filters or InboxFilters()
    qs = Report.objects.all()
    if filters.default_statuses:
        qs = qs.filter(status__in=QUEUE_STATUSES)
    return _ordered(_searched(_narrow(qs, filters), filters, user))


def national_queue_next(*, user: User, after: Report) -> Report | None:
    """The report after ``after`` in queue order (the queue's head past the end), not
    ``after`` itself: where the desk goes once it has dealt with a report. ``after``
    carries its place in the queue as it was before the action (``due_at``, ``pk``)."""
    queue = national_queue(user=user).exclude(pk=after.pk)
    if after.due_at is None:
        later = Q(due_at__isnull=True, pk__gt=after.pk)
    else:
        later = (
            Q(due_at__gt=after.due_at)
            | Q(due_at=after.due_at, pk__gt=after.pk)
            | Q(due_at__isnull=True)
        )
    return queue.filter(later).first() or queue.first()


def units_for_user(*, user: User) -> QuerySet[Agency]:
    """The agencies a staff member may filter or assign by: their own and every unit below."""
    agency = staff_agency(user)
    if agency is None:
        return Agency.objects.none()
    return Agency.objects.filter(path__startswith=agency.path, is_active=True).order_by("path")
