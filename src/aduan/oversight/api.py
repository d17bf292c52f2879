"""``GET /api/v1/stats/agencies``: the public compliance table as JSON (the figures of
``/statistik/``, counted from public reports only, small counts withheld as null)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from .periods import period_from
from .public import public_agency_rows
from .selectors import SUPPRESS_BELOW
from .views import region_from

router = Router(tags=["statistics"])


class StatsFilters(Schema):
    from_: dt.date | None = Field(None, alias="from", description="first day (YYYY-MM-DD)")
    to: dt.date | None = Field(None, description="last day (YYYY-MM-DD)")
    region: str | None = Field(
        None, max_length=5, description="a province (32) or regency/city (32.73) code"
    )


class AgencyStatsRow(Schema):
    agency_id: int
    agency_name: str
    ranked: bool
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
    params = {}
    if filters.from_:
        params["from"] = filters.from_.isoformat()
    if filters.to:
        params["to"] = filters.to.isoformat()
    period, _preset = period_from(params)
    found = region_from(filters.region)
    code = found.code if found else None
    return {
        "start": period.start,
        "end": period.end,
        "region": code,
        "suppressed_below": SUPPRESS_BELOW,
        "results": public_agency_rows(period=period, region=code),
    }
