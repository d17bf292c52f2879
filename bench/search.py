#!/usr/bin/env python
"""Time the report search as the feed runs it, and check the stemming on real rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/search.py --repeat 10

Run ``manage.py search_reindex`` after ``generate.py`` first (the generator writes the
reports with COPY, so no index row exists until then). Each of 20 Indonesian queries is
searched the way the public feed does it (``web.views._searched_page``): the feed's
``report_list`` narrowed by ``search_reports`` (best match first), the capped count and
page 1 (20 rows) of ``CappedPaginator``, and the highlighted snippets of that page; as a
visitor and as the national admin (who also matches the original text of masked
reports). One warm-up, then ``--repeat`` runs per query; the median and the 95th
percentile are over every run of every query.

The relevance set: for each pair of inflections (jalan / jalanan …) whether they have the
same stem, and whether searching one finds reports whose public text has only the other
(up to 20 such reports, read with a word-boundary regex).

``--ids PATH`` writes each query's page 1 (the ids in order) and count per reader;
``--compare PATH`` compares them with such a file from an earlier run (another commit on
the same database): what a change of the rank computation does to the results.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup, json_option, json_write

QUERIES = [
    "jalan rusak",
    "jalan berlubang",
    "lampu jalan mati",
    "sampah menumpuk",
    "banjir",
    "air bersih",
    "listrik padam",
    "puskesmas",
    "obat",
    "pelayanan lambat",
    "bpjs kesehatan",
    "kartu keluarga",
    "ktp elektronik",
    "akta kelahiran",
    "sekolah rusak",
    "guru honorer",
    "bantuan sosial tidak tepat sasaran",
    "pungutan liar",
    "perbaikan jembatan",
    "makan bergizi gratis",
]
PAIRS = [
    ("jalan", "jalanan"),
    ("perbaikan", "diperbaiki"),
    ("obat", "pengobatan"),
    ("pelayanan", "dilayani"),
]
SAMPLE = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per query")
    parser.add_argument("--queries", type=int, default=len(QUERIES), help="the first N queries")
    parser.add_argument("--ids", type=Path, metavar="PATH", help="write page 1's ids per query")
    parser.add_argument("--compare", type=Path, metavar="PATH", help="compare with --ids file")
    json_option(parser)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from aduan.accounts.models import Role, User
    from aduan.core.pagination import CappedPaginator
    from aduan.reports.models import Report
    from aduan.reports.selectors import FeedFilters, public_reports_q, report_list
    from aduan.search.selectors import search_highlight, search_reports
    from aduan.search.text import parse_query

    if not Report.objects.exists():
        sys.exit("No reports: run bench/generate.py first.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_entry")
        indexed = cursor.fetchone()[0]
    if not indexed:
        sys.exit("The search index is empty: run manage.py search_reindex first.")
    print(f"{Report.objects.count():,} reports, {indexed:,} index rows")

    readers = {
        "visitor": AnonymousUser(),
        "national admin": User(email="bench-admin@bench.aduan.test", role=Role.NATIONAL_ADMIN),
    }

    print("\nRelevance (inflections):")
    visitor = readers["visitor"]
    public = Report.objects.filter(public_reports_q())
    for one, other in PAIRS:
        stems = (parse_query(one).terms, parse_query(other).terms)
        for asked, written in ((one, other), (other, one)):
            # Public reports whose title or text has ``written`` and not ``asked``.
            only = list(
                public.filter(public_title="", public_body="")
                .extra(
                    where=[
                        "(title || ' ' || body) ~* %s",
                        "NOT ((title || ' ' || body) ~* %s)",
                    ],
                    params=[rf"\m{written}\M", rf"\m{asked}\M"],
                )
                .values_list("pk", flat=True)[:SAMPLE]
            )
            hits = (
                search_reports(user=visitor, q=asked, order=None)
                .filter(pk__in=only)
                .values_list("pk", flat=True)
            )
            hit_count = len(list(hits))
            print(
                f"  '{asked}' (stem {stems[0] if asked == one else stems[1]}) finds "
                f"'{written}'-only reports: {hit_count}/{len(only)}",
                flush=True,
            )

    pages: dict[str, dict[str, dict]] = {}

    def feed_page(user, words: str) -> tuple[int, int]:
        reports = report_list(user=user, filters=FeedFilters())
        found = search_reports(user=user, q=words, within=reports, order="rank")
        page = CappedPaginator(found, settings.ADUAN_PAGE_SIZE).get_page(1)
        rows = search_highlight(user=user, q=words, reports=page.object_list)
        reader = "visitor" if user is visitor else "national admin"
        ids = [row.pk for row in rows]
        pages.setdefault(words, {})[reader] = {"count": page.paginator.count, "ids": ids}
        return page.paginator.count, len(rows)

    print(f"\n{'query':<36} {'visitor: found':>15} {'admin: found':>13}  (count capped)")
    timings: dict[str, list[float]] = {name: [] for name in readers}
    per_query: dict[str, dict[str, float]] = {}
    for words in QUERIES[: args.queries]:
        found = {}
        for name, user in readers.items():
            found[name] = feed_page(user, words)[0]  # warm-up
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                feed_page(user, words)
                runs.append((time.perf_counter() - start) * 1000)
            timings[name] += runs
            per_query.setdefault(words, {})[name] = statistics.median(runs)
        print(
            f"{words:<36} {found['visitor']:>15,} {found['national admin']:>13,}"
            f"   median ms {per_query[words]['visitor']:.1f} / "
            f"{per_query[words]['national admin']:.1f}",
            flush=True,
        )
    print()
    for name, runs in timings.items():
        print(
            f"{name:<15} p50 {percentile(runs, 0.5):7.1f} ms   p95 {percentile(runs, 0.95):7.1f} ms"
            f"   max {max(runs):7.1f} ms   ({len(runs)} runs)"
        )
    json_write(
        args.json,
        {
            f"search_{name.replace(' ', '_')}": {
                "queries": len(per_query),
                "runs": len(runs),
                "p50_ms": percentile(runs, 0.5),
                "p95_ms": percentile(runs, 0.95),
                "max_ms": max(runs),
            }
            for name, runs in timings.items()
        },
    )
    slowest = sorted(per_query.items(), key=lambda item: -item[1]["visitor"])[:3]
    print("slowest (visitor median):", ", ".join(f"{q} {t['visitor']:.0f} ms" for q, t in slowest))
    if args.ids:
        args.ids.write_text(json.dumps(pages, indent=1) + "\n")
    if args.compare:
        compare(json.loads(args.compare.read_text()), pages)


def compare(before: dict, after: dict) -> None:
    """Page 1 of each query and reader against an earlier run's: the same ids in the same
    order, the same set in another order, or how many of the 20 differ."""
    print("\nPage 1 against", "the earlier run:")
    for words, readers in after.items():
        for reader, now in readers.items():
            then = before.get(words, {}).get(reader)
            if then is None:
                print(f"  {words!r} {reader}: not in the earlier run")
                continue
            if then == now:
                verdict = "same ids, same order, same count"
            elif then["ids"] == now["ids"]:
                verdict = f"same ids, same order; count {then['count']} -> {now['count']}"
            elif set(then["ids"]) == set(now["ids"]):
                verdict = "same ids, another order"
            else:
                gone = [pk for pk in then["ids"] if pk not in now["ids"]]
                verdict = f"{len(gone)} of {len(then['ids'])} ids differ"
            print(f"  {words!r} {reader}: {verdict}")


if __name__ == "__main__":
    main()
