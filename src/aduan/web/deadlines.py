"""Deadlines as people read them: "2 working days left", "overdue by 3 working days".

Lists compute every row's countdown from the report row alone (``due_at`` and the
handling agency's time zone, both already loaded) with one calendar per page, so a page
of twenty rows costs no query beyond the one that loads the extra days off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.core.memo import directory_lookup
from aduan.reports.models import Report, Status
from aduan.sla import services as sla_services
from aduan.sla.calendar import WorkingCalendar
from aduan.sla.models import Deadline, DeadlineKind, timezone_abbreviation
from aduan.sla.services import NATIONAL_TIMEZONE

__all__ = ["Countdown", "calendar_current", "countdown", "deadline_countdown"]


def calendar_current() -> WorkingCalendar:
    """``sla.services.calendar_current``, remembered per process until a day off is added or
    removed (``aduan.core.memo``; ``WebConfig.ready`` connects it): pages only show
    countdowns with it, and every stored deadline is still computed from the table."""
    return directory_lookup(("calendar",), sla_services.calendar_current)


@dataclass(frozen=True)
class Countdown:
    due_at: dt.datetime | None  # local time of whoever must act
    overdue: bool
    text: str
    waiting_for_reporter: bool = False

    @property
    def label(self) -> str:
        """The due time as the one who must act reads it: "4 December 2026, 23:59 WIB"."""
        if self.due_at is None:
            return ""
        zone = timezone_abbreviation(getattr(self.due_at.tzinfo, "key", "Asia/Jakarta"))
        return f"{date_format(self.due_at, 'j F Y, H:i')} {zone}"


def _text(due_local: dt.datetime, now: dt.datetime, calendar: WorkingCalendar) -> tuple[bool, str]:
    today = now.astimezone(due_local.tzinfo).date()
    due_day = due_local.date()
    if now <= due_local:
        days = calendar.working_days_between(today, due_day) if due_day > today else 0
        if days == 0:
            return False, _("due today")
        return False, ngettext(
            "%(count)d working day left", "%(count)d working days left", days
        ) % {"count": days}
    days = calendar.working_days_between(due_day, today) if today > due_day else 0
    if days == 0:
        return True, _("overdue since %(date)s") % {"date": date_format(due_day, "j F Y")}
    return True, ngettext(
        "overdue by %(count)d working day", "overdue by %(count)d working days", days
    ) % {"count": days}


def countdown(
    report: Report, *, calendar: WorkingCalendar, now: dt.datetime | None = None
) -> Countdown:
    """The report's current deadline (``due_at``, the earliest open one) as a countdown.

    A responded report waits for its reporter: passing that time closes it automatically
    and makes nobody late, so it is never shown as overdue (``report.is_overdue`` already
    leaves it out)."""
    now = now or timezone.now()
    if report.due_at is None:
        return Countdown(due_at=None, overdue=False, text=_("no open deadline"))
    zone = ZoneInfo(report.agency.timezone if report.agency_id else NATIONAL_TIMEZONE)
    due_local = report.due_at.astimezone(zone)
    late, text = _text(due_local, now, calendar)
    if report.status == Status.RESPONDED and not report.is_overdue:
        text = (
            _("closes automatically, %(when)s") % {"when": text}
            if not late
            else _("closes automatically soon")
        )
        return Countdown(due_at=due_local, overdue=False, text=text, waiting_for_reporter=True)
    return Countdown(due_at=due_local, overdue=late or report.is_overdue, text=text)


def deadline_countdown(
    deadline: Deadline, *, calendar: WorkingCalendar, now: dt.datetime | None = None
) -> Countdown:
    """One stored deadline as a countdown, in its own time zone."""
    now = now or timezone.now()
    due_local = deadline.local_due_at
    late, text = _text(due_local, now, calendar)
    waiting = deadline.kind == DeadlineKind.AUTOCLOSE
    return Countdown(
        due_at=due_local, overdue=late and not waiting, text=text, waiting_for_reporter=waiting
    )
