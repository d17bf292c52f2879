"""``GET /api/v1/stats/agencies`` and ``/stats/programmes``: the public compliance table
and the priority programmes' table as JSON (the figures of ``/statistik/``, counted from
public reports only, small counts withheld as null)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from aduan.api.types import IsoDate

from .periods import period_from
from .public import public_agency_rows, public_programme_rows
from .selectors import SUPPRESS_BELOW, Period
from .views import region_from

router = Router(tags=["statistics"])


class PeriodFilters(Schema):
    from_: IsoDate | None = Field(None, alias="from", description="first day (YYYY-MM-DD)")
    to: IsoDate | None = Field(None, description="last day (YYYY-MM-DD)")

    def period(self) -> Period:
        """The period as ``/statistik/`` reads it (``period_from``): without dates the
        last three months, an end after today cut to today, at most three years."""
        params = {}
        if self.from_:
            params["from"] = self.from_.isoformat()
        if self.to:
            params["to"] = self.to.isoformat()
        return period_from(params)[0]


class StatsFilters(PeriodFilters):
    region: str | None = Field(
        None, max_length=5, description="a province (32) or regency/city (32.73) code"
    )


class PublicFigures(Schema):
    """The public figures of one row of a compliance table (``None``: suppressed)."""

    received: int | None
    verified: int | None
    responded: int | None
    responded_on_time: int | None
    on_time_share: float | None
    on_time_lower_bound: float | None
    closed: int | None
    returned: int | None
    reopened: int | None
    rating_count: int | None
    average_rating: float | None


class AgencyStatsRow(PublicFigures):
    agency_id: int
    agency_name: str
    ranked: bool


class ProgrammeStatsRow(PublicFigures):
    programme_id: int
    programme_code: str
    programme_name: str
    supported: int | None


class ProgrammeStats(Schema):
    start: dt.date
    end: dt.date
    suppressed_below: int
    results: list[ProgrammeStatsRow]


class AgencyStats(Schema):
    start: dt.date
    end: dt.date
    region: str | None
    suppressed_below: int
    results: list[AgencyStatsRow]


@router.get(
    "/stats/agencies",
    auth=None,
    response=AgencyStats,
    summary="Agencies' public figures",
    url_name="stats_agencies",
)
def stats_agencies(request: HttpRequest, filters: Query[StatsFilters]):
    """Per top-level agency, in league order (the lower Wilson bound of the share answered
    within the response deadline; ``ranked`` is false under the minimum volume). Counted
    from verified, non-confidential reports only; a count under ``suppressed_below`` is
    null, and so is a share or mean built on one. Without dates: the last three months.
    Updated at least hourly."""
    period = filters.period()
    found = region_from(filters.region)
    code = found.code if found else None
    return {
        "start": period.start,
        "end": period.end,
        "region": code,
        "suppressed_below": SUPPRESS_BELOW,
        "results": public_agency_rows(period=period, region=code),
    }


@router.get(
    "/stats/programmes",
    auth=None,
    response=ProgrammeStats,
    summary="National priority programmes' public figures",
    url_name="stats_programmes",
)
def stats_programmes(request: HttpRequest, filters: Query[PeriodFilters]):
    """Per national priority programme, in display order: every active programme, and
    one switched off when it has figures in the period. Counted from verified,
    non-confidential reports only, nationally (no region); a report tagged with two
    programmes counts under both. A count under ``suppressed_below`` is null, and so is a
    share or mean built on one. Without dates: the last three months. Updated at least
    hourly."""
    period = filters.period()
    return {
        "start": period.start,
        "end": period.end,
        "suppressed_below": SUPPRESS_BELOW,
        "results": public_programme_rows(period=period),
    }
