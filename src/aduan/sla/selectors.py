"""Reading deadlines: per report (prefetch-friendly), and for the periodic sweep."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from aduan.reports.models import Report

from .calendar import WorkingCalendar, national_days_off
from .models import DayOff, Deadline, DeadlineKind, DeadlineState
from .policy import sla_days
from .services import reminder_due_at

DUE_KEYS = {
    DeadlineKind.VERIFICATION: "verification_due",
    DeadlineKind.RESPONSE: "response_due",
    DeadlineKind.COMPLETION: "completion_due",
    DeadlineKind.AUTOCLOSE: "autoclose_at",
}


def _deadlines(report: Report) -> list[Deadline]:
    # report.deadlines.all() uses a prefetch_related("deadlines") when there is one, so a
    # list of reports costs one query for all their deadlines.
    return list(report.deadlines.all())


def deadlines_for_report(report: Report) -> dict[str, dt.datetime]:
    """``{"verification_due", "response_due", "completion_due", "autoclose_at"}`` → the
    due time of the latest non-cancelled deadline of that kind; absent kinds are left out."""
    latest: dict[str, Deadline] = {}
    for deadline in _deadlines(report):
        if deadline.state == DeadlineState.CANCELLED:
            continue
        current = latest.get(deadline.kind)
        if current is None or (deadline.created_at, deadline.pk) > (current.created_at, current.pk):
            latest[deadline.kind] = deadline
    return {DUE_KEYS[DeadlineKind(kind)]: deadline.due_at for kind, deadline in latest.items()}


def current_deadline(report: Report) -> Deadline | None:
    """The open deadline that falls first, or None."""
    open_ones = [d for d in _deadlines(report) if d.state == DeadlineState.OPEN]
    return min(open_ones, key=lambda d: (d.due_at, d.pk), default=None)


def is_overdue(deadline: Deadline, now: dt.datetime | None = None) -> bool:
    return deadline.state == DeadlineState.OPEN and (now or timezone.now()) > deadline.due_at


def deadlines_overdue(*, now: dt.datetime) -> QuerySet[Deadline]:
    """Open deadlines past due and not yet marked overdue (uses the open-deadline index)."""
    return (
        Deadline.objects.filter(state=DeadlineState.OPEN, due_at__lt=now, overdue_at__isnull=True)
        .select_related("report", "agency")
        .order_by("due_at", "id")
    )


def deadlines_to_remind(*, now: dt.datetime, calendar: WorkingCalendar) -> list[Deadline]:
    """Open, not yet reminded, not yet due deadlines whose reminder time has come."""
    return [
        d
        for d in deadlines_to_remind_candidates(now=now, calendar=calendar)
        if reminder_due_at(d, calendar) <= now
    ]


def reminder_horizon(*, now: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """A bound on the due time of any deadline whose reminder time has come at ``now``.

    A reminder falls on the ``reminder``-th working day before the due day (at 00:00 local
    time), so a deadline due after the ``reminder``-th working day following the latest
    local date anywhere right now cannot be reminded yet. Counting the working days with
    the calendar keeps the slice of the open-deadline index to a few days even across
    Lebaran; a fixed four-week window made every sweep read a month of deadlines.
    """
    latest_local_day = (now.astimezone(dt.UTC) + dt.timedelta(hours=14)).date()
    last_due_day = calendar.add_working_days(latest_local_day, sla_days("reminder", None))
    # The end of that day in the westernmost zone any deadline may use.
    return dt.datetime.combine(last_due_day + dt.timedelta(days=1), dt.time.min, dt.UTC) + (
        dt.timedelta(hours=12)
    )


def deadlines_to_remind_candidates(
    *, now: dt.datetime, calendar: WorkingCalendar
) -> QuerySet[Deadline]:
    """The deadlines ``deadlines_to_remind`` looks at (a few days of the open-deadline
    index); the exact reminder time is checked in Python, per deadline's time zone."""
    return (
        Deadline.objects.filter(
            state=DeadlineState.OPEN,
            reminded_at__isnull=True,
            due_at__gte=now,
            due_at__lt=reminder_horizon(now=now, calendar=calendar),
        )
        .select_related("report", "agency")
        .order_by("due_at", "id")
    )


def day_off_list() -> QuerySet[DayOff]:
    """Every extra day off, by date, with who added it."""
    return DayOff.objects.select_related("created_by").order_by("date")


def national_holidays_upcoming(
    *, start: dt.date, days: int = 366, language: str = "en_US"
) -> list[tuple[dt.date, str]]:
    """The holidays package's national days off from ``start`` for ``days`` days."""
    return national_days_off(start, start + dt.timedelta(days=days), language=language)
