"""The period a statistics page shows: ``from``/``to`` (YYYY-MM-DD) or a preset."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import Period

PRESETS = {
    "this_month": _("This month"),
    "last_3_months": _("Last 3 months"),
    "this_year": _("This year"),
}
DEFAULT_PRESET = "last_3_months"
LONGEST = dt.timedelta(days=3 * 366)


def _months_back(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def preset_period(name: str, today: dt.date) -> Period:
    if name == "this_month":
        return Period(today.replace(day=1), today)
    if name == "this_year":
        return Period(dt.date(today.year, 1, 1), today)
    return Period(_months_back(today, 2), today)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def period_from(params, today: dt.date | None = None) -> tuple[Period, str]:
    """The period asked for and the preset it is ("" for an own range). A bad or missing
    date falls back to the preset; a range longer than three years is cut to its last
    three years."""
    today = today or timezone.localdate()
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start or end:
        end = min(end or today, today)
        start = start or end.replace(day=1)
        if start > end:
            start, end = end, start
        start = max(start, end - LONGEST)
        return Period(start, end), ""
    preset = params.get("preset") or DEFAULT_PRESET
    if preset not in PRESETS:
        preset = DEFAULT_PRESET
    return preset_period(preset, today), preset
