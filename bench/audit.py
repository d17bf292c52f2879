#!/usr/bin/env python
"""Time of ``verify_audit`` (the keyed chain, ADR 0018): the walk alone, with a checkpoint
written, and compared with one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench_audit \\
        .venv/bin/python bench/audit.py --reports 2000 --events 5

Writes ``--reports`` reports of a bench account, each with ``--events`` chained events
(the submitted one and comments, through ``ReportEvent.save``, as the services write
them), into the migrated database given; the script's rows are deleted at the start of
the next run. Each command is run ``--repeat`` times; the best time is printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup

BENCH_EMAIL = "bench-audit@example.invalid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--events", type=int, default=5, help="events per report")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.core.management import call_command
    from django.db import transaction

    from aduan.accounts.models import User
    from aduan.reports.models import Report, ReportEvent

    Report.objects.filter(reporter__email=BENCH_EMAIL).delete()
    User.objects.filter(email=BENCH_EMAIL).delete()
    user = User.objects.create_user(BENCH_EMAIL, None, full_name="Bench Audit")
    started = time.perf_counter()
    for n in range(args.reports):
        with transaction.atomic():
            report = Report.objects.create(
                classification="complaint",
                title=f"Laporan uji rantai audit {n}",
                body="Teks laporan untuk mengukur waktu pemeriksaan rantai audit. " * 3,
                channel="web",
                reporter=user,
            )
            ReportEvent.objects.create(report=report, actor=user, action="submitted")
            for k in range(args.events - 1):
                ReportEvent.objects.create(
                    report=report, actor=user, action="comment", note=f"Komentar {k}"
                )
    written = time.perf_counter() - started
    events = ReportEvent.objects.count()
    print(f"wrote {args.reports} reports, {args.reports * args.events} events in {written:.1f} s")

    def best(*command: str) -> float:
        times = []
        for _ in range(args.repeat):
            out = StringIO()
            begin = time.perf_counter()
            call_command("verify_audit", *command, stdout=out)
            times.append(time.perf_counter() - begin)
        return min(times)

    with tempfile.TemporaryDirectory() as folder:
        checkpoint = str(Path(folder) / "checkpoint.json")
        walk = best()
        export = best("--export-checkpoint", checkpoint)
        compare = best("--checkpoint", checkpoint)
        size = Path(checkpoint).stat().st_size
    total = Report.objects.count()
    print(f"database: {total} reports, {events} events")
    print(f"verify_audit                      {walk:6.2f} s ({events / walk:,.0f} events/s)")
    print(f"verify_audit --export-checkpoint  {export:6.2f} s (file {size / 1024:,.0f} KiB)")
    print(f"verify_audit --checkpoint         {compare:6.2f} s")


if __name__ == "__main__":
    main()
