"""The staff dashboard's figures, kept for a few minutes: a year of every agency reads
tens of thousands of roll-up rows (bench/README.md), and the desk and the overseers open
the same views all day. One cache entry per view (the rows it reads, the period, the
agencies listed), refreshed for the national views of each preset by a periodic job;
the page says when its figures were counted (ADR 0015)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from aduan.accounts.capabilities import StatisticsScope
from aduan.agencies.models import Agency

from .periods import PRESETS, preset_period
from .selectors import (
    Figures,
    LeagueRow,
    Period,
    Slice,
    Where,
    breakdown,
    figures,
    league,
    league_agencies,
    scope_where,
)

WARM_JOB = "statistics_warm"
WARM_EVERY_MINUTES = 5


@dataclass
class DashboardFigures:
    """What the dashboard shows for one view, and when it was counted."""

    counted_at: dt.datetime
    totals: Figures
    weeks: list[Slice]
    categories: list[Slice]
    channels: list[Slice]
    regions: list[Slice]
    provinces: list[Slice]
    programmes: list[Slice]
    league: list[LeagueRow]


def _key(where: Where, period: Period, by_region: str, listed: Sequence[Agency]) -> str:
    view = repr((where, period.start, period.end, by_region, [a.pk for a in listed]))
    return "oversight:dashboard:" + hashlib.sha256(view.encode()).hexdigest()


def _count(
    where: Where, period: Period, by_region: str, listed: Sequence[Agency]
) -> DashboardFigures:
    return DashboardFigures(
        counted_at=timezone.now(),
        totals=figures(where=where, period=period),
        weeks=breakdown(where=where, period=period, by="week"),
        categories=breakdown(where=where, period=period, by="category_id"),
        channels=breakdown(where=where, period=period, by="channel"),
        regions=breakdown(where=where, period=period, by=by_region),
        provinces=breakdown(where=where, period=period, by="province"),
        programmes=breakdown(where=where, period=period, by="programme_id"),
        league=league(where=where, period=period, agencies=listed, with_open=True),
    )


def dashboard_figures(
    *, where: Where, period: Period, by_region: str, listed: Sequence[Agency]
) -> DashboardFigures:
    """The figures of one view: from the cache when counted less than
    ``ADUAN_STATISTICS_CACHE_SECONDS`` ago (0: always counted afresh)."""
    seconds = settings.ADUAN_STATISTICS_CACHE_SECONDS
    if seconds <= 0:
        return _count(where, period, by_region, listed)
    key = _key(where, period, by_region, listed)
    found = cache.get(key)
    if found is None:
        found = _count(where, period, by_region, listed)
        cache.set(key, found, seconds)
    return found


def dashboard_warm_job(*, now: dt.datetime, batch: int, stop_at: float) -> int:
    """Every few minutes, count the national views of each period preset afresh, so that
    the desk's and the overseers' usual pages never wait for the count; how many."""
    seconds = settings.ADUAN_STATISTICS_CACHE_SECONDS
    if seconds <= 0 or timezone.localtime(now).minute % WARM_EVERY_MINUTES:
        return 0
    scope = StatisticsScope(everything=True)
    where, listed = scope_where(scope), league_agencies(scope)
    today = timezone.localdate(now)
    for name in PRESETS:
        period = preset_period(name, today)
        # Kept until the next run has replaced it, whatever the setting.
        timeout = max(seconds, (WARM_EVERY_MINUTES + 1) * 60)
        cache.set(
            _key(where, period, "province", listed),
            _count(where, period, "province", listed),
            timeout,
        )
    return len(PRESETS)
