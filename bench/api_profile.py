#!/usr/bin/env python
"""Profile the API's read endpoints and Open311 ``requests.json`` request by request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/api_profile.py --repeat 30

Each endpoint is called through ``django.test.Client`` (the whole stack: middleware,
token authentication, ninja's validation of the answer) once to warm up, then
``--repeat`` times. Printed per request, as medians: this process's CPU time ("app
CPU", ``time.process_time``, PostgreSQL's own CPU excluded), the number of statements
and the time spent waiting for them ("SQL ms", from a ``connection.execute_wrapper``:
PostgreSQL's work plus the loopback round trips), and PostgreSQL's own planning and
execution time of the last request's statements ("PG plan", "PG exec": the median of
three ``EXPLAIN ANALYZE`` of each, summed). Then ``EXPLAIN (ANALYZE, BUFFERS)`` of
each endpoint's slowest statement (``--no-explain`` to skip).

The staff and their API tokens are made inside a transaction that is rolled back at the
end, so the script leaves the database as it found it (the shared bench database too).
Settings: ``aduan.config.settings.base`` with ``DEBUG`` off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per endpoint")
    parser.add_argument("--no-explain", action="store_true", help="only the timings")
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    parser.add_argument("--show-sql", action="store_true", help="print every statement once")
    parser.add_argument(
        "--profile", default="", help="cProfile the endpoint with this name, top 30 lines"
    )
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime...)")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 10_000:
        parser.error("--repeat must be between 1 and 10,000")
    return args


class Rollback(Exception):
    pass


def main() -> None:
    args = parse_args()
    django_setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from aduan.accounts.models import Role, User
    from aduan.accounts.services import token_create
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.reports.models import Report
    from aduan.reports.selectors import public_reports_q

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")

    statements: list[tuple[float, str, object]] = []

    def explain_times(sql: str, params) -> tuple[float, float]:
        """PostgreSQL's planning and execution time of one statement (median of 3 runs of
        ``EXPLAIN ANALYZE``): steadier than the client's wait on a shared machine."""
        if not sql.lstrip().upper().startswith("SELECT"):
            return 0.0, 0.0
        runs = []
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0][0]
                runs.append((plan["Planning Time"], plan["Execution Time"]))
        return sorted(runs)[1]

    def record(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - start, sql, params))

    try:
        with transaction.atomic():
            tokens = {}
            agencies = {a.code: a for a in Agency.objects.filter(code__in=["djp", "prov-31"])}
            desk = Agency.objects.filter(kind=AgencyKind.NATIONAL_ADMIN).first()
            staff = {
                "national": (Role.NATIONAL_ADMIN, desk),
                "djp": (Role.AGENCY_ADMIN, agencies.get("djp")),
                "prov-31": (Role.AGENCY_ADMIN, agencies.get("prov-31")),
            }
            for name, (role, agency) in staff.items():
                user = User.objects.create_user(
                    email=f"apiprofile-{name}@bench.aduan.test",
                    password=None,
                    role=role,
                    agency=agency,
                    full_name=f"API profile {name}",
                )
                tokens[name] = token_create(user=user)[1]
            heavy_id = (
                Report.objects.values("reporter_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .values_list("reporter_id", flat=True)
                .first()
            )
            tokens["heavy"] = token_create(user=User.objects.get(pk=heavy_id))[1]
            public_id = (
                Report.objects.filter(public_reports_q())
                .order_by("-created_at")
                .values_list("tracking_id", flat=True)[500]
            )
            djp_id = (
                Report.objects.filter(agency=agencies.get("djp"), status="in_progress")
                .order_by("-created_at")
                .values_list("tracking_id", flat=True)
                .first()
            )
            cases = [
                ("feed page 1", "/api/v1/reports", None),
                ("feed page 50", "/api/v1/reports?page=50", None),
                ("feed page 500", "/api/v1/reports?page=500", None),
                ("feed by agency djp", f"/api/v1/reports?agency={agencies['djp'].pk}", None),
                ("feed region 32", "/api/v1/reports?region=32", None),
                ("my reports (heaviest)", "/api/v1/reports?mine=true", "heavy"),
                ("national queue", "/api/v1/inbox?queue=true", "national"),
                ("inbox djp", "/api/v1/inbox", "djp"),
                ("inbox prov-31", "/api/v1/inbox", "prov-31"),
                ("detail, anonymous", f"/api/v1/reports/{public_id}", None),
                ("detail, djp staff", f"/api/v1/reports/{djp_id}", "djp"),
                ("open311 requests.json", "/open311/v2/requests.json", None),
            ]
            client = Client()
            rows = []
            for name, url, who in cases:
                if args.only and args.only not in name:
                    continue
                headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
                response = client.get(url, headers=headers)  # warm-up
                assert response.status_code == 200, (name, response.status_code, response.content)
                cpu, sql_ms, counts, wall = [], [], [], []
                slowest: dict[str, tuple[float, str, object]] = {}
                for _ in range(args.repeat):
                    statements.clear()
                    with connection.execute_wrapper(record):
                        c0, w0 = time.process_time(), time.perf_counter()
                        response = client.get(url, headers=headers)
                        c1, w1 = time.process_time(), time.perf_counter()
                    assert response.status_code == 200
                    cpu.append((c1 - c0) * 1000)
                    wall.append((w1 - w0) * 1000)
                    sql_ms.append(sum(s[0] for s in statements) * 1000)
                    counts.append(len(statements))
                    for stmt in statements:
                        if stmt[0] > slowest.get(stmt[1], (0,))[0]:
                            slowest[stmt[1]] = stmt
                if args.show_sql:
                    print(f"\n## {name}")
                    for seconds, sql, _params in statements:
                        print(f"  {seconds * 1000:7.2f} ms  {sql[:300]}")
                if args.profile and args.profile == name:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.enable()
                    for _ in range(args.repeat):
                        client.get(url, headers=headers)
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
                worst = max(slowest.values(), key=lambda s: s[0]) if slowest else None
                plans = [explain_times(sql, params) for _s, sql, params in statements]
                planning = sum(p for p, _e in plans)
                executing = sum(e for _p, e in plans)
                rows.append(
                    (
                        name,
                        statistics.median(cpu),
                        statistics.median(counts),
                        statistics.median(sql_ms),
                        statistics.median(wall),
                        planning,
                        executing,
                        worst,
                    )
                )
            print(f"\n{args.repeat} requests each, medians (ms)\n")
            print(
                f"| {'endpoint':<24} | app CPU | queries | SQL ms | wall ms | PG plan | PG exec |"
            )
            print(f"|{'-' * 26}|--------:|--------:|-------:|--------:|--------:|--------:|")
            for name, c, q, s, w, plan, run, _worst in rows:
                print(
                    f"| {name:<24} | {c:7.1f} | {q:7.0f} | {s:6.1f} | {w:7.1f} "
                    f"| {plan:7.1f} | {run:7.1f} |"
                )
            if not args.no_explain:
                for name, *_, worst in rows:
                    if worst is None:
                        continue
                    _seconds, sql, params = worst
                    print(f"\n### {name}: slowest statement\n{sql[:500]}")
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                        print("\n".join(row[0] for row in cursor.fetchall()))
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
