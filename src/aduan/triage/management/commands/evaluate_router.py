"""``manage.py evaluate_router --train TRAIN.jsonl --test TEST.jsonl``: train the router on
one file and score the other through the product's own code. The last line printed is
one JSON object (n, agencies, top1, top3, classification_accuracy, classification_macro_f1)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aduan.triage.evaluation import routing_scores
from aduan.triage.router import Example, Router


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
        result = routing_scores(router, training, testing)
        self.stdout.write(json.dumps(result))
