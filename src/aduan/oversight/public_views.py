"""The public statistics pages (``/statistik/``): national figures, the agencies'
compliance table and the priority programmes' table with their CSVs, one page per agency
with its public reports. Anyone may read them; nothing on them comes from a report the
public may not see."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_subtree_ids
from aduan.regions.models import Region
from aduan.reports.models import Report
from aduan.reports.selectors import public_reports_q, report_public_text

from .periods import PRESETS, period_from
from .public import (
    PROGRAMME_ROW_FIELDS,
    ROW_FIELDS,
    public_agency_figures,
    public_agency_rows,
    public_national,
    public_programme_rows,
)
from .selectors import LEAGUE_MIN_VOLUME, SUPPRESS_BELOW
from .views import region_from

PUBLIC_REPORTS_SHOWN = 20


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    period, preset = period_from(request.GET)
    region = region_from(request.GET.get("region"))
    code = region.code if region else None
    return render(
        request,
        "oversight/public_index.html",
        {
            "period": period,
            "preset": preset,
            "presets": PRESETS,
            "region": region,
            "provinces": Region.objects.filter(level=1).order_by("name"),
            "totals": public_national(period=period, region=code),
            "rows": public_agency_rows(period=period, region=code),
            # National only (the programme table keeps no region): offered without one.
            "programme_rows": public_programme_rows(period=period),
            "league_min": LEAGUE_MIN_VOLUME,
            "suppress_below": SUPPRESS_BELOW,
            "csv_query": request.GET.urlencode(),
            "national_query": _without(request, "region"),
        },
    )


@require_GET
def agency(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Agency, pk=pk, is_active=True)
    period, preset = period_from(request.GET)
    reports = (
        Report.objects.filter(public_reports_q(), agency_id__in=agency_subtree_ids(found))
        .select_related("category")
        .order_by("-created_at", "-id")[:PUBLIC_REPORTS_SHOWN]
    )
    return render(
        request,
        "oversight/public_agency.html",
        {
            "agency": found,
            "period": period,
            "preset": preset,
            "presets": PRESETS,
            "totals": public_agency_figures(agency=found, period=period),
            # The public version of each title, personal data masked (ADR 0011).
            "reports": [(report, report_public_text(report)[0]) for report in reports],
            "suppress_below": SUPPRESS_BELOW,
        },
    )


def _without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()


def _csv(rows: list[dict], fields: tuple[str, ...], filename: str) -> HttpResponse:
    """``rows`` as a CSV download, a withheld figure (None) as an empty cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in fields])
    return response


@require_GET
def agencies_csv(request: HttpRequest) -> HttpResponse:
    period, _preset = period_from(request.GET)
    region = region_from(request.GET.get("region"))
    rows = public_agency_rows(period=period, region=region.code if region else None)
    return _csv(rows, ROW_FIELDS, f"statistik-instansi-{period.start}-{period.end}.csv")


@require_GET
def programmes_csv(request: HttpRequest) -> HttpResponse:
    period, _preset = period_from(request.GET)
    rows = public_programme_rows(period=period)
    return _csv(rows, PROGRAMME_ROW_FIELDS, f"statistik-program-{period.start}-{period.end}.csv")
