#!/usr/bin/env python
"""Time the read side on the bench database: the roll-ups' rebuild and the dashboard of
every agency over a year (``aduan.oversight``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/oversight.py --rebuild --repeat 30

Needs the database ``generate.py`` filled. Steps:

1. ``--rebuild``: ``rollups_rebuild()`` over every report (what ``manage.py
   oversight_rebuild`` does), timed, with the roll-up tables' row counts after it.
2. **Dashboard, all agencies, one year**: the queries the staff dashboard runs for the
   national desk and oversight (period totals and stocks, duration medians, weekly,
   topic, channel, province breakdowns, the league table), through the selectors; then
   the whole page through the view (``RequestFactory``, an oversight user), template
   included. Median and 95th percentile over ``--repeat`` runs after one warm-up.
3. The same for one busy agency (its subtree), and the public compliance table (cache
   bypassed).
4. ``EXPLAIN (ANALYZE, BUFFERS)`` of the period totals and of the league's grouping.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup, json_option, json_write


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the roll-ups first")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--days", type=int, default=365, help="the period, ending today")
    parser.add_argument("--no-explain", action="store_true")
    json_option(parser)
    return parser.parse_args()


def timed(label: str, fn, repeat: int) -> dict[str, float]:
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
    median = statistics.median(runs)
    print(f"{label:<44} median {median:8.1f} ms   p95 {p95:8.1f} ms")
    return {"runs": repeat, "median_ms": median, "p95_ms": p95}


def main() -> None:
    args = parse_args()
    django_setup()
    from django.db import connection
    from django.db.models import Sum
    from django.test import RequestFactory
    from django.utils import timezone

    from aduan.accounts.capabilities import StatisticsScope
    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.oversight import public, views
    from aduan.oversight.models import DailyDuration, DailyFigure, PeriodFigure
    from aduan.oversight.rollup import rollups_analyze, rollups_rebuild
    from aduan.oversight.selectors import (
        PERIOD_MEASURES,
        Period,
        breakdown,
        figures,
        league,
        league_agencies,
        scope_where,
    )
    from aduan.reports.models import Report

    scenarios: dict[str, dict[str, object]] = {}
    if args.rebuild:
        total = Report.objects.count()
        print(f"rebuilding the roll-ups from {total:,} reports …")
        start = time.perf_counter()
        counted = rollups_rebuild(batch=5000)
        rollups_analyze()
        seconds = time.perf_counter() - start
        print(f"rebuild: {counted:,} reports in {seconds:.1f} s ({counted / seconds:,.0f}/s)")
        scenarios["rollup_rebuild"] = {
            "reports": counted,
            "seconds": seconds,
            "reports_per_s": counted / seconds,
        }
    print(
        f"roll-up rows: {DailyFigure.objects.count():,} daily figures, "
        f"{PeriodFigure.objects.count():,} week/month figures, "
        f"{DailyDuration.objects.count():,} daily durations"
    )

    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=args.days - 1), today)
    everything = StatisticsScope(everything=True)

    def dashboard(scope: StatisticsScope, agency=None) -> None:
        where = scope_where(scope, agency=agency)
        figures(where=where, period=period)
        for by in ("week", "category_id", "channel", "province"):
            breakdown(where=where, period=period, by=by)
        listed = [agency, *agency.children.all()] if agency else league_agencies(scope)
        league(where=where, period=period, agencies=listed)

    scenarios["dashboard_queries_all_agencies"] = timed(
        "dashboard queries, all agencies, a year", lambda: dashboard(everything), args.repeat
    )

    busiest = (
        DailyFigure.objects.values("agency_id")
        .annotate(n=Sum("received"))
        .exclude(agency_id=0)
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.filter(pk=busiest["agency_id"]).first() if busiest else None
    if agency is not None:
        print(f"busiest agency: {agency.name} ({busiest['n']:,} received)")
        scenarios["dashboard_queries_busiest_agency"] = timed(
            "dashboard queries, busiest agency, a year",
            lambda: dashboard(everything, agency),
            args.repeat,
        )

    overseer = User.objects.filter(role=Role.OVERSIGHT, is_active=True).first()
    if overseer is None:
        overseer = User.objects.create_user(
            email="bench-oversight@bench.aduan.test",
            full_name="Bench oversight",
            role=Role.OVERSIGHT,
            agency=Agency.objects.filter(kind=AgencyKind.OVERSIGHT).first(),
        )
    factory = RequestFactory()
    # The page links its stylesheets: no collectstatic manifest is needed to time it.
    from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage

    staticfiles_storage._wrapped = StaticFilesStorage()

    def page() -> None:
        request = factory.get(
            "/staf/statistik/", {"from": period.start.isoformat(), "to": period.end.isoformat()}
        )
        request.user = overseer
        response = views.dashboard(request)
        assert response.status_code == 200

    scenarios["dashboard_page"] = timed(
        "dashboard page (view + template), a year", page, args.repeat
    )

    def public_table() -> None:
        public.agency_rows_count(period=period)

    scenarios["public_compliance_table"] = timed(
        "public compliance table (no cache)", public_table, args.repeat
    )
    json_write(args.json, scenarios)

    if not args.no_explain:
        in_period = DailyFigure.objects.filter(day__range=(period.start, period.end))
        for label, queryset in (
            ("period totals", in_period.values("is_public")),
            ("league grouping", in_period.values("agency_id")),
        ):
            query = queryset.annotate(**{m: Sum(m) for m in PERIOD_MEASURES}).query
            sql, params = query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print(f"\n-- {label}")
                for (line,) in cursor.fetchall():
                    print(line)


if __name__ == "__main__":
    main()
