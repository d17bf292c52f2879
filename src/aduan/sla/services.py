"""Deadlines: started, met, cancelled and extended by the workflow; extra days off.

A deadline ends at 23:59:59 (whole seconds; microsecond 0) local time of the N-th
working day after the local date its clock starts on, in the time zone of whoever must
act: the agency's (WIB, WITA or WIT) for its response, completion and the automatic
closing, WIB for the national admin's verification. It is overdue once ``now > due_at``.
A deadline counted in calendar days (completion) that ends on a day off moves to the
next working day, so no deadline ever falls on a day off.

Deadlines are stored with the rule that made them: adding or removing an extra day off
changes the deadlines started afterwards, never the ones already stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Min, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import may_manage_holidays
from aduan.agencies.models import Agency, Timezone
from aduan.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aduan.core.memo import directory_lookup
from aduan.reports.models import Report

from .calendar import EXTRA_DAY_OFF, WEEKEND, WorkingCalendar
from .models import DayOff, Deadline, DeadlineKind, DeadlineState, timezone_abbreviation
from .policy import deadline_rule, sla_days

logger = logging.getLogger(__name__)

END_OF_DAY = dt.time(23, 59, 59)
NATIONAL_TIMEZONE = Timezone.WIB.value
DAY_OFF_NAME_MAX = DayOff._meta.get_field("name").max_length
DAY_OFF_PAST_DAYS = 366  # how far back an extra day off may be added (a year)
DAY_OFF_AHEAD_DAYS = 3 * 366  # and how far ahead (three years)


def calendar_current() -> WorkingCalendar:
    """The calendar with today's extra days off.

    One small query per call (the table holds a few rows a year) instead of a cache: it
    is right in every process at once and sees the caller's own uncommitted changes, with
    nothing to invalidate. Code that computes many deadlines at once (the sweep) calls it
    once and passes the calendar along.
    """
    return WorkingCalendar.with_days_off(DayOff.objects.values_list("date", flat=True))


def calendar_remembered() -> WorkingCalendar:
    """``calendar_current``, remembered per process like the directory
    (``aduan.core.memo``), for the one deadline of each workflow action (every submission
    starts one): adding or removing a day off makes the process that did it read the days
    off again at once, the others within a second."""
    return directory_lookup(("days-off",), calendar_current)


def _end_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=zone)


def deadline_due(
    *,
    start: dt.datetime,
    working_days: int | None = None,
    calendar_days: int | None = None,
    tz: str,
    calendar: WorkingCalendar,
) -> dt.datetime:
    """23:59:59 in ``tz`` of the ``working_days``-th working day after ``start``'s local
    date (or of the ``calendar_days``-th day after it, moved to the next working day
    when that is a day off). Exactly one of the two counts must be given."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if (working_days is None) == (calendar_days is None):
        raise ValueError("give exactly one of working_days and calendar_days")
    zone = ZoneInfo(tz)
    local_day = start.astimezone(zone).date()
    if working_days is not None:
        due_day = calendar.add_working_days(local_day, working_days)
    else:
        if calendar_days is None or calendar_days < 0:
            raise ValueError("calendar_days must be zero or more")
        due_day = calendar.working_day_on_or_after(local_day + dt.timedelta(days=calendar_days))
    return _end_of_day(due_day, zone)


def _rule_text(
    *, working_days: int | None, calendar_days: int | None, day: dt.date, tz: str
) -> str:
    # Stored in Indonesian, the language of the record; Deadline.rule_display() renders
    # the structured fields in the reader's language.
    unit = "hari kerja" if working_days is not None else "hari kalender"
    count = working_days if working_days is not None else calendar_days
    return f"{count} {unit} setelah {day.isoformat()} ({timezone_abbreviation(tz)})"


def deadline_start(
    *,
    report: Report,
    kind: str,
    agency: Agency | None = None,
    start: dt.datetime | None = None,
    actor=None,
    first: bool = False,
) -> Deadline:
    """Start the clock of ``kind`` for ``report`` and store its deadline.

    Any open deadline of the same kind is cancelled first, unless ``first`` says the
    report was created in this transaction and so has none (its submission). Verification
    is the national admin's (WIB, no agency); the other kinds belong to ``agency``
    (default: the report's agency), counted in its time zone. ``actor`` is accepted for the callers' symmetry:
    the workflow's event, written in the same transaction, records who acted.
    """
    if kind not in DeadlineKind.values:
        raise ValueError(f"unknown deadline kind {kind!r}")
    start = start or timezone.now()
    if kind == DeadlineKind.VERIFICATION:
        agency, tz = None, NATIONAL_TIMEZONE
    else:
        if agency is None and report.agency_id is not None:
            agency = report.agency
        if agency is None:
            raise ValueError(f"a {kind} deadline needs the agency that must act")
        tz = agency.timezone
    working_days, calendar_days = deadline_rule(kind, report.classification)
    due_at = deadline_due(
        start=start,
        working_days=working_days,
        calendar_days=calendar_days,
        tz=tz,
        calendar=calendar_remembered(),
    )
    deadline = Deadline(
        report=report,
        kind=kind,
        agency=agency,
        starts_at=start,
        due_at=due_at,
        timezone=tz,
        rule=_rule_text(
            working_days=working_days,
            calendar_days=calendar_days,
            day=start.astimezone(ZoneInfo(tz)).date(),
            tz=tz,
        ),
        working_days=working_days,
        calendar_days=calendar_days,
    )
    if first:  # one INSERT: no transaction (nor savepoint) of its own
        deadline.save(force_insert=True)
        return deadline
    with transaction.atomic():
        Deadline.objects.filter(report=report, kind=kind, state=DeadlineState.OPEN).update(
            state=DeadlineState.CANCELLED
        )
        deadline.save(force_insert=True)
    return deadline


def deadline_meet(*, report: Report, kind: str, at: dt.datetime | None = None) -> int:
    """Mark the open deadline of ``kind`` met (at ``at``, default now); how many were."""
    if kind not in DeadlineKind.values:
        raise ValueError(f"unknown deadline kind {kind!r}")
    return Deadline.objects.filter(report=report, kind=kind, state=DeadlineState.OPEN).update(
        state=DeadlineState.MET, met_at=at or timezone.now()
    )


def deadline_cancel(*, report: Report, kinds: list[str] | None = None) -> int:
    """Cancel the report's open deadlines (of ``kinds`` only, when given); how many were."""
    deadlines = Deadline.objects.filter(report=report, state=DeadlineState.OPEN)
    if kinds is not None:
        unknown = set(kinds) - set(DeadlineKind.values)
        if unknown:
            raise ValueError(f"unknown deadline kinds {sorted(unknown)}")
        deadlines = deadlines.filter(kind__in=kinds)
    return deadlines.update(state=DeadlineState.CANCELLED)


@transaction.atomic
def deadline_extend(*, report: Report, working_days: int, reason: str) -> Deadline:
    """Extend the open response deadline once, by 1..``extension_max`` working days counted
    from its current due date. The sweep's reminder and overdue marks are cleared, so
    they fire again for the new due time."""
    deadline = (
        Deadline.objects.select_for_update()
        .filter(report=report, kind=DeadlineKind.RESPONSE, state=DeadlineState.OPEN)
        .first()
    )
    if deadline is None:
        raise InvalidTransition(_("There is no open response deadline to extend."))
    if deadline.extended_by:
        raise InvalidTransition(_("The response deadline has already been extended once."))
    maximum = sla_days("extension_max", report.classification)
    errors: dict[str, list[str]] = {}
    if isinstance(working_days, bool) or not isinstance(working_days, int):
        errors["working_days"] = [_("Enter a whole number of working days.")]
    elif not 1 <= working_days <= maximum:
        errors["working_days"] = [
            _("An extension is between 1 and %(maximum)d working days.") % {"maximum": maximum}
        ]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Explain why more time is needed.")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    zone = ZoneInfo(deadline.timezone)
    due_day = calendar_current().add_working_days(
        deadline.due_at.astimezone(zone).date(), working_days
    )
    deadline.due_at = _end_of_day(due_day, zone)
    deadline.extended_by = working_days
    deadline.extension_reason = reason
    deadline.reminded_at = None
    deadline.overdue_at = None
    deadline.save(
        update_fields=["due_at", "extended_by", "extension_reason", "reminded_at", "overdue_at"]
    )
    return deadline


def reminder_due_at(
    deadline: Deadline, calendar: WorkingCalendar, *, working_days: int | None = None
) -> dt.datetime:
    """00:00 local time of the working day ``working_days`` (default: ``ADUAN_SLA
    ["reminder"]``) before the due day; from then on the sweep sends the reminder."""
    days_before = sla_days("reminder", None) if working_days is None else working_days
    zone = ZoneInfo(deadline.timezone)
    day = deadline.due_at.astimezone(zone).date()
    for _step in range(days_before):
        day = calendar.previous_working_day(day)
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


# --- Extra days off -------------------------------------------------------------------------


def _require_national_admin(actor) -> None:
    if not may_manage_holidays(actor):
        raise PermissionDenied(_("Only the national admin manages days off."))


def today_national() -> dt.date:
    return timezone.now().astimezone(ZoneInfo(NATIONAL_TIMEZONE)).date()


@transaction.atomic
def day_off_add(*, actor, date: dt.date, name: str) -> DayOff:
    """Add an extra national day off. Deadlines already stored do not move."""
    _require_national_admin(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the day off a name, e.g. the decree that sets it.")]
    elif len(name) > DAY_OFF_NAME_MAX:
        errors["name"] = [
            _("Use at most %(max)d characters.") % {"max": DAY_OFF_NAME_MAX},
        ]
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors["date"] = [_("Enter a date.")]
    else:
        today = today_national()
        reason = WorkingCalendar().day_off_reason(date)
        existing = DayOff.objects.filter(date=date).first()
        if date < today - dt.timedelta(days=DAY_OFF_PAST_DAYS):
            errors["date"] = [_("This date is more than a year ago.")]
        elif date > today + dt.timedelta(days=DAY_OFF_AHEAD_DAYS):
            errors["date"] = [_("This date is more than three years ahead.")]
        elif existing is not None:
            errors["date"] = [
                _("%(date)s is already an extra day off (%(name)s).")
                % {"date": date.isoformat(), "name": existing.name}
            ]
        elif reason == WEEKEND:
            errors["date"] = [_("%(date)s is a weekend: it is already a day off.") % {"date": date}]
        elif reason is not None and reason != EXTRA_DAY_OFF:
            errors["date"] = [
                _("%(date)s is already a national day off (%(name)s).")
                % {"date": date.isoformat(), "name": reason}
            ]
    if errors:
        raise ValidationFailed(field_errors=errors)
    try:
        with transaction.atomic():
            day_off = DayOff.objects.create(date=date, name=name, created_by=actor)
    except IntegrityError:
        # Another admin added the same date a moment ago.
        raise ValidationFailed(
            field_errors={
                "date": [_("%(date)s is already an extra day off.") % {"date": date.isoformat()}]
            }
        ) from None
    logger.info("day off added: %s %r by user %s", date.isoformat(), name, actor.pk)
    return day_off


@transaction.atomic
def day_off_remove(*, actor, day_off: DayOff) -> None:
    """Remove an extra day off. Deadlines already stored do not move."""
    _require_national_admin(actor)
    logger.info(
        "day off removed: %s %r by user %s", day_off.date.isoformat(), day_off.name, actor.pk
    )
    day_off.delete()


# --- What the workflow asks of a report's deadlines ------------------------------------------

# The reporter's silence (auto-close) is nobody's lateness: it never makes a report overdue.
AGENCY_KINDS = (DeadlineKind.VERIFICATION, DeadlineKind.RESPONSE, DeadlineKind.COMPLETION)


def report_due_state(
    *, report: Report, now: dt.datetime | None = None
) -> tuple[dt.datetime | None, bool]:
    """``(due_at, is_overdue)`` for the report row: the earliest open deadline, and whether
    an open deadline someone must act on has passed. One query on the open-deadline index."""
    open_ones = Deadline.objects.filter(report=report, state=DeadlineState.OPEN).values_list(
        "kind", "due_at"
    )
    return due_state(open_ones, now=now)


def due_state(
    open_ones: Iterable[tuple[str, dt.datetime]], *, now: dt.datetime | None = None
) -> tuple[dt.datetime | None, bool]:
    """``report_due_state`` of the open deadlines given as ``(kind, due_at)``: for a caller
    that has just written them (a submission) and need not read them back."""
    now = now or timezone.now()
    open_ones = list(open_ones)
    due_at = min((due for _kind, due in open_ones), default=None)
    overdue = any(kind in AGENCY_KINDS and due < now for kind, due in open_ones)
    return due_at, overdue


def report_due_at_expression(*, report_id: int) -> Subquery:
    """``report_due_state``'s ``due_at`` as an SQL expression, for an UPDATE of the report
    row that sets it without reading the deadlines first (the sweep's overdue mark)."""
    return Subquery(
        Deadline.objects.filter(report_id=report_id, state=DeadlineState.OPEN)
        .order_by()
        .values("report_id")
        .annotate(earliest=Min("due_at"))
        .values("earliest")
    )


def deadline_reassign(*, report: Report, agency: Agency) -> int:
    """The report moved to one of the agency's units: its open deadlines keep their due
    times (the clock does not restart inside an agency) and now name the unit."""
    return (
        Deadline.objects.filter(report=report, state=DeadlineState.OPEN)
        .exclude(kind=DeadlineKind.VERIFICATION)
        .update(agency=agency)
    )


def deadline_passed(*, report: Report, kind: str, now: dt.datetime | None = None) -> bool:
    """Is there an open deadline of ``kind`` whose time has come?"""
    return Deadline.objects.filter(
        report=report, kind=kind, state=DeadlineState.OPEN, due_at__lt=now or timezone.now()
    ).exists()


def reopen_until(*, report: Report) -> dt.datetime | None:
    """The end of the reopen window: ``reopen_window`` working days after the day the report
    closed, in the handling agency's time zone (None if it never closed)."""
    if report.closed_at is None:
        return None
    tz = report.agency.timezone if report.agency_id else NATIONAL_TIMEZONE
    return deadline_due(
        start=report.closed_at,
        working_days=sla_days("reopen_window", report.classification),
        tz=tz,
        calendar=calendar_current(),
    )


def within_reopen_window(*, report: Report, now: dt.datetime | None = None) -> bool:
    until = reopen_until(report=report)
    return until is not None and (now or timezone.now()) <= until
