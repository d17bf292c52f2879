#!/usr/bin/env python
"""Run the priority flags over the shared LAPOR! 2017 file: how many reports each flag
catches, how long one report takes, and samples to read by hand.

    .venv/bin/python bench/priority.py --data ../shared/data/lapor-2017/reports.jsonl
    .venv/bin/python bench/priority.py --show 30     # 30 flagged and 30 unflagged to read

Needs no database (the rules read the text and the regions' own files). Timing: each
report is flagged ``--repeat`` times after a warm-up and its fastest run kept (the
machine is shared); then a report of the longest text a report may hold (4,000
characters). Samples are printed, never written anywhere: the reports stay in the
shared folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data/lapor-2017/reports.jsonl")
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--show", type=int, default=0, help="print N flagged and N unflagged")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.config.settings.base")
    import django

    django.setup()
    from aduan.reports.models import BODY_MAX
    from aduan.triage.priority import FLAGS, priority_flags

    reports = [
        json.loads(line)
        for line in args.data.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts = [(r.get("title") or "", r.get("body") or "") for r in reports]
    start = time.perf_counter()
    priority_flags("", "")  # nothing to load
    priority_flags("Camat Budi", "Camat Budi")  # the place names, once
    print(f"first call (reads the place names): {(time.perf_counter() - start) * 1000:.0f} ms")

    found = [priority_flags(title, body) for title, body in texts]
    times = []
    for title, body in texts:
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            priority_flags(title, body)
            best = min(best, time.perf_counter() - t0)
        times.append(best * 1000)
    times.sort()
    counts = Counter(flag for flags in found for flag in flags)
    flagged = sum(1 for flags in found if flags)
    print(
        f"{len(reports)} reports, {flagged} with at least one flag ({flagged / len(reports):.1%})"
    )
    for flag in FLAGS:
        print(f"  {flag:<10} {counts[flag]:>4}  ({counts[flag] / len(reports):.1%})")
    lengths = sorted(len(title) + len(body) for title, body in texts)
    print(
        f"per report (ms, fastest of {args.repeat}): p50 {statistics.median(times):.3f}, "
        f"p99 {times[int(len(times) * 0.99)]:.3f}, max {times[-1]:.3f}; "
        f"under 1 ms: {sum(t < 1 for t in times) / len(times):.1%}; "
        f"text p50 {statistics.median(lengths)} chars, max {lengths[-1]}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    sentence = "Jalan di depan sekolah rusak parah sejak tiga bulan lalu dan belum diperbaiki. "
    longest = (sentence * (BODY_MAX // len(sentence) + 1))[:BODY_MAX]
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        priority_flags("Jalan rusak", longest)
        best = min(best, time.perf_counter() - t0)
    print(f"a {BODY_MAX}-character report: {best * 1000:.3f} ms")

    if args.show:
        rng = random.Random(args.seed)
        with_flags = [(r, f) for r, f in zip(reports, found, strict=True) if f]
        without = [(r, f) for r, f in zip(reports, found, strict=True) if not f]
        for name, pool in (("flagged", with_flags), ("unflagged", without)):
            print(f"\n--- {name} (sample of {min(args.show, len(pool))}) ---")
            for report, flags in rng.sample(pool, min(args.show, len(pool))):
                text = " ".join(f"{report['title']} | {report['body']}".split())
                print(f"{report['id']} {','.join(flags) or '-'}: {text[:300]}")


if __name__ == "__main__":
    main()
