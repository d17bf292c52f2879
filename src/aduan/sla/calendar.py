"""The working-day calendar: the one place that knows which days count.

A working day is Monday to Friday, minus Indonesia's public holidays and collective
leave (cuti bersama: the ``holidays`` package, country ID, categories public and
government), minus the extra days off a national admin adds. Everything here is pure:
the extra days are passed in, so the module is trivially testable and cacheable.

"Add N working days to D" means the N-th working day *after* D (D itself never counts,
whatever it is). "Working days between A and B" counts the working days in (A, B], so
``working_days_between(d, add_working_days(d, n)) == n`` for every d and n ≥ 0.

Only dates go in and out: a ``datetime`` (a subclass of ``date``) is refused, because
which *day* a moment falls on depends on the time zone, and that is the caller's call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

HOLIDAY_CATEGORIES = ("public", "government")
MAX_SPAN_DAYS = 3660  # ten years: anything longer is a bug, not a deadline
WEEKEND = "weekend"
EXTRA_DAY_OFF = "extra day off"


@lru_cache(maxsize=64)
def _national_days_off(year: int, language: str = "en_US") -> dict[dt.date, str]:
    return dict(
        holidays.country_holidays(
            "ID", categories=HOLIDAY_CATEGORIES, years=year, language=language
        )
    )


def _check_date(value: dt.date) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"a date is needed, not {type(value).__name__}")


def national_days_off(
    start: dt.date, end: dt.date, *, language: str = "en_US"
) -> list[tuple[dt.date, str]]:
    """Indonesia's holidays and collective leave in [start, end], in date order, named in
    ``language`` (``en_US`` or ``id``), weekends included (a holiday may fall on one)."""
    _check_date(start)
    _check_date(end)
    days: list[tuple[dt.date, str]] = []
    for year in range(start.year, end.year + 1):
        days.extend(
            (day, name)
            for day, name in _national_days_off(year, language).items()
            if start <= day <= end
        )
    return sorted(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """Indonesia's government working days, with ``extra_days_off`` on top."""

    extra_days_off: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def with_days_off(cls, days: Iterable[dt.date]) -> WorkingCalendar:
        return cls(extra_days_off=frozenset(days))

    def day_off_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day (None when it is one): ``"weekend"``, the
        national holiday's English name, or ``"extra day off"``."""
        _check_date(day)
        if day.weekday() >= 5:
            return WEEKEND
        if name := _national_days_off(day.year).get(day):
            return name
        if day in self.extra_days_off:
            return EXTRA_DAY_OFF
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_off_reason(day) is None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count);
        for 0, ``start`` itself."""
        _check_date(start)
        if days < 0:
            raise ValueError("days must be zero or more")
        current, remaining = start, days
        limit = start + dt.timedelta(days=MAX_SPAN_DAYS)
        while remaining:
            current += dt.timedelta(days=1)
            if current > limit:
                raise ValueError("span too long")
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]; negative when ``end`` is before ``start``."""
        _check_date(start)
        _check_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError("span too long")
        count, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day strictly before ``day``."""
        _check_date(day)
        limit = day - dt.timedelta(days=MAX_SPAN_DAYS)
        current = day - dt.timedelta(days=1)
        while not self.is_working_day(current):
            current -= dt.timedelta(days=1)
            if current < limit:
                raise ValueError("span too long")
        return current

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the first working day after it (a deadline
        counted in calendar days that ends on a day off moves to the next working day)."""
        _check_date(day)
        return day if self.is_working_day(day) else self.add_working_days(day, 1)
