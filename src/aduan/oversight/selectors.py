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
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from aduan.accounts.capabilities import StatisticsScope
from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids

from .models import DURATION_CAP, DailyDuration, DailyFigure, DurationMeasure

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
)
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


def scope_q(scope: StatisticsScope, *, agency: Agency | None = None) -> Q:
    """The roll-up rows of ``scope`` (narrowed to ``agency``'s subtree when given, which
    the caller checked ``scope.covers``)."""
    root = agency or scope.agency
    if root is None:
        return Q() if scope.everything else Q(pk__in=[])
    return Q(agency_id__in=list(agency_subtree_ids(root)))


def region_q(code: str | None) -> Q:
    if not code:
        return Q()
    return Q(province=code) if len(code) == 2 else Q(regency=code[:5])


def _rows(where: Q, model=DailyFigure) -> QuerySet:
    return model.objects.filter(where)


def figures(*, where: Q, period: Period) -> Figures:
    """The totals of ``period`` for the rows ``where`` selects."""
    found = Figures()
    sums = (
        _rows(where)
        .filter(day__range=(period.start, period.end))
        .aggregate(**{name: Sum(name) for name in PERIOD_MEASURES})
    )
    for name, value in sums.items():
        setattr(found, name, value or 0)
    stocks = (
        _rows(where)
        .filter(day__lte=period.end)
        .aggregate(
            open_in=Sum("open_in"),
            open_out=Sum("open_out"),
            overdue_in=Sum("overdue_in"),
            overdue_out=Sum("overdue_out"),
        )
    )
    found.open = (stocks["open_in"] or 0) - (stocks["open_out"] or 0)
    found.overdue = (stocks["overdue_in"] or 0) - (stocks["overdue_out"] or 0)
    medians = duration_medians(where=where, period=period)
    found.median_first_response_days = medians.get(DurationMeasure.FIRST_RESPONSE)
    found.median_close_days = medians.get(DurationMeasure.CLOSE)
    return found


def duration_medians(*, where: Q, period: Period) -> dict[str, int | None]:
    """Median working days per duration measure, from the histogram (30 means 30+)."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in (
        _rows(where, DailyDuration)
        .filter(day__range=(period.start, period.end))
        .values("measure", "days")
        .annotate(n=Sum("count"))
    ):
        counts[row["measure"]][row["days"]] = row["n"]
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


def breakdown(*, where: Q, period: Period, by: str) -> list[Slice]:
    """Received, closed, responded (on time) per value of the dimension ``by``
    (``category_id``, ``channel``, ``province``, ``regency``, ``agency_id``) or per
    ``week`` (Monday of the week)."""
    rows = _rows(where).filter(day__range=(period.start, period.end))
    key = "week" if by == "week" else by
    if by == "week":
        rows = rows.annotate(week=TruncWeek("day"))
    rows = rows.values(key).annotate(
        received=Sum("received"),
        closed=Sum("closed"),
        responded=Sum("responded"),
        responded_on_time=Sum("responded_on_time"),
    )
    slices = [
        Slice(
            key=row[key],
            label=str(row[key]),
            received=row["received"] or 0,
            closed=row["closed"] or 0,
            responded=row["responded"] or 0,
            responded_on_time=row["responded_on_time"] or 0,
        )
        for row in rows.order_by(key)
    ]
    if by == "week":
        for one in slices:
            if isinstance(one.key, dt.datetime):
                one.key = one.key.date()
            one.label = one.key.isoformat()
    return slices


@dataclass
class LeagueRow:
    agency: Agency
    figures: Figures

    @property
    def ranked(self) -> bool:
        return self.figures.responded >= LEAGUE_MIN_VOLUME


def league(*, where: Q, period: Period, agencies: Iterable[Agency]) -> list[LeagueRow]:
    """One row per agency of ``agencies``, its units' figures rolled into it (through the
    materialised path); ranked by the lower Wilson bound of the on-time share, those under
    the minimum volume after the ranked ones."""
    roots = sorted(agencies, key=lambda a: len(a.path), reverse=True)
    per_agency = (
        _rows(where)
        .filter(day__range=(period.start, period.end))
        .values("agency_id")
        .annotate(**{name: Sum(name) for name in PERIOD_MEASURES})
    )
    paths = dict(Agency.objects.values_list("pk", "path"))
    rows = {root.pk: LeagueRow(agency=root, figures=Figures()) for root in roots}
    for row in per_agency:
        path = paths.get(row["agency_id"], "")
        # The deepest listed agency whose subtree holds it (a unit listed on its own
        # keeps its figures; its parent's row holds only the rest).
        owner = next((root for root in roots if path.startswith(root.path)), None)
        if owner is None:
            continue
        target = rows[owner.pk].figures
        for name in PERIOD_MEASURES:
            setattr(target, name, getattr(target, name) + (row[name] or 0))
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


def public_q() -> Q:
    """Public figures count only reports the public may see now: verified, with an
    agency, not confidential (ADR 0015)."""
    return Q(is_public=True)


def suppressed(value: int | None) -> int | None:
    """``value``, or None when it is a count under ``SUPPRESS_BELOW`` (but not zero)."""
    if value is None or value == 0 or value >= SUPPRESS_BELOW:
        return value
    return None


def public_share(part: int, whole: int) -> float | None:
    return part / whole if whole >= SUPPRESS_BELOW else None
