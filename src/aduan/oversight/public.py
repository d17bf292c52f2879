"""The public figures (``/statistik/``, ``/api/v1/stats/agencies`` and ``…/programmes``,
the CSVs): counted from reports the public may see only (``Where.public_only``: verified,
with an agency, not confidential), counts under ``SUPPRESS_BELOW`` withheld, and kept for
an hour in the cache (``PUBLIC_TTL``) so that a busy page costs the database once an hour
per period."""

from __future__ import annotations

from django.core.cache import cache

from aduan.accounts.capabilities import StatisticsScope
from aduan.agencies.models import Agency
from aduan.programmes.selectors import programmes_listed

from .selectors import (
    Figures,
    Period,
    Where,
    figures,
    league,
    programme_figures,
    public_share,
    scope_where,
    suppressed,
)

PUBLIC_TTL = 60 * 60
# The figures of a row of the agencies' and the programmes' tables (and their CSVs).
FIGURE_FIELDS = (
    "received",
    "verified",
    "responded",
    "responded_on_time",
    "on_time_share",
    "on_time_lower_bound",
    "closed",
    "returned",
    "reopened",
    "rating_count",
    "average_rating",
    "supported",
)
ROW_FIELDS = ("agency_id", "agency_name", *FIGURE_FIELDS)
PROGRAMME_ROW_FIELDS = ("programme_id", "programme_code", "programme_name", *FIGURE_FIELDS)


def public_figures_of(totals: Figures) -> dict:
    """``totals`` as the public may read them: small counts and the shares built on them
    withheld (None)."""
    responded = totals.responded
    return {
        "received": suppressed(totals.received),
        "verified": suppressed(totals.verified),
        "open": suppressed(totals.open),
        "overdue": suppressed(totals.overdue),
        "responded": suppressed(responded),
        "responded_on_time": suppressed(totals.responded_on_time)
        if responded >= 5 or not responded
        else None,
        "on_time_share": public_share(totals.responded_on_time, responded),
        "on_time_lower_bound": totals.on_time_lower_bound if suppressed(responded) else None,
        "closed": suppressed(totals.closed),
        "returned": suppressed(totals.returned),
        "reopened": suppressed(totals.reopened),
        "reopened_share": public_share(totals.reopened, totals.closed),
        "rating_count": suppressed(totals.rating_count),
        "average_rating": totals.average_rating if suppressed(totals.rating_count) else None,
        "median_first_response_days": totals.median_first_response_days
        if suppressed(responded)
        else None,
        "median_close_days": totals.median_close_days if suppressed(totals.closed) else None,
        "supported": suppressed(totals.supported),
    }


def _key(kind: str, period: Period, region: str | None, extra: object = "") -> str:
    return f"oversight:public:{kind}:{period.start}:{period.end}:{region or ''}:{extra}"


def public_national(*, period: Period, region: str | None = None) -> dict:
    def compute() -> dict:
        where = Where(public_only=True, region=region)
        return public_figures_of(figures(where=where, period=period))

    return cache.get_or_set(_key("national", period, region), compute, PUBLIC_TTL)


def public_agency_figures(*, agency: Agency, period: Period) -> dict:
    def compute() -> dict:
        where = scope_where(StatisticsScope(agency=agency), public_only=True)
        return public_figures_of(figures(where=where, period=period))

    return cache.get_or_set(_key("agency", period, None, agency.pk), compute, PUBLIC_TTL)


def public_agency_rows(*, period: Period, region: str | None = None) -> list[dict]:
    """The compliance table (``agency_rows_count``), cached for an hour."""
    return cache.get_or_set(
        _key("agencies", period, region),
        lambda: agency_rows_count(period=period, region=region),
        PUBLIC_TTL,
    )


def agency_rows_count(*, period: Period, region: str | None = None) -> list[dict]:
    """One row per top-level agency with public figures in the period, in league order
    (lower Wilson bound of the on-time share), read from the roll-ups."""
    top = Agency.objects.filter(parent__isnull=True, is_active=True)
    rows = league(where=Where(public_only=True, region=region), period=period, agencies=top)
    return [
        {"agency_id": row.agency.pk, "agency_name": row.agency.name, "ranked": row.ranked}
        | {k: v for k, v in public_figures_of(row.figures).items() if k in FIGURE_FIELDS}
        for row in rows
        if row.figures.received or row.figures.responded or row.figures.closed
    ]


def public_programme_rows(*, period: Period) -> list[dict]:
    """The priority programmes' table (``programme_rows_count``), cached for an hour."""
    return cache.get_or_set(
        _key("programmes", period, None),
        lambda: programme_rows_count(period=period),
        PUBLIC_TTL,
    )


def programme_rows_count(*, period: Period) -> list[dict]:
    """One row per priority programme, in display order: every active one, one switched
    off only with figures in the period. National only (the programme table keeps no
    region); a report counts under each programme it is tagged with."""
    per_programme = programme_figures(where=Where(public_only=True), period=period)
    rows = []
    for programme in programmes_listed():
        totals = per_programme.get(programme.pk, Figures())
        if not programme.is_active and not (totals.received or totals.responded or totals.closed):
            continue
        rows.append(
            {
                "programme_id": programme.pk,
                "programme_code": programme.code,
                "programme_name": programme.name,
            }
            | {k: v for k, v in public_figures_of(totals).items() if k in FIGURE_FIELDS}
        )
    return rows
