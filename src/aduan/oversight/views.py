"""The staff dashboards (``/staf/statistik/``): figures for the period, agency and region
chosen, inside the viewer's ``statistics_scope``; every figure links to the reports
behind it in the staff inbox."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from aduan.accounts.capabilities import (
    StatisticsScope,
    may_see_statistics_of,
    statistics_scope,
)
from aduan.agencies.models import Agency
from aduan.categories.models import Category
from aduan.programmes.models import Programme
from aduan.programmes.selectors import programmes_listed
from aduan.regions.models import Region
from aduan.reports.models import Channel
from aduan.workflow.selectors import ANY_STATUS

from . import charts
from .dashboard import dashboard_figures
from .models import MonthlyReport
from .periods import PRESETS, period_from
from .selectors import (
    LEAGUE_MIN_VOLUME,
    Period,
    league_agencies,
    scope_where,
)

REGION_CODE = re.compile(r"^\d{2}(\.\d{2})?$")
# The query parameter that lists every agency in the table, those without reports too.
ALL_AGENCIES = "all_agencies"


def region_from(raw) -> Region | None:
    code = str(raw or "").strip()
    if not REGION_CODE.match(code):
        return None
    return Region.objects.filter(code=code).first()


def _agency_from(raw, scope: StatisticsScope) -> Agency | None:
    try:
        pk = int(raw or 0)
    except (TypeError, ValueError):
        pk = 0
    if pk <= 0:
        return None
    agency = Agency.objects.filter(pk=pk).first()
    # Someone else's agency answers like one that does not exist.
    if agency is None or not scope.covers(agency):
        raise Http404
    return agency


def drill_url(
    *,
    period: Period | None,
    scope: StatisticsScope,
    agency: Agency | None,
    region: Region | None,
    **extra,
) -> str:
    """The staff inbox filtered to the reports behind a figure."""
    params: dict[str, object] = {"status": ANY_STATUS}
    if period is not None:
        params |= {"created_from": period.start.isoformat(), "created_to": period.end.isoformat()}
    if agency is not None and agency != scope.agency:
        # The national desk and oversight pick any agency, agency staff one of their units.
        params |= {"agency": agency.pk, "unit": agency.pk}
    if region is not None:
        params["province"] = region.code[:2]
        if len(region.code) >= 5:
            params["regency"] = region.code[:5]
    for key, value in extra.items():
        if value == "":
            params.pop(key, None)  # the inbox's default (its working statuses)
        elif value is not None:
            params[key] = value
    return f"{reverse('web:staff_inbox')}?{urlencode(params)}"


def _programme_from(raw) -> Programme | None:
    try:
        pk = int(raw or 0)
    except (TypeError, ValueError):
        return None
    return Programme.objects.filter(pk=pk).first() if pk > 0 else None


def _category_names(ids) -> dict[int, str]:
    return {c.pk: c.name for c in Category.objects.filter(pk__in=[i for i in ids if i])}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = statistics_scope(request.user)
    if scope.is_empty:
        raise DjangoPermissionDenied
    period, preset = period_from(request.GET)
    agency = _agency_from(request.GET.get("agency"), scope)
    programme = _programme_from(request.GET.get("programme"))
    # The programme table keeps no region: a programme's figures (and all of the KSP
    # overseer's) are of every region.
    region = None if programme or scope.programmes_only else region_from(request.GET.get("region"))
    where = scope_where(
        scope,
        agency=agency,
        region=region.code if region else None,
        programme_id=programme.pk if programme else None,
    )

    def drill(with_period: bool = True, **extra) -> str:
        return drill_url(
            period=period if with_period else None,
            scope=scope,
            agency=agency,
            region=region,
            programme=programme.pk if programme else None,
            **extra,
        )

    by_region = "regency" if region is not None else "province"
    agencies = league_agencies(scope)
    listed = [agency, *agency.children.order_by("name")] if agency else agencies
    counted = dashboard_figures(where=where, period=period, by_region=by_region, listed=listed)
    totals, weeks, categories = counted.totals, counted.weeks, counted.categories
    category_names = _category_names([c.key for c in categories])
    for one in categories:
        one.label = category_names.get(one.key) or _("No topic")
        one.extra["url"] = drill(category=one.key or None)
    categories.sort(key=lambda c: -c.received)
    channels = counted.channels
    for one in channels:
        one.label = str(dict(Channel.choices).get(one.key, one.key))
    channels.sort(key=lambda c: -c.received)
    regions = counted.regions
    region_names = dict(
        Region.objects.filter(code__in=[r.key for r in regions if r.key]).values_list(
            "code", "name"
        )
    )
    for one in regions:
        one.label = region_names.get(one.key) or _("No location")
        one.extra["url"] = drill_url(
            period=period,
            scope=scope,
            agency=agency,
            region=Region(code=one.key) if one.key else region,
        )
    regions.sort(key=lambda r: -r.received)
    table = counted.league
    # Agencies with no report in the period are left out unless asked for (a long page on
    # a phone); they are unranked, so the ranks of those shown do not change.
    show_all = request.GET.get(ALL_AGENCIES) == "1"
    shown = table if show_all else [row for row in table if row.has_reports]
    for row in shown:
        row.url = _self_url(request, agency=row.agency.pk)
    provinces, programmes = counted.provinces, counted.programmes
    programme_names = dict(
        Programme.objects.filter(pk__in=[p.key for p in programmes]).values_list("pk", "name")
    )
    for one in programmes:
        one.label = programme_names.get(one.key, str(one.key))
        one.extra["url"] = _self_url(request, programme=one.key)
    programmes.sort(key=lambda p: -p.received)
    context = {
        "period": period,
        "preset": preset,
        "presets": PRESETS,
        "agency": agency,
        "region": region,
        "programme": programme,
        "programme_view": where.programme_id is not None,
        "programme_rows": programmes,
        "programmes": programmes_listed(),
        "scope": scope,
        "totals": totals,
        "counted_at": counted.counted_at,
        "links": {
            "received": drill(),
            # Stocks at the end of the period: the reports open (overdue) then, read from
            # their timelines, not those open (overdue) today.
            "open": drill(with_period=False, open_at=period.end.isoformat()),
            "overdue": drill(with_period=False, overdue_at=period.end.isoformat()),
            # Flows: the reports with such an event on a day of the period, each once
            # (the figure counts the events: a report closed twice, twice).
            "returned": drill(
                with_period=False,
                returned_from=period.start.isoformat(),
                returned_to=period.end.isoformat(),
            ),
            "closed": drill(
                with_period=False,
                closed_from=period.start.isoformat(),
                closed_to=period.end.isoformat(),
            ),
        },
        "weeks": weeks,
        "categories": categories,
        "channels": channels,
        "regions": regions,
        "by_region": by_region,
        "league": shown,
        "league_hidden": len(table) - len(shown),
        "show_all_agencies": show_all,
        "all_agencies_url": _self_url(request, **{ALL_AGENCIES: "1"}),
        "some_agencies_url": _self_url(request, **{ALL_AGENCIES: None}),
        "league_min": LEAGUE_MIN_VOLUME,
        "agencies": agencies,
        "provinces": Region.objects.filter(level=1).order_by("name"),
        "charts": {
            "weekly": charts.line_chart(
                label=_("Received and closed per week"),
                x_labels=[w.label for w in weeks],
                series={
                    _("Received"): [w.received for w in weeks],
                    _("Closed"): [w.closed for w in weeks],
                },
            ),
            "on_time": charts.line_chart(
                label=_("Share answered on time per week"),
                x_labels=[w.label for w in weeks],
                series={_("On time (%)"): [_pct(w.on_time_share) for w in weeks]},
            ),
            "categories": charts.bar_chart(
                label=_("Reports by topic"),
                rows=[(c.label, c.received) for c in categories[:12]],
            ),
            "channels": charts.bar_chart(
                label=_("Reports by channel"), rows=[(c.label, c.received) for c in channels]
            ),
            "map": charts.province_cartogram(
                label=_("Share answered on time by province"),
                shares={p.key: p.on_time_share for p in provinces if p.key},
            ),
        },
        "province_rows": sorted(
            ((charts.PROVINCE_TILES.get(p.key, (0, 0, p.key))[2], p) for p in provinces if p.key),
            key=lambda pair: pair[0],
        ),
    }
    return render(request, "oversight/dashboard.html", context)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _self_url(request: HttpRequest, **changes) -> str:
    """This page with ``changes`` to its query (``None``: the parameter removed)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return f"{request.path}?{params.urlencode()}"


# --- Monthly PDFs ---------------------------------------------------------------------------


def _monthly_reports_for(scope: StatisticsScope):
    """The kept monthly PDFs of the agencies ``scope`` covers."""
    qs = MonthlyReport.objects.select_related("agency")
    if scope.everything:
        return qs
    return qs.filter(agency__path__startswith=scope.agency.path) if scope.agency else qs.none()


@login_required
def monthly_reports(request: HttpRequest) -> HttpResponse:
    """The monthly PDFs the viewer may download (``may_see_statistics_of`` their agency)."""
    scope = statistics_scope(request.user)
    if scope.is_empty:
        raise DjangoPermissionDenied
    kept = _monthly_reports_for(scope)[:240]
    return render(request, "oversight/monthly_reports.html", {"reports": kept})


@login_required
def monthly_report_download(request: HttpRequest, pk: int) -> FileResponse:
    """One kept PDF; another agency's answers like one that does not exist."""
    scope = statistics_scope(request.user)
    if scope.is_empty:
        raise DjangoPermissionDenied
    kept = MonthlyReport.objects.select_related("agency").filter(pk=pk).first()
    if kept is None or not may_see_statistics_of(request.user, kept.agency):
        raise Http404
    return FileResponse(
        kept.file.open("rb"),
        as_attachment=True,
        filename=Path(kept.file.name).name,
        content_type="application/pdf",
    )
