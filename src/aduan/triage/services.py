"""Triage's writes: training a router from the history, assessing the reports that wait
for the desk, and writing down what the desk chose."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from aduan.agencies.models import Agency
from aduan.categories.models import Category
from aduan.programmes.models import Programme
from aduan.reports.models import Report, Status
from aduan.workflow.selectors import QUEUE_STATUSES

from .evaluation import routing_scores, split_held_out
from .features import agency_label, report_text
from .models import Assessment, RouterModel
from .priority import priority_flags
from .router import Router
from .store import router_current, router_store
from .training import history_examples

Progress = Callable[[str], None]


def router_train(
    *, limit: int, progress: Progress | None = None, now: dt.datetime | None = None
) -> RouterModel | None:
    """Train a new version from the newest ``limit`` disposed reports and keep it, with
    its figures on a held-out tenth (trained without it first); None when the history
    does not yet name two agencies."""
    step = progress or (lambda _name: None)
    examples = list(history_examples(limit=limit))
    step("history")
    routed = {e.agency for e in examples if e.agency}
    if len(routed) < 2:
        return None
    training, held_out = split_held_out(examples)
    metrics = routing_scores(Router().fit(training, progress=step), training, held_out)
    stamp = (now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    router = Router(version=f"{stamp}-{secrets.token_hex(2)}").fit(examples, progress=step)
    return router_store(
        router=router, examples=len(examples), agencies=len(routed), metrics=metrics
    )


def _excluded(reports: Sequence[Report]) -> dict[int, set[str]]:
    """Per returned report, the agencies that already had it: not suggested again."""
    returned = [r.pk for r in reports if r.status == Status.RETURNED]
    excluded: dict[int, set[str]] = {r.pk: set() for r in reports}
    for report in reports:
        if report.status == Status.RETURNED and report.disposed_agency_id:
            excluded[report.pk].add(agency_label(report.disposed_agency_id))
    for report_id, agency_id in Assessment.objects.filter(
        report_id__in=returned, chosen_agency__isnull=False
    ).values_list("report_id", "chosen_agency_id"):
        excluded[report_id].add(agency_label(agency_id))
    return excluded


def _as_id(label: str) -> int | None:
    return int(label) if label.isdigit() else None


def _known(model, labels: set[str]) -> dict:
    """The active rows of ``model`` whose ids are among ``labels`` (a label is an id)."""
    ids = [i for i in map(_as_id, labels) if i is not None]
    return model.objects.filter(pk__in=ids, is_active=True).in_bulk() if ids else {}


def _assessed(reports: Sequence[Report], router: Router | None) -> list[Assessment]:
    """A round for each report, not saved: ``router``'s suggestions (agencies that are
    gone or inactive left out) and the priority flags."""
    suggestions = [None] * len(reports)
    if router is not None:
        excluded = _excluded(reports)
        suggestions = router.suggest_many(
            [report_text(r) for r in reports], exclude=[excluded[r.pk] for r in reports]
        )
    agencies = _known(Agency, {label for s in suggestions if s for label, _p in s.agencies})
    categories = _known(Category, {s.category[0] for s in suggestions if s and s.category})
    programmes = _known(Programme, {s.programme[0] for s in suggestions if s and s.programme})
    now = timezone.now()
    rows = []
    for report, suggestion in zip(reports, suggestions, strict=True):
        flags = priority_flags(report.title, report.body)
        row = Assessment(report=report, created_at=now, priority=flags, flagged=bool(flags))
        if suggestion is not None:
            row.model_version = suggestion.version
            row.agencies = [
                [_as_id(label), round(confidence, 4)]
                for label, confidence in suggestion.agencies
                if _as_id(label) in agencies
            ]
            if suggestion.classification:
                row.classification, confidence = suggestion.classification
                row.classification_confidence = round(confidence, 4)
            if suggestion.category:
                row.category = categories.get(_as_id(suggestion.category[0]))
            if suggestion.programme:
                row.programme = programmes.get(_as_id(suggestion.programme[0]))
        rows.append(row)
    return rows


def reports_assess(reports: Sequence[Report], router: Router | None) -> dict[int, Assessment]:
    """Open a routing round for each report with ``router`` (None: no model yet), written
    in one insert."""
    rows = _assessed(list(reports), router) if reports else []
    Assessment.objects.bulk_create(rows)
    return {row.report_id: row for row in rows}


_SUGGESTED = (
    "model_version",
    "agencies",
    "classification",
    "classification_confidence",
    "category",
    "programme",
)


def _fill_without_model(rows: list[Assessment], reports: Sequence[Report], router: Router) -> None:
    """Open rounds made before any model existed have nothing to keep: once there is one,
    they get its suggestions (their flags stay as shown)."""
    by_id = {r.pk: r for r in reports}
    fresh = _assessed([by_id[row.report_id] for row in rows], router)
    for row, new in zip(rows, fresh, strict=True):
        for name in _SUGGESTED:
            setattr(row, name, getattr(new, name))
    Assessment.objects.bulk_update(rows, _SUGGESTED)


def assessments_open(reports: Sequence[Report]) -> dict[int, Assessment]:
    """The open round of each report waiting for the desk (the newest undecided one),
    assessed now for those without one; for a report past the desk, its last round, if
    any. One query when all have theirs."""
    found: dict[int, Assessment] = {}
    waiting = {r.pk for r in reports if r.status in QUEUE_STATUSES}
    for row in (
        Assessment.objects.filter(report__in=[r.pk for r in reports])
        .select_related("category", "programme")
        .order_by("report_id", "id")
    ):
        if row.decided_at is None or row.report_id not in waiting:
            found[row.report_id] = row  # the newest wins
    without_model = [
        row
        for pk, row in found.items()
        if pk in waiting and row.decided_at is None and not row.model_version
    ]
    missing = [r for r in reports if r.pk in waiting and r.pk not in found]
    router = router_current() if without_model or missing else None
    if without_model and router is not None:
        _fill_without_model(without_model, reports, router)
    if missing:
        found.update(reports_assess(missing, router))
    return found


def waiting_assess(*, batch: int) -> int:
    """Assess up to ``batch`` reports waiting for the desk without an open round (their
    task was lost, or they came before triage), the earliest deadline first; how many.

    In the queue's deadline order, so that PostgreSQL walks the queue's partial index
    (``report_queue_due``) instead of every report's primary key."""
    open_round = Assessment.objects.filter(report=OuterRef("pk"), decided_at__isnull=True)
    waiting = list(
        Report.objects.filter(status__in=QUEUE_STATUSES)
        .exclude(Exists(open_round))
        .order_by("due_at", "id")[:batch]
    )
    reports_assess(waiting, router_current() if waiting else None)
    return len(waiting)


def assessment_decide(*, report: Report, agency_id: int, at: dt.datetime) -> None:
    """The desk disposed ``report`` to ``agency_id``: close its open round with the choice
    and where it stood among the suggestions."""
    with transaction.atomic():
        for row in Assessment.objects.select_for_update().filter(
            report=report, decided_at__isnull=True
        ):
            ranked = row.agency_ids
            row.chosen_agency_id = agency_id
            row.decided_at = at
            row.chosen_rank = (
                (ranked.index(agency_id) + 1 if agency_id in ranked else 0) if ranked else None
            )
            row.save(update_fields=["chosen_agency", "decided_at", "chosen_rank"])
