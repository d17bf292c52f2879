"""The public statistics pages (``/statistik/``): national figures, the agencies'
compliance table and its CSV, one page per agency with its public reports. Anyone may
read them; nothing on them comes from a report the public may not see."""

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
from .public import ROW_FIELDS, public_agency_figures, public_agency_rows, public_national
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
            "league_min": LEAGUE_MIN_VOLUME,
            "suppress_below": SUPPRESS_BELOW,
            "csv_query": request.GET.urlencode(),
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


@require_GET
def agencies_csv(request: HttpRequest) -> HttpResponse:
    period, _preset = period_from(request.GET)
    region = region_from(request.GET.get("region"))
    rows = public_agency_rows(period=period, region=region.code if region else None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statistik-instansi-{period.start}-{period.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(ROW_FIELDS)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in ROW_FIELDS])
    return response
