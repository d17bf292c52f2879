"""``manage.py evaluate_router --train TRAIN.jsonl --test TEST.jsonl``: train the router on
one file and score the other through the product's own code. The last line printed is
one JSON object (n, agencies, top1, top3, classification_accuracy, classification_macro_f1)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aduan.triage.router import Example, Router

MIN_TRAINING = 5  # an agency is scored only with this many training examples


def read_examples(path: Path) -> list[Example]:
    """One JSON object a line: title, body, agency (or null), classification (or null),
    and optionally signals and not_agencies (lists of strings)."""
    examples = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(
                Example(
                    title=str(row.get("title") or ""),
                    body=str(row.get("body") or ""),
                    agency=row.get("agency") or None,
                    classification=row.get("classification") or None,
                    signals=_strings(row, "signals", path, number),
                    not_agencies=_strings(row, "not_agencies", path, number),
                )
            )
        except (json.JSONDecodeError, AttributeError) as exc:
            raise CommandError(f"{path}:{number}: not a JSON object ({exc})") from exc
    return examples


def _strings(row: dict, key: str, path: Path, number: int) -> tuple[str, ...]:
    value = row.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CommandError(f"{path}:{number}: {key} must be a list of strings")
    return tuple(value)


def macro_f1(truth: list[str], guessed: list[str]) -> float:
    labels = sorted(set(truth))
    scores = []
    for label in labels:
        tp = sum(t == g == label for t, g in zip(truth, guessed, strict=True))
        fp = sum(g == label and t != label for t, g in zip(truth, guessed, strict=True))
        fn = sum(t == label and g != label for t, g in zip(truth, guessed, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0)
    return sum(scores) / len(scores) if scores else 0.0


def score(router: Router, training: list[Example], testing: list[Example]) -> dict:
    """The issue's figures for ``router`` (trained on ``training``) on ``testing``: routing
    only for agencies with ``MIN_TRAINING`` training examples."""
    counts = Counter(e.agency for e in training if e.agency)
    routed = [e for e in testing if e.agency and counts[e.agency] >= MIN_TRAINING]
    kinds = [e for e in testing if e.classification]
    suggestions = router.suggest_many([(e.title, e.body, e.signals) for e in routed])
    ranked = [[name for name, _p in s.agencies] for s in suggestions]
    top1 = sum(r[:1] == [e.agency] for r, e in zip(ranked, routed, strict=True))
    top3 = sum(e.agency in r[:3] for r, e in zip(ranked, routed, strict=True))
    guessed = [
        s.classification[0] if s.classification else ""
        for s in router.suggest_many([(e.title, e.body, e.signals) for e in kinds])
    ]
    truth = [e.classification for e in kinds]
    return {
        "n": len(routed),
        "agencies": len({e.agency for e in routed}),
        "top1": round(top1 / len(routed), 4) if routed else None,
        "top3": round(top3 / len(routed), 4) if routed else None,
        "classification_accuracy": round(
            sum(t == g for t, g in zip(truth, guessed, strict=True)) / len(kinds), 4
        )
        if kinds
        else None,
        "classification_macro_f1": round(macro_f1(truth, guessed), 4) if kinds else None,
    }


class Command(BaseCommand):
    help = "Train the router on one JSONL file and score it on another."

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, type=Path)
        parser.add_argument("--test", required=True, type=Path)

    def handle(self, *args, train: Path, test: Path, **options):
        training, testing = read_examples(train), read_examples(test)
        if not training or not testing:
            raise CommandError("Both files need at least one report.")
        started = time.perf_counter()
        with tqdm(unit="model", file=self.stderr._out, disable=None) as bar:
            router = Router().fit(training, progress=lambda _step: bar.update(1))
        trained_in = time.perf_counter() - started
        self.stderr.write(f"trained on {len(training)} reports in {trained_in:.1f} s")
        result = score(router, training, testing)
        self.stdout.write(json.dumps(result))
