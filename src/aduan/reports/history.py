"""A report's past read from its timeline: the site's day, the events that count, what a
change of status, a closing and a return are, "open" and "overdue" as of a day, and "closed"
("returned") on a day in a range. The roll-ups (``oversight.rollup``) count with these
definitions and the staff lists' as-of and event filters select with them, so a figure and
the list behind it agree (ADR 0015).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import OPEN_STATUSES, EventAction, ReportEvent, Status

# Events after which the report's figures may differ; others (comments, notes …) change none.
COUNTED_ACTIONS = frozenset(
    {
        EventAction.SUBMITTED,
        EventAction.DISPOSED,
        EventAction.ARCHIVED,
        EventAction.MERGED,
        EventAction.FLAGS_SET,
        EventAction.RETURNED,
        EventAction.FORWARDED,
        EventAction.EXTENDED,
        EventAction.RESPONDED,
        EventAction.ANSWERED,
        EventAction.HELD,
        EventAction.ACCEPTED,
        EventAction.CLOSED,
        EventAction.AUTO_CLOSED,
        EventAction.RATED,
        EventAction.REOPENED,
        EventAction.OVERDUE,
        EventAction.PROGRAMMES_SET,
    }
)
CLOSINGS = frozenset({EventAction.CLOSED, EventAction.AUTO_CLOSED})
NOT_OPEN = frozenset(set(Status) - OPEN_STATUSES)


def site_day(moment: dt.datetime) -> dt.date:
    """The day ``moment`` falls on in the site's time zone (Asia/Jakarta)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def site_day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the site's time zone: "by the end of ``day``" is
    "before this"."""
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(following, timezone.get_default_timezone())


def site_day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the site's time zone."""
    return site_day_end(day - dt.timedelta(days=1))


def is_move(event: Mapping) -> bool:
    """Whether a counted event changed the report's status (``MOVES`` in SQL)."""
    before, after = event["from_status"], event["to_status"]
    return bool(before) and bool(after) and before != after


# ``is_move`` as a filter of ``ReportEvent``.
MOVES = ~Q(from_status="") & ~Q(to_status="") & ~Q(from_status=F("to_status"))


def is_closing(event: Mapping) -> bool:
    """Whether a counted event closed the report, by hand or by the sweep (the "closed"
    figure; ``CLOSING_EVENTS`` in SQL)."""
    return event["action"] in CLOSINGS


def is_return(event: Mapping) -> bool:
    """Whether a counted event moved the report to "returned": a return, or a forward to
    another agency, which goes back to the desk (the "returned" figure; ``RETURN_EVENTS``)."""
    return is_move(event) and event["to_status"] == Status.RETURNED


# ``is_closing`` and ``is_return`` as filters of ``ReportEvent``.
CLOSING_EVENTS = Q(action__in=CLOSINGS)
RETURN_EVENTS = MOVES & Q(to_status=Status.RETURNED)


def _counted_by(cutoff: dt.datetime) -> QuerySet[ReportEvent]:
    return ReportEvent.objects.filter(action__in=COUNTED_ACTIONS, created_at__lt=cutoff)


def open_at_q(day: dt.date) -> Q:
    """The reports open at the end of ``day``: submitted by then, and the last change of
    status by then (if any) left them in an open status."""
    cutoff = site_day_end(day)
    moves = _counted_by(cutoff).filter(MOVES)
    later = moves.filter(report_id=OuterRef("report_id"), seq__gt=OuterRef("seq"))
    last_closing = moves.filter(report_id=OuterRef("pk"), to_status__in=NOT_OPEN).filter(
        ~Exists(later)
    )
    return Q(created_at__lt=cutoff) & ~Exists(last_closing)


def overdue_at_q(day: dt.date) -> Q:
    """The reports overdue at the end of ``day``: marked "deadline missed" by then, and
    not since moved to another status nor given a later deadline (by then)."""
    cutoff = site_day_end(day)
    ending = _counted_by(cutoff).filter(
        MOVES | Q(action=EventAction.EXTENDED),
        report_id=OuterRef("report_id"),
        seq__gt=OuterRef("seq"),
    )
    marks = _counted_by(cutoff).filter(
        ~Exists(ending), report_id=OuterRef("pk"), action=EventAction.OVERDUE
    )
    return Q(Exists(marks))


def had_event_q(events: Q, *, start: dt.date | None, end: dt.date | None) -> Q:
    """The reports with a counted event matching ``events`` on a site day from ``start`` to
    ``end`` (both included; ``None``: no bound). A report with two such events is one
    report: the figures count events, the lists reports."""
    found = ReportEvent.objects.filter(events, action__in=COUNTED_ACTIONS, report_id=OuterRef("pk"))
    if start is not None:
        found = found.filter(created_at__gte=site_day_start(start))
    if end is not None:
        found = found.filter(created_at__lt=site_day_end(end))
    return Q(Exists(found))


def closed_between_q(start: dt.date | None, end: dt.date | None) -> Q:
    """The reports closed (by hand or by the sweep) on a day from ``start`` to ``end``."""
    return had_event_q(CLOSING_EVENTS, start=start, end=end)


def returned_between_q(start: dt.date | None, end: dt.date | None) -> Q:
    """The reports moved to "returned" on a day from ``start`` to ``end``."""
    return had_event_q(RETURN_EVENTS, start=start, end=end)
