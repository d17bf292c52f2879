#!/usr/bin/env python
"""Time the hot reads through the real selectors, and show their plans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/queries.py --repeat 30

Each case runs once to warm the cache, then ``--repeat`` times; the median and the 95th
percentile are printed in milliseconds, then ``EXPLAIN (ANALYZE, BUFFERS)`` of each query.
A feed page is what the web view does: the page of rows and the paginator's COUNT.

The staff work lists go through ``aduan.workflow.selectors`` as the staff pages do: page 1
(sorted by the current deadline) and the capped count (``capped_count``, "10,000+"), for
the national admin's queue, the busiest agency's inbox, a provincial government with
units (its whole subtree), and the inbox filtered by overdue, status, unit and category.
The staff are unsaved ``User`` objects: the selectors only read their role and agency.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case")
    parser.add_argument("--no-explain", action="store_true", help="only the timings")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 1 <= args.repeat <= 10_000:
        parser.error("--repeat must be between 1 and 10,000")
    return args


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    args = parse_args()
    django_setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.db.models import Count

    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.core.pagination import capped_count
    from aduan.reports.models import Report
    from aduan.reports.selectors import (
        FeedFilters,
        public_reports_q,
        report_get_for_user,
        report_list,
    )
    from aduan.workflow.selectors import (
        INBOX_STATUSES,
        InboxFilters,
        inbox_for_user,
        national_queue,
    )

    rng = random.Random(args.seed)
    total = Report.objects.count()
    if not total:
        sys.exit("No reports: run bench/generate.py first.")
    page_size = settings.ADUAN_PAGE_SIZE
    anonymous = AnonymousUser()

    def busiest(field: str, **where) -> int:
        row = (
            Report.objects.filter(**where)
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        return row[field]

    # Pick realistic targets: the busiest agency and category, Jawa Barat, a heavy and a
    # typical reporter, and public tracking ids to look up.
    agency_id = busiest("agency_id")
    category_id = busiest("category_id")
    reporter_counts = list(
        Report.objects.values("reporter_id").annotate(n=Count("id")).order_by("-n")[:1]
    )
    heavy = User.objects.get(pk=reporter_counts[0]["reporter_id"])
    typical_id = (
        Report.objects.values("reporter_id")
        .annotate(n=Count("id"))
        .filter(n__gte=3, n__lte=10)
        .order_by("reporter_id")
        .values_list("reporter_id", flat=True)
        .first()
    )
    typical = User.objects.get(pk=typical_id) if typical_id else heavy
    tracking_ids = list(
        Report.objects.filter(public_reports_q())
        .order_by("?")
        .values_list("tracking_id", flat=True)[: max(args.repeat + 1, 50)]
    )

    def page(qs, number: int) -> Callable[[], object]:
        start = (number - 1) * page_size
        return lambda: list(qs[start : start + page_size])

    def explain_rows(qs, number: int = 1) -> Callable[[], str]:
        start = (number - 1) * page_size
        return lambda: qs[start : start + page_size].explain(analyze=True, buffers=True)

    def explain_count(qs) -> Callable[[], str]:
        def run() -> str:
            sql, params = qs.order_by().values("id").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({sql}) AS counted", params
                )
                return "\n".join(row[0] for row in cursor.fetchall())

        return run

    cap = settings.ADUAN_COUNT_CAP

    def capped(qs) -> Callable[[], object]:
        return lambda: capped_count(qs)

    def explain_capped(qs) -> Callable[[], str]:
        # What capped_count runs: COUNT over the first cap + 1 matching ids.
        def run() -> str:
            sql, params = qs.order_by().values("id")[: cap + 1].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({sql}) AS capped", params
                )
                return "\n".join(row[0] for row in cursor.fetchall())

        return run

    # Staff: the national admin; the admin of the agency with the most reports to work
    # on; the admin of the provincial government with units that has the most.
    national_admin = User(email="bench-admin@bench.aduan.test", role=Role.NATIONAL_ADMIN)
    working = Report.objects.filter(status__in=INBOX_STATUSES)
    busiest_inbox = Agency.objects.get(pk=busiest("agency_id", status__in=INBOX_STATUSES))
    agency_admin = User(
        email="bench-agency@bench.aduan.test", role=Role.AGENCY_ADMIN, agency=busiest_inbox
    )
    provinces = Agency.objects.filter(
        kind=AgencyKind.PROVINCE, children__kind=AgencyKind.UNIT
    ).distinct()
    province = max(
        provinces,
        key=lambda p: working.filter(agency__path__startswith=p.path).count(),
    )
    province_admin = User(
        email="bench-province@bench.aduan.test", role=Role.AGENCY_ADMIN, agency=province
    )
    unit = max(
        Agency.objects.filter(parent=province, kind=AgencyKind.UNIT),
        key=lambda u: working.filter(agency__path__startswith=u.path).count(),
    )
    inbox_category = busiest(
        "category_id", status__in=INBOX_STATUSES, agency__path__startswith=busiest_inbox.path
    )
    queue = national_queue(user=national_admin)
    inbox = inbox_for_user(user=agency_admin)
    province_inbox = inbox_for_user(user=province_admin)
    inbox_overdue = inbox_for_user(user=agency_admin, filters=InboxFilters(overdue=True))
    inbox_status = inbox_for_user(user=agency_admin, filters=InboxFilters(status="in_progress"))
    inbox_unit = inbox_for_user(user=province_admin, filters=InboxFilters(agency_id=unit.pk))
    inbox_category_qs = inbox_for_user(
        user=agency_admin, filters=InboxFilters(category_id=inbox_category)
    )
    province_overdue = inbox_for_user(user=province_admin, filters=InboxFilters(overdue=True))

    feed = report_list(user=anonymous)
    by_agency = report_list(user=anonymous, filters=FeedFilters(agency_id=agency_id))
    by_province = report_list(user=anonymous, filters=FeedFilters(region_code="32"))
    by_category = report_list(user=anonymous, filters=FeedFilters(category_id=category_id))
    mine_heavy = report_list(user=heavy, filters=FeedFilters(mine=True))
    mine_typical = report_list(user=typical, filters=FeedFilters(mine=True))

    def lookup():
        return report_get_for_user(user=anonymous, tracking_id=rng.choice(tracking_ids))

    def explain_lookup() -> str:
        # The visibility filter plus the unique tracking id (events and attachments are
        # two more primary-key lookups by report id).
        qs = Report.objects.filter(public_reports_q(), tracking_id=tracking_ids[0])
        return qs.explain(analyze=True, buffers=True)

    cases: list[tuple[str, Callable[[], object], Callable[[], str]]] = [
        ("feed page 1", page(feed, 1), explain_rows(feed)),
        ("feed page 50", page(feed, 50), explain_rows(feed, 50)),
        ("feed count", feed.count, explain_count(feed)),
        (f"agency {agency_id} page 1", page(by_agency, 1), explain_rows(by_agency)),
        (f"agency {agency_id} count", by_agency.count, explain_count(by_agency)),
        ("province 32 page 1", page(by_province, 1), explain_rows(by_province)),
        ("province 32 count", by_province.count, explain_count(by_province)),
        (f"category {category_id} page 1", page(by_category, 1), explain_rows(by_category)),
        (f"category {category_id} count", by_category.count, explain_count(by_category)),
        (
            f"my reports, heavy user ({heavy.reports.count()})",
            page(mine_heavy, 1),
            explain_rows(mine_heavy),
        ),
        (
            f"my reports, typical user ({typical.reports.count()})",
            page(mine_typical, 1),
            explain_rows(mine_typical),
        ),
        ("tracking-id lookup (+ timeline)", lookup, explain_lookup),
        ("national queue page 1", page(queue, 1), explain_rows(queue)),
        ("national queue capped count", capped(queue), explain_capped(queue)),
        (f"inbox {busiest_inbox.code} page 1", page(inbox, 1), explain_rows(inbox)),
        (f"inbox {busiest_inbox.code} capped count", capped(inbox), explain_capped(inbox)),
        (
            f"inbox {province.code} (+units) page 1",
            page(province_inbox, 1),
            explain_rows(province_inbox),
        ),
        (
            f"inbox {province.code} capped count",
            capped(province_inbox),
            explain_capped(province_inbox),
        ),
        ("inbox overdue page 1", page(inbox_overdue, 1), explain_rows(inbox_overdue)),
        ("inbox overdue capped count", capped(inbox_overdue), explain_capped(inbox_overdue)),
        ("inbox in_progress page 1", page(inbox_status, 1), explain_rows(inbox_status)),
        ("inbox in_progress capped count", capped(inbox_status), explain_capped(inbox_status)),
        (f"inbox unit {unit.code} page 1", page(inbox_unit, 1), explain_rows(inbox_unit)),
        (f"inbox unit {unit.code} capped count", capped(inbox_unit), explain_capped(inbox_unit)),
        (
            f"inbox category {inbox_category} page 1",
            page(inbox_category_qs, 1),
            explain_rows(inbox_category_qs),
        ),
        (
            f"inbox category {inbox_category} capped",
            capped(inbox_category_qs),
            explain_capped(inbox_category_qs),
        ),
        (
            f"inbox {province.code} overdue page 1",
            page(province_overdue, 1),
            explain_rows(province_overdue),
        ),
        (
            f"inbox {province.code} overdue capped",
            capped(province_overdue),
            explain_capped(province_overdue),
        ),
    ]

    print(f"{total:,} reports; {args.repeat} runs per case (after one warm-up)\n")
    print(f"{'case':<44} {'median ms':>10} {'p95 ms':>10}  result")
    for name, run, _explain in cases:
        result = run()
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        median, p95 = statistics.median(samples), percentile(samples, 0.95)
        shown = f"{len(result)} rows" if isinstance(result, list) else ""
        if isinstance(result, tuple):  # capped_count: (count, capped)
            shown = f"{result[0]:,}{'+' if result[1] else ''}"
        print(f"{name:<44} {median:>10.2f} {p95:>10.2f}  {shown}")

    if args.no_explain:
        return
    for name, _run, explain in cases:
        print(f"\n=== {name}\n{explain()}")


if __name__ == "__main__":
    main()
