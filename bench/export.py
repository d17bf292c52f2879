#!/usr/bin/env python
"""Time the staff exports (CSV and XLSX) and measure their peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/export.py --rows 1000000

Each case exports a staff list through the real code (``workflow.selectors`` for the
rows, ``aduan.exports`` for the columns and the writers), as the download views do: CSV
lines to /dev/null, XLSX to a temporary file. Every case runs twice: once timed (rows/s),
once under ``tracemalloc`` (the peak of Python allocations during the export, which is
what would grow if rows were held). The process's peak resident size is printed at the
end. ``--rows`` caps each list (a slice of the selector's queryset).

``--job``: instead, build one background export of the national admin's inbox with every
status (every report) per format, through the task's own code
(``exports.services.export_job_build``: the count, the progress updates, the file kept
through Django's storage), and print its wall time, rows/s, file size and the process's
peak resident size. The job rows and files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup, json_option, json_write


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="at most this many rows")
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both")
    parser.add_argument("--job", action="store_true", help="build background jobs instead")
    json_option(parser)
    return parser.parse_args()


def jobs(args: argparse.Namespace) -> None:
    """Build one background export per format, as the task queue's worker would."""
    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.exports.models import ExportJob
    from aduan.exports.services import export_job_build, export_job_create
    from aduan.workflow.selectors import ANY_STATUS, InboxFilters

    desk, _created = User.objects.get_or_create(
        email="bench-export@bench.aduan.test",
        defaults={
            "role": Role.NATIONAL_ADMIN,
            "agency": Agency.objects.filter(kind=AgencyKind.NATIONAL_ADMIN).first(),
        },
    )
    print(f"{'job':36} {'fmt':4} {'rows':>9} {'s':>7} {'rows/s':>8} {'MB':>7} {'RSS MB':>7}")
    scenarios: dict[str, dict[str, object]] = {}
    for fmt in args.formats.split(","):
        job = export_job_create(
            owner=desk,
            list_key="inbox",
            filters=InboxFilters(status=ANY_STATUS),
            fmt=fmt,
            language="id",
        )
        started = time.perf_counter()
        outcome = export_job_build(job_id=str(job.pk))
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        size = job.file.size if job.file else 0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{'national admin, every status (' + outcome + ')':36} {fmt:4} {job.rows:9,} "
            f"{elapsed:7.1f} {job.rows / elapsed:8,.0f} {size / 1e6:7.1f} {rss:7.0f}"
        )
        scenarios[f"export_job_{fmt}"] = {
            "rows": job.rows,
            "seconds": elapsed,
            "rows_per_s": job.rows / elapsed,
            "file_mb": size / 1e6,
            "peak_rss_mb": rss,
        }
        if job.file:
            job.file.delete(save=False)
        job.delete()
    ExportJob.objects.filter(owner=desk).delete()
    json_write(args.json, scenarios)


def main() -> None:
    args = parse_args()
    django_setup()
    if args.job:
        jobs(args)
        return
    from django.db.models import Count, F

    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency
    from aduan.exports.columns import export_rows, headers
    from aduan.exports.writers import csv_lines, xlsx_write
    from aduan.reports.models import Report, Status
    from aduan.workflow.selectors import InboxFilters, inbox_for_user

    # The staff as the selectors see them: a role and an agency (unsaved: no writes).
    desk = User(role=Role.NATIONAL_ADMIN, email="desk@bench.test")
    busiest = (
        Report.objects.filter(agency__isnull=False)
        .values("agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.get(pk=busiest["agency"])
    agency_admin = User(role=Role.AGENCY_ADMIN, agency=agency, email="admin@bench.test")
    # The lists narrow to one status or the open ones; "every report" is the whole table
    # in the lists' order, the most rows one export can hold. Scenario names for --json.
    cases = [
        ("national admin, every report", "export_every_report", desk, None),
        ("national admin, closed", "export_closed", desk, InboxFilters(status=Status.CLOSED)),
        ("national admin, open (default)", "export_open", desk, InboxFilters()),
        (
            f"agency admin ({agency.name[:30]}), closed",
            "export_agency_closed",
            agency_admin,
            InboxFilters(status=Status.CLOSED),
        ),
    ]

    def run(fmt: str, user: User, filters: InboxFilters | None) -> tuple[int, int]:
        if filters is None:
            queryset = Report.objects.order_by(F("due_at").asc(nulls_last=True), "id")
        else:
            queryset = inbox_for_user(user=user, filters=filters)
        queryset = queryset[: args.rows]
        rows = export_rows(queryset, user=user)
        if fmt == "csv":
            count = size = 0
            with open(os.devnull, "w", encoding="utf-8") as sink:
                for line in csv_lines(headers(), rows):
                    sink.write(line)
                    size += len(line.encode())
                    count += 1
            return count - 1, size
        target, count = xlsx_write(headers(), rows, sheet_name="bench")
        size = target.seek(0, os.SEEK_END)
        target.close()
        return count, size

    print(f"{'case':48} {'fmt':4} {'rows':>9} {'s':>7} {'rows/s':>8} {'MB':>7} {'peak MB':>8}")
    scenarios: dict[str, dict[str, object]] = {}
    for name, scenario, user, filters in cases:
        for fmt in args.formats.split(","):
            started = time.perf_counter()
            count, size = run(fmt, user, filters)
            elapsed = time.perf_counter() - started
            tracemalloc.start()
            run(fmt, user, filters)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{name:48} {fmt:4} {count:9,} {elapsed:7.1f} {count / elapsed:8,.0f} "
                f"{size / 1e6:7.1f} {peak / 1e6:8.1f}"
            )
            scenarios[f"{scenario}_{fmt}"] = {
                "rows": count,
                "seconds": elapsed,
                "rows_per_s": count / elapsed,
                "file_mb": size / 1e6,
                "peak_python_mb": peak / 1e6,
            }
            json_write(args.json, scenarios)  # after each case: a stopped run keeps its figures
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size: {maxrss:.0f} MB")
    for figures in scenarios.values():
        figures["process_peak_rss_mb"] = maxrss
    json_write(args.json, scenarios)


if __name__ == "__main__":
    main()
