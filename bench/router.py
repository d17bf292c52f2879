#!/usr/bin/env python
"""Score the router on a held-out split of the shared LAPOR! 2017 file, and time it.

    .venv/bin/python bench/router.py --data ../shared/data/lapor-2017/reports.jsonl

Splits the file by a hash of each report's id (one in five held out, the same split on
every run), writes the two halves to a temporary folder, runs ``manage.py
evaluate_router`` on them (its JSON line is printed), cross-validates on the training
half alone (``--folds``, the held-out half untouched), then trains the router once more
and times one suggestion at a time for every held-out report on one core (p50/p99), with
the trained model's dumped size and the process's peak resident size. It also prints the
held-out top-1 when agencies that differ only by their place or branch ("BPJS Kesehatan
KC Sampit" / "KC Padang") count as one: what the text alone cannot tell. Needs a database
with the regions loaded (place names are signals); nothing is written to it.

``--scale N --labels L`` measures instead what the nightly training costs at a national
deployment's size: N examples drawn from the file (words dropped at random, a region
signal each) spread over about L agencies (each of the file's agencies split into
branches), then the training time, the model's size, the suggestion time and the peak
resident size. The labels are random within an agency, so its accuracy means nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data/lapor-2017/reports.jsonl")
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    parser.add_argument("--scale", type=int, default=0, help="examples for a size run (0: none)")
    parser.add_argument("--labels", type=int, default=600, help="agencies of the size run")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
    django_setup()
    if args.scale:
        scale_run(args.data, examples=args.scale, labels=args.labels)
        return
    from django.core.management import call_command

    from aduan.triage.management.commands.evaluate_router import read_examples
    from aduan.triage.router import Router

    lines = [line for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        train, test = Path(folder, "train.jsonl"), Path(folder, "test.jsonl")
        held = [
            int(hashlib.sha256(json.loads(line)["id"].encode()).hexdigest(), 16) % 5 == 0
            for line in lines
        ]
        train.write_text(
            "\n".join(line for line, h in zip(lines, held, strict=True) if not h) + "\n"
        )
        test.write_text("\n".join(line for line, h in zip(lines, held, strict=True) if h) + "\n")
        print(f"{len(lines)} reports: {held.count(False)} to train, {held.count(True)} held out")
        out = io.StringIO()
        call_command("evaluate_router", "--train", train, "--test", test, stdout=out)
        print("evaluate_router:", out.getvalue().strip().splitlines()[-1])
        training, testing = read_examples(train), read_examples(test)
    if args.folds > 1:
        cross_validate(training, args.folds)
    started = time.perf_counter()
    router = Router(version="bench").fit(training)
    print(f"training: {time.perf_counter() - started:.1f} s")
    print(
        f"model: pickled {len(pickle.dumps(router)) / 1e6:.1f} MB, "
        f"dumped (compressed) {len(router.dumps()) / 1e6:.1f} MB"
    )
    place_blind(router, training, testing)
    router.suggest("warm", "up")
    runs = []
    for example in testing:
        start = time.perf_counter()
        router.suggest(example.title, example.body)
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    p99 = runs[min(len(runs) - 1, round(0.99 * (len(runs) - 1)))]
    print(
        f"one suggestion: p50 {statistics.median(runs):.1f} ms, p99 {p99:.1f} ms ({len(runs)} reports)"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def scale_run(data: Path, *, examples: int, labels: int) -> None:
    from aduan.triage.router import Example, Router

    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line]
    agencies = sorted({row["agency"] for row in rows if row["agency"]})
    branches = -(-labels // len(agencies))
    rng = random.Random(1)
    drawn = []
    for _n in range(examples):
        row = rng.choice(rows)
        words = [w for w in (row["body"] or "").split() if rng.random() > 0.15]
        agency = row["agency"] or rng.choice(agencies)
        drawn.append(
            Example(
                row["title"] or "",
                " ".join(words),
                f"{agency} #{rng.randrange(branches)}",
                row["classification"] or None,
                (f"region_{rng.randrange(10, 95)}",),
            )
        )
    started = time.perf_counter()
    router = Router(version="scale").fit(drawn)
    print(f"{examples} examples, {len(router.agency_labels)} agencies")
    print(f"training: {time.perf_counter() - started:.1f} s")
    print(
        f"model: pickled {len(pickle.dumps(router)) / 1e6:.1f} MB, "
        f"dumped (compressed) {len(router.dumps()) / 1e6:.1f} MB"
    )
    runs = []
    for example in drawn[:500]:
        start = time.perf_counter()
        router.suggest(example.title, example.body, example.signals)
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    p99 = runs[min(len(runs) - 1, round(0.99 * (len(runs) - 1)))]
    print(f"one suggestion: p50 {statistics.median(runs):.1f} ms, p99 {p99:.1f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def cross_validate(training, folds: int) -> None:
    """Each fold of the training half scored by a router trained on the other folds."""
    from aduan.triage.evaluation import routing_scores as score
    from aduan.triage.router import Router

    order = list(range(len(training)))
    random.Random(0).shuffle(order)
    results = []
    for fold in range(folds):
        held = set(order[fold::folds])
        train = [e for i, e in enumerate(training) if i not in held]
        test = [e for i, e in enumerate(training) if i in held]
        results.append(score(Router().fit(train), train, test))
        print(f"fold {fold + 1}/{folds}:", json.dumps(results[-1]))
    for key in ("top1", "top3", "classification_accuracy", "classification_macro_f1"):
        values = [r[key] for r in results]
        print(
            f"cross-validation {key}: {statistics.mean(values):.3f} "
            f"(sd {statistics.stdev(values):.3f}, {min(values):.3f}-{max(values):.3f})"
        )


_PLACE_OR_BRANCH = re.compile(r"\s+(?:KCU?|Kacab|Kota|Kabupaten|Kab\.|Provinsi)\b.*$")


def place_blind(router, training, testing) -> None:
    """Held-out top-1 with the place or branch taken off both names."""
    from collections import Counter

    from aduan.triage.evaluation import MIN_TRAINING

    counts = Counter(e.agency for e in training if e.agency)
    routed = [e for e in testing if e.agency and counts[e.agency] >= MIN_TRAINING]
    family = lambda name: _PLACE_OR_BRANCH.sub("", name)  # noqa: E731
    hits = sum(
        bool(s.agencies) and family(s.agencies[0][0]) == family(e.agency)
        for s, e in zip(
            router.suggest_many([(e.title, e.body, e.signals) for e in routed]), routed, strict=True
        )
    )
    print(f"held-out top-1 with place and branch ignored: {hits / len(routed):.3f}")


if __name__ == "__main__":
    main()
