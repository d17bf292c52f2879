"""Reading the roll-ups: the figures of a period for a scope, their breakdowns, the
league table and the public (suppressed) view. Every query reads the daily tables only,
never the reports (ADR 0015)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncWeek

from aduan.accounts.capabilities import StatisticsScope
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids

from .models import (
    ANY_PROGRAMME,
    DURATION_CAP,
    MONTHLY_BREAKDOWNS,
    DailyDuration,
    DailyFigure,
    DurationMeasure,
    Grain,
    MonthlyDuration,
    PeriodFigure,
    ProgrammeFigure,
)

# The period's flows; ``open`` and ``overdue`` are stocks at the end of the period.
PERIOD_MEASURES = (
    "received",
    "verified",
    "returned",
    "responded",
    "responded_on_time",
    "first_response_days",
    "closed",
    "close_days",
    "reopened",
    "rating_count",
    "rating_sum",
    "supported",
)
STOCK_MEASURES = ("open_in", "open_out", "overdue_in", "overdue_out")
# An agency ranks in the league table from this many first responses in the period.
LEAGUE_MIN_VOLUME = settings.ADUAN_LEAGUE_MIN_VOLUME
# Public figures under this count are not shown (nor shares whose base is under it).
SUPPRESS_BELOW = settings.ADUAN_STATISTICS_SUPPRESS_BELOW
WILSON_Z = 1.96  # 95 %


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Figures:
    """The dashboard's numbers for one slice; shares and means are None without a base."""

    received: int = 0
    verified: int = 0
    returned: int = 0
    responded: int = 0
    responded_on_time: int = 0
    first_response_days: int = 0
    closed: int = 0
    close_days: int = 0
    reopened: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    supported: int = 0
    open: int = 0
    overdue: int = 0
    median_first_response_days: int | None = None
    median_close_days: int | None = None

    @property
    def on_time_share(self) -> float | None:
        return self.responded_on_time / self.responded if self.responded else None

    @property
    def on_time_lower_bound(self) -> float | None:
        return wilson_lower_bound(self.responded_on_time, self.responded)

    @property
    def reopened_share(self) -> float | None:
        return self.reopened / self.closed if self.closed else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def mean_first_response_days(self) -> float | None:
        return self.first_response_days / self.responded if self.responded else None


def wilson_lower_bound(successes: int, trials: int, z: float = WILSON_Z) -> float | None:
    """The lower end of the Wilson score interval of ``successes / trials``: a share that
    few trials cannot inflate (3 of 3 ranks below 95 of 100)."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return (centre - spread) / (1 + z2 / trials)


@dataclass(frozen=True)
class Where:
    """Which roll-up rows: agencies (None: all), public reports only, a region (a
    province "32" or a regency/city "32.73"). Without a region the week and month
    tables answer for whole weeks and months, the daily table for the days around them."""

    agency_ids: tuple[int, ...] | None = None
    public_only: bool = False
    region: str | None = None
    # Only the reports tagged with this programme (``ANY_PROGRAMME``: with any), read from
    # the programme table, which keeps no region, topic or channel and no durations.
    programme_id: int | None = None

    @property
    def national(self) -> bool:
        """Every agency, every region, every report: the national rows answer."""
        return self.agency_ids is None and self.region is None and self.programme_id is None

    def coarse(self) -> Q:
        q = Q(is_public=True) if self.public_only else Q()
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        else:
            q &= Q(agency_id__gte=0)  # not the national totals (``national_bucket``)
        return q

    def national_rows(self) -> Q:
        return (Q(is_public=True) if self.public_only else Q()) & Q(agency_id__lt=0)

    def programme(self) -> Q:
        return self.coarse() & Q(programme_id=self.programme_id)

    def daily(self) -> Q:
        q = self.coarse()
        if self.region:
            q &= Q(province=self.region) if len(self.region) == 2 else Q(regency=self.region[:5])
        return q


def scope_where(
    scope: StatisticsScope,
    *,
    agency: Agency | None = None,
    region: str | None = None,
    public_only: bool = False,
    programme_id: int | None = None,
) -> Where:
    """The rows of ``scope`` (narrowed to ``agency``'s subtree, which the caller checked
    ``scope.covers``, and to ``programme_id``'s reports). A scope limited to the
    programmes' reports reads only the programme table (no region there)."""
    if scope.programmes_only and programme_id is None:
        programme_id = ANY_PROGRAMME
    if programme_id is not None:
        region = None
    root = agency or scope.agency
    if root is not None:
        ids: tuple[int, ...] | None = tuple(agency_subtree_ids(root))
    else:
        ids = None if scope.everything else ()
    return Where(agency_ids=ids, public_only=public_only, region=region, programme_id=programme_id)


def _next_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the week (Monday) or month that starts on or after ``day``."""
    if grain == Grain.WEEK:
        return day + dt.timedelta(days=(7 - day.weekday()) % 7)
    if day.day == 1:
        return day
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _last_start(after_end: dt.date, grain: str) -> dt.date:
    """The first day of the week or month that holds ``after_end`` (exclusive end)."""
    if grain == Grain.WEEK:
        return after_end - dt.timedelta(days=after_end.weekday())
    return after_end.replace(day=1)


def split_period(
    start: dt.date, end: dt.date, grain: str
) -> tuple[list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
    """``[start, end]`` as day ranges for the daily table and the starts of the whole
    weeks or months inside it (first, last) for the period table."""
    first = _next_start(start, grain)
    stop = _last_start(end + dt.timedelta(days=1), grain)  # the first start not wholly inside
    if first >= stop:
        return [(start, end)], None
    days = []
    if start < first:
        days.append((start, first - dt.timedelta(days=1)))
    if stop <= end:
        days.append((stop, end))
    last = _last_start(stop - dt.timedelta(days=1), grain)
    return days, (first, last)


COARSE_GROUPS = {None, "agency_id", "week", *MONTHLY_BREAKDOWNS}
BEGINNING = dt.date(2000, 1, 1)  # before any report: the start of "up to the end"


def _sums(
    where: Where, start: dt.date, end: dt.date, measures: Iterable[str], group: str | None = None
) -> dict[object, dict[str, int]]:
    """{group value (None without a group): {measure: sum}} over ``[start, end]``."""
    if where.programme_id is not None or group == "programme_id":
        return _programme_sums(where, start, end, measures, group)
    measures = list(measures)
    grain = Grain.WEEK if group == "week" else Grain.MONTH
    if where.region is None and group in COARSE_GROUPS:
        day_ranges, whole = split_period(start, end, grain)
    else:
        day_ranges, whole = [(start, end)], None
    found: dict[object, dict[str, int]] = defaultdict(lambda: dict.fromkeys(measures, 0))
    sums = {measure: Sum(measure) for measure in measures}

    def add(key, row) -> None:
        target = found[key]
        for measure in measures:
            target[measure] += row[measure] or 0

    # Every agency's totals, by day or week: the national day rows, a few per day.
    national = where.national and group != "agency_id"
    for low, high in day_ranges:
        if national and group in (None, "week"):
            rows = PeriodFigure.objects.filter(
                where.national_rows(), grain=Grain.DAY, dimension="", start__range=(low, high)
            ).annotate(day=F("start"))
        else:
            rows = DailyFigure.objects.filter(where.daily(), day__range=(low, high))
        if group is None:
            add(None, rows.aggregate(**sums))
            continue
        if group == "week":
            rows = rows.annotate(week=TruncWeek("day"))
        for row in rows.values(group).annotate(**sums).order_by():
            add(_as_date(row[group]) if group == "week" else row[group], row)
    if whole is not None:
        dimension = group if group in MONTHLY_BREAKDOWNS else ""
        rows = PeriodFigure.objects.filter(
            where.national_rows() if national else where.coarse(),
            grain=grain,
            dimension=dimension,
            start__range=whole,
        )
        if group is None:
            add(None, rows.aggregate(**sums))
        else:
            column = {"week": "start", "agency_id": "agency_id"}.get(group, "value")
            for row in rows.values(column).annotate(**sums).order_by():
                key = row[column]
                if group == "category_id":
                    key = int(key)
                add(key, row)
    return found


PROGRAMME_GROUPS = {None, "agency_id", "week", "programme_id"}


def _programme_sums(
    where: Where, start: dt.date, end: dt.date, measures: Iterable[str], group: str | None
) -> dict[object, dict[str, int]]:
    """``_sums`` from the programme table: the days of ``[start, end]``; per programme
    (``group="programme_id"``) every programme but ``ANY_PROGRAMME`` unless one is chosen.
    A breakdown it does not keep (topic, channel, region) is empty."""
    measures = list(measures)
    found: dict[object, dict[str, int]] = defaultdict(lambda: dict.fromkeys(measures, 0))
    if group not in PROGRAMME_GROUPS:
        return found
    every = where.programme_id is None or (
        group == "programme_id" and where.programme_id == ANY_PROGRAMME
    )
    if not every:
        rows = ProgrammeFigure.objects.filter(where.programme())
    else:
        rows = ProgrammeFigure.objects.filter(where.coarse()).exclude(programme_id=ANY_PROGRAMME)
    rows = rows.filter(day__range=(start, end))
    sums = {measure: Sum(measure) for measure in measures}

    def add(key, row) -> None:
        target = found[key]
        for measure in measures:
            target[measure] += row[measure] or 0

    if group is None:
        add(None, rows.aggregate(**sums))
        return found
    if group == "week":
        rows = rows.annotate(week=TruncWeek("day"))
    for row in rows.values(group).annotate(**sums).order_by():
        add(_as_date(row[group]) if group == "week" else row[group], row)
    return found


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def figures(*, where: Where, period: Period) -> Figures:
    """The totals of ``period`` for the rows ``where`` selects."""
    found = Figures()
    totals = _sums(where, period.start, period.end, PERIOD_MEASURES)[None]
    for name, value in totals.items():
        setattr(found, name, value)
    stocks = _sums(where, BEGINNING, period.end, STOCK_MEASURES)[None]
    found.open = stocks["open_in"] - stocks["open_out"]
    found.overdue = stocks["overdue_in"] - stocks["overdue_out"]
    medians = duration_medians(where=where, period=period)
    found.median_first_response_days = medians.get(DurationMeasure.FIRST_RESPONSE)
    found.median_close_days = medians.get(DurationMeasure.CLOSE)
    return found


def programme_figures(*, where: Where, period: Period) -> dict[int, Figures]:
    """``figures`` per programme id (each programme's own rows: a report tagged with two
    counts under both), from the programme table, which keeps no durations: no medians."""
    flows = _sums(where, period.start, period.end, PERIOD_MEASURES, group="programme_id")
    stocks = _sums(where, BEGINNING, period.end, STOCK_MEASURES, group="programme_id")
    found: dict[int, Figures] = {}
    for programme_id in flows.keys() | stocks.keys():
        one = found[programme_id] = Figures()
        for name, value in flows.get(programme_id, {}).items():
            setattr(one, name, value)
        stock = stocks.get(programme_id)
        if stock:
            one.open = stock["open_in"] - stock["open_out"]
            one.overdue = stock["overdue_in"] - stock["overdue_out"]
    return found


def received_total(*, where: Where, period: Period) -> int:
    """How many reports ``where`` selects were received in ``period`` (one measure only)."""
    return _sums(where, period.start, period.end, ("received",))[None]["received"]


def duration_medians(*, where: Where, period: Period) -> dict[str, int | None]:
    """Median working days per duration measure, from the histograms (30 means 30+);
    none for a programme's figures (the programme table keeps no durations)."""
    if where.programme_id is not None:
        return {}
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if where.region is None:
        day_ranges, whole = split_period(period.start, period.end, Grain.MONTH)
    else:
        day_ranges, whole = [(period.start, period.end)], None
    for low, high in day_ranges:
        for row in (
            DailyDuration.objects.filter(where.daily(), day__range=(low, high))
            .values("measure", "days")
            .annotate(n=Sum("count"))
            .order_by()
        ):
            counts[row["measure"]][row["days"]] += row["n"]
    if whole is not None:
        for row in (
            MonthlyDuration.objects.filter(where.coarse(), start__range=whole)
            .values("measure", "days")
            .annotate(n=Sum("count"))
            .order_by()
        ):
            counts[row["measure"]][row["days"]] += row["n"]
    return {measure: histogram_median(days) for measure, days in counts.items()}


def histogram_median(counts: dict[int, int]) -> int | None:
    """The lower median of a {value: count} histogram."""
    total = sum(counts.values())
    if total <= 0:
        return None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen * 2 >= total:
            return min(value, DURATION_CAP)
    return None


@dataclass
class Slice:
    key: object
    label: str
    received: int = 0
    closed: int = 0
    responded: int = 0
    responded_on_time: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return self.responded_on_time / self.responded if self.responded else None


SLICE_MEASURES = ("received", "closed", "responded", "responded_on_time")


def breakdown(*, where: Where, period: Period, by: str) -> list[Slice]:
    """Received, closed, responded (on time) per value of the dimension ``by``
    (``category_id``, ``channel``, ``province``, ``regency``, ``agency_id``,
    ``programme_id``) or per ``week`` (its Monday), in the order of the values."""
    sums = _sums(where, period.start, period.end, SLICE_MEASURES, group=by)
    return [
        Slice(key=key, label=str(key), **values)
        for key, values in sorted(sums.items(), key=lambda pair: (pair[0] is None, str(pair[0])))
    ]


@dataclass
class LeagueRow:
    agency: Agency
    figures: Figures

    @property
    def ranked(self) -> bool:
        return self.figures.responded >= LEAGUE_MIN_VOLUME

    @property
    def has_reports(self) -> bool:
        """Anything received, answered or closed in the period, or open at its end (a
        ranked agency always has: its first responses)."""
        f = self.figures
        return bool(f.received or f.responded or f.closed or f.open)


def league(
    *, where: Where, period: Period, agencies: Iterable[Agency], with_open: bool = False
) -> list[LeagueRow]:
    """One row per agency of ``agencies``, its units' figures rolled into it (through the
    materialised path); ranked by the lower Wilson bound of the on-time share, those under
    the minimum volume after the ranked ones. ``with_open``: also the reports open and
    overdue at the end of the period (one more read, from the beginning)."""
    roots = sorted(agencies, key=lambda a: len(a.path), reverse=True)
    paths = dict(Agency.objects.values_list("pk", "path"))
    rows = {root.pk: LeagueRow(agency=root, figures=Figures()) for root in roots}

    def owner_of(agency_id) -> Figures | None:
        # The deepest listed agency whose subtree holds it (a unit listed on its own
        # keeps its figures; its parent's row holds only the rest).
        path = paths.get(agency_id, "")
        owner = next((root for root in roots if path.startswith(root.path)), None)
        return rows[owner.pk].figures if owner is not None else None

    per_agency = _sums(where, period.start, period.end, PERIOD_MEASURES, group="agency_id")
    for agency_id, sums in per_agency.items():
        if (target := owner_of(agency_id)) is not None:
            for name in PERIOD_MEASURES:
                setattr(target, name, getattr(target, name) + sums[name])
    if with_open:
        stocks = _sums(where, BEGINNING, period.end, STOCK_MEASURES, group="agency_id")
        for agency_id, sums in stocks.items():
            if (target := owner_of(agency_id)) is not None:
                target.open += sums["open_in"] - sums["open_out"]
                target.overdue += sums["overdue_in"] - sums["overdue_out"]
    return sorted(
        rows.values(),
        key=lambda r: (
            not r.ranked,
            -(r.figures.on_time_lower_bound or 0.0),
            -r.figures.responded,
            r.agency.name,
        ),
    )


def league_agencies(scope: StatisticsScope) -> list[Agency]:
    """The agencies a league table lists: the top of the tree for those who see all; the
    agency and its direct units for agency staff."""
    if scope.everything:
        return list(Agency.objects.filter(parent__isnull=True, is_active=True).order_by("name"))
    if scope.agency is None:
        return []
    return [scope.agency, *scope.agency.children.filter(is_active=True).order_by("name")]


# --- Public figures ------------------------------------------------------------------------


def suppressed(value: int | None) -> int | None:
    """``value``, or None when it is a count under ``SUPPRESS_BELOW`` (but not zero)."""
    if value is None or value == 0 or value >= SUPPRESS_BELOW:
        return value
    return None


def public_share(part: int, whole: int) -> float | None:
    return part / whole if whole >= SUPPRESS_BELOW else None
