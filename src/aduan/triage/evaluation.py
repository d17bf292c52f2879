"""Scoring a router on reports it was not trained on: the figures of ``manage.py
evaluate_router`` and of each nightly model (``RouterModel.metrics``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .router import Example, Router

MIN_TRAINING = 5  # an agency is scored only with this many training examples
HELD_OUT_EVERY = 10  # the nightly model is scored on one example in ten first


def split_held_out(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out): every ``HELD_OUT_EVERY``-th example held out, the same each run."""
    training, held = [], []
    for index, example in enumerate(examples):
        (held if index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else training).append(example)
    return training, held


def macro_f1(truth: Sequence[str], guessed: Sequence[str]) -> float:
    """The mean over the true labels of each label's F1."""
    scores = []
    for label in sorted(set(truth)):
        pairs = list(zip(truth, guessed, strict=True))
        tp = sum(t == g == label for t, g in pairs)
        fp = sum(g == label != t for t, g in pairs)
        fn = sum(t == label != g for t, g in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0)
    return sum(scores) / len(scores) if scores else 0.0


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def routing_scores(
    router: Router, training: Sequence[Example], testing: Sequence[Example]
) -> dict[str, object]:
    """n, agencies, top1, top3 (routing, scored only on agencies with ``MIN_TRAINING``
    training examples), classification_accuracy and classification_macro_f1."""
    counts = Counter(e.agency for e in training if e.agency)
    routed = [e for e in testing if e.agency and counts[e.agency] >= MIN_TRAINING]
    kinds = [e for e in testing if e.classification]
    suggestions = router.suggest_many([(e.title, e.body, e.signals) for e in routed])
    ranked = [[name for name, _p in s.agencies] for s in suggestions]
    pairs = list(zip(ranked, routed, strict=True))
    guessed = [
        s.classification[0] if s.classification else ""
        for s in router.suggest_many([(e.title, e.body, e.signals) for e in kinds])
    ]
    truth = [e.classification or "" for e in kinds]
    return {
        "n": len(routed),
        "agencies": len({e.agency for e in routed}),
        "top1": _share(sum(r[:1] == [e.agency] for r, e in pairs), len(routed)),
        "top3": _share(sum(e.agency in r[:3] for r, e in pairs), len(routed)),
        "classification_accuracy": _share(
            sum(t == g for t, g in zip(truth, guessed, strict=True)), len(kinds)
        ),
        "classification_macro_f1": round(macro_f1(truth, guessed), 4) if kinds else None,
    }
