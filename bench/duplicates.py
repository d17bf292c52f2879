#!/usr/bin/env python
"""Precision and recall of the near-duplicate detection on a set built from the shared
LAPOR! 2017 file, and the time of one lookup.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench_dups \\
        .venv/bin/python bench/duplicates.py --data ../shared/data/lapor-2017/reports.jsonl

The set (seeded, the same on every run): for each of ``--originals`` reports of an agency
with at least two reports, four reposts as positives: exact (case and spacing changed),
edited (15% of the words dropped, 10% misspelt, 5% added, slang abbreviations), paraphrased
(sentences reordered, synonyms and slang, a fifth of the words left out, a greeting
added) and shortened (the title and the first third of the text); and as negatives, up to three other reports of the same agency paired
with it. A pair is called a duplicate when the original is among the text's candidates
at the threshold.

Part 1 compares shingle choices by their exact Jaccard similarity (no LSH). Part 2 runs
the product: every report of the file (and ``--filler`` synthetic ones, sentences of
random reports of one agency put together) is stored as an open report in the database
given (migrated first; the script's rows are deleted at the start of the next run, or
kept with ``--reuse``),
fingerprinted by ``manage.py triage_fingerprint``, and each text of the set is looked up
with ``duplicate_candidates`` (the citizen form's path: text only, no place or agency, so
the context never helps), timed on one core.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup

BENCH_EMAIL = "bench-duplicates@example.invalid"
SYNONYMS = {
    "rusak": "hancur",
    "jalan": "jln",
    "tidak": "tdk",
    "yang": "yg",
    "sudah": "udah",
    "belum": "blm",
    "dengan": "dgn",
    "untuk": "utk",
    "karena": "krn",
    "sangat": "amat",
    "segera": "secepatnya",
    "masyarakat": "warga",
    "pelayanan": "layanan",
    "meminta": "minta",
    "mohon": "tolong",
    "bagaimana": "gmn",
    "kami": "kita",
    "saya": "aku",
    "banyak": "byk",
    "bisa": "bs",
    "lama": "lamban",
    "petugas": "pegawai",
    "sekarang": "skrg",
    "tersebut": "itu",
}
ADDED = ["tolong", "pak", "sekali", "lagi", "juga", "sampai sekarang", "hingga saat ini"]
GREETINGS = ["Selamat pagi.", "Yth. Bapak/Ibu,", "Assalamualaikum.", "Dengan hormat,"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # a letter missing
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two swapped
    return word[:i] + word[i] + word[i:]  # a letter doubled


def exact(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    return title.upper() if rng.random() < 0.5 else title.lower(), "  ".join(body.split())


def edited(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    words = []
    for word in body.split():
        roll = rng.random()
        if roll < 0.15:
            continue  # dropped
        if roll < 0.25:
            word = typo(word, rng)
        elif word.lower() in SYNONYMS and roll < 0.5:
            word = SYNONYMS[word.lower()]
        words.append(word)
        if rng.random() < 0.05:
            words.append(rng.choice(ADDED))
    return title, " ".join(words)


def paraphrased(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    sentences = _SENTENCE.split(body.strip())
    rng.shuffle(sentences)
    text = " ".join(sentences)
    text = " ".join(
        SYNONYMS.get(w.lower(), w) if rng.random() < 0.7 else w
        for w in text.split()
        if rng.random() >= 0.2  # a fifth of the words left out
    )
    title_words = title.split()
    rng.shuffle(title_words)
    return " ".join(title_words), f"{rng.choice(GREETINGS)} {text}"


def shortened(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    words = body.split()
    return title, " ".join(words[: max(10, len(words) // 3)])


VARIANTS = {"exact": exact, "edited": edited, "paraphrase": paraphrased, "shortened": shortened}


def build_set(rows: list[dict], originals: int, seed: int):
    """(queries, pairs): a query is (title, body); a pair is (query index, original
    index into ``rows``, kind) with kind "negative" for the other reports of its agency."""
    rng = random.Random(seed)
    by_agency: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_agency[row["agency"]].append(i)
    eligible = [i for i, row in enumerate(rows) if len(by_agency[row["agency"]]) >= 2]
    chosen = rng.sample(eligible, min(originals, len(eligible)))
    queries: list[tuple[str, str]] = []
    pairs: list[tuple[int, int, str]] = []
    for index in chosen:
        row = rows[index]
        for kind, make in VARIANTS.items():
            queries.append(make(row["title"], row["body"], rng))
            pairs.append((len(queries) - 1, index, kind))
        others = [i for i in by_agency[row["agency"]] if i != index]
        for other in rng.sample(others, min(3, len(others))):
            queries.append((rows[other]["title"], rows[other]["body"]))
            pairs.append((len(queries) - 1, index, "negative"))
    return queries, pairs


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def scores_table(pairs, similarity, thresholds) -> list[dict]:
    """P, R, F1 at each threshold; ``similarity[(query, original)]`` (absent: 0)."""
    table = []
    for t in thresholds:
        tp = fp = fn = 0
        for query, original, kind in pairs:
            called = similarity.get((query, original), 0.0) >= t
            if kind == "negative":
                fp += called
            else:
                tp += called
                fn += not called
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table.append({"t": t, "p": precision, "r": recall, "f1": f1, "fp": fp})
    return table


def recall_by_kind(pairs, similarity, t) -> dict[str, float]:
    found: dict[str, list[bool]] = defaultdict(list)
    for query, original, kind in pairs:
        found[kind].append(similarity.get((query, original), 0.0) >= t)
    return {kind: sum(v) / len(v) for kind, v in found.items()}


def part_shingles(rows, queries, pairs) -> None:
    from aduan.triage.text import tokens

    def words(text):
        return set(tokens(text))

    def bigrams(text):
        stems = tokens(text)
        return set(itertools.pairwise(stems)) | set(stems)

    def chars(n):
        def make(text):
            joined = " ".join(tokens(text))
            return {joined[i : i + n] for i in range(len(joined) - n + 1)}

        return make

    def both(text):
        return {f"w {w}" for w in words(text)} | chars(5)(text)

    schemes = {
        "stems": words,
        "stems + stem bigrams": bigrams,
        "char 4-grams": chars(4),
        "char 5-grams": chars(5),
        "stems + char 5-grams": both,
    }
    thresholds = [round(0.05 * i, 2) for i in range(1, 19)]
    print("\nPart 1: exact Jaccard by shingle choice (best F1 over thresholds)")
    print(f"{'shingles':24} {'t':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for name, make in schemes.items():
        cache_q = [make(f"{t}\n{b}") for t, b in queries]
        cache_o: dict[int, set] = {}
        similarity = {}
        for query, original, _kind in pairs:
            if original not in cache_o:
                row = rows[original]
                cache_o[original] = make(f"{row['title']}\n{row['body']}")
            similarity[(query, original)] = jaccard(cache_q[query], cache_o[original])
        best = max(scores_table(pairs, similarity, thresholds), key=lambda r: r["f1"])
        print(f"{name:24} {best['t']:5.2f} {best['p']:6.3f} {best['r']:6.3f} {best['f1']:6.3f}")


def part_bands(rows, queries, pairs) -> None:
    """Band shapes in memory: a pair is found when it shares one band, then judged by
    the Jaccard similarity of its shingles, as the product does."""
    import numpy as np

    from aduan.triage import duplicates as d

    seeds = np.random.default_rng(7).integers(0, 2**63, size=(64, 1), dtype=np.uint64)

    def minhash(found):
        base = np.fromiter((d._hash64(s) for s in found), dtype=np.uint64, count=len(found))
        return d._mix(base[np.newaxis, :] ^ seeds).min(axis=1)

    q_sh = [d.shingles(f"{t}\n{body}") for t, body in queries]
    o_sh = {o: d.shingles(f"{rows[o]['title']}\n{rows[o]['body']}") for _q, o, _k in pairs}
    q_mh, o_mh = [minhash(s) for s in q_sh], {o: minhash(s) for o, s in o_sh.items()}
    print("\nBand shapes (found by one shared band, judged by Jaccard at its best threshold)")
    print(f"{'bands x rows':>12} {'t':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for bands, width in ((16, 2), (20, 3), (24, 1), (24, 2), (32, 2)):
        similarity = {}
        for query, original, _kind in pairs:
            x, y = q_mh[query], o_mh[original]
            hit = any(
                np.array_equal(x[i * width : (i + 1) * width], y[i * width : (i + 1) * width])
                for i in range(bands)
            )
            if hit:
                similarity[(query, original)] = jaccard(q_sh[query], o_sh[original])
        thresholds = [round(0.05 * i, 2) for i in range(2, 14)]
        best = max(scores_table(pairs, similarity, thresholds), key=lambda r: r["f1"])
        shape = f"{bands} x {width}"
        print(f"{shape:>12} {best['t']:5.2f} {best['p']:6.3f} {best['r']:6.3f} {best['f1']:6.3f}")


def filler_rows(rows, count: int, seed: int) -> list[dict]:
    """Synthetic reports: the sentences of three random reports of one agency together."""
    rng = random.Random(seed + 1)
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_agency[row["agency"]].append(row)
    agencies = list(by_agency)
    made = []
    for _ in range(count):
        pool = by_agency[rng.choice(agencies)]
        sentences = [s for row in rng.choices(pool, k=3) for s in _SENTENCE.split(row["body"])]
        rng.shuffle(sentences)
        made.append({"title": rng.choice(pool)["title"], "body": " ".join(sentences[:6])})
    return made


def store(rows: list[dict]) -> list[int]:
    """The rows as open reports of one bench user (the previous run's deleted); their ids."""
    import datetime as dt

    from django.utils import timezone

    from aduan.accounts.models import User
    from aduan.core.text import storable
    from aduan.core.tracking import new_tracking_id
    from aduan.reports.models import Channel, Classification, Report, Status

    user = User.objects.filter(email=BENCH_EMAIL).first() or User.objects.create_user(
        email=BENCH_EMAIL, full_name="Bench duplicates"
    )
    Report.objects.filter(reporter=user).delete()
    start = timezone.now() - dt.timedelta(days=30)
    reports = [
        Report(
            tracking_id=new_tracking_id(),
            classification=Classification.COMPLAINT,
            title=storable(row["title"])[:150] or "(tanpa judul)",
            body=storable(row["body"])[:4000],
            channel=Channel.WEB,
            reporter=user,
            status=Status.DISPOSITIONED,
        )
        for row in rows
    ]
    created = Report.objects.bulk_create(reports, batch_size=2000)
    # The originals are from before the lookups (the form compares a draft with the past).
    Report.objects.filter(reporter=user).update(created_at=start)
    return [r.pk for r in created]


def stored_ids(count: int) -> list[int] | None:
    """The ids of the last run's reports, if it stored ``count`` of them."""
    from aduan.reports.models import Report

    ids = list(
        Report.objects.filter(reporter__email=BENCH_EMAIL)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return ids if len(ids) == count else None


def part_product(rows, queries, pairs, filler: int, seed: int, reuse: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from aduan.triage import duplicates
    from aduan.triage.models import Fingerprint

    stored = rows + filler_rows(rows, filler, seed)
    ids = stored_ids(len(stored)) if reuse else None
    if ids is None:
        started = time.perf_counter()
        ids = store(stored)
        spent = time.perf_counter() - started
        print(f"\nPart 2: the product; {len(stored)} open reports stored in {spent:.1f} s")
        started = time.perf_counter()
        call_command("triage_fingerprint", "--batch-size", "2000")
        spent = time.perf_counter() - started
        print(f"triage_fingerprint: {len(stored) / spent:.0f} reports/s")
    else:
        print(f"\nPart 2: the product; the {len(stored)} open reports of the last run")
    print(f"{Fingerprint.objects.count()} band rows")
    with connection.cursor() as cursor:
        for table in ("reports_report", "triage_fingerprint", "triage_signature"):
            cursor.execute(f"ANALYZE {table}")
    id_of = dict(enumerate(ids))
    similarity: dict[tuple[int, int], float] = {}
    top_is_original: list[bool] = []
    timings = []
    wanted = defaultdict(set)
    for query, original, _kind in pairs:
        wanted[query].add(original)
    original_of = {query: original for query, original, kind in pairs if kind != "negative"}
    for query, (title, body) in enumerate(queries):
        began = time.perf_counter()
        found = duplicates.duplicate_candidates(title=title, body=body, threshold=0.0)
        timings.append(time.perf_counter() - began)
        by_id = {c.report_id: c.score for c in found}
        for original in wanted[query]:
            similarity[(query, original)] = by_id.get(id_of[original], 0.0)
        if query in original_of:
            above = [c for c in found if c.score >= duplicates.THRESHOLD]
            top_is_original.append(bool(above) and above[0].report_id == id_of[original_of[query]])
    thresholds = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6]
    print(f"{'t':>5} {'P':>6} {'R':>6} {'F1':>6} {'FP':>4}")
    for line in scores_table(pairs, similarity, thresholds):
        mark = "  <- THRESHOLD" if line["t"] == duplicates.THRESHOLD else ""
        print(
            f"{line['t']:5.2f} {line['p']:6.3f} {line['r']:6.3f} {line['f1']:6.3f} "
            f"{line['fp']:4d}{mark}"
        )
    kinds = recall_by_kind(pairs, similarity, duplicates.THRESHOLD)
    print(
        "recall by kind at the threshold:", json.dumps({k: round(v, 3) for k, v in kinds.items()})
    )
    print(f"top candidate is the original: {sum(top_is_original) / len(top_is_original):.3f}")
    hits = [
        sum(duplicates._shared_bands({0: duplicates.Subject.of_text(f"{t}\n{b}")})[0].values())
        for t, b in queries[:500]
    ]
    print(f"band rows read a lookup: mean {statistics.mean(hits):.0f}, max {max(hits)}")
    timings.sort()
    print(
        f"lookup (signature + query): p50 {statistics.median(timings) * 1000:.2f} ms, "
        f"p99 {timings[int(len(timings) * 0.99)] * 1000:.2f} ms over {len(timings)} texts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data/lapor-2017/reports.jsonl")
    )
    parser.add_argument("--originals", type=int, default=300)
    parser.add_argument("--filler", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the last run's reports if they match"
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    django_setup()
    rows = []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("agency") and len(row.get("body") or "") >= 30:
                rows.append(
                    {"title": row.get("title") or "", "body": row["body"], "agency": row["agency"]}
                )
    queries, pairs = build_set(rows, args.originals, args.seed)
    kinds = defaultdict(int)
    for _q, _o, kind in pairs:
        kinds[kind] += 1
    print(f"{len(rows)} reports with an agency; set: {dict(kinds)}")
    part_shingles(rows, queries, pairs)
    part_bands(rows, queries, pairs)
    part_product(rows, queries, pairs, args.filler, args.seed, args.reuse)


if __name__ == "__main__":
    main()
