"""Triage's reads: the agencies the desk is offered for a report, best first, and the
deployment's own accuracy (how often the desk chose the first or one of the three)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from aduan.agencies.models import Agency
from aduan.reports.models import Report

from .models import Assessment, RouterModel
from .services import assessments_open

# The model's guesses under this share are not offered: a one-click button on a 3% guess
# invites a wrong disposition.
MIN_CONFIDENCE = 0.05


class SuggestionSource(StrEnum):
    RETURN = "return"  # the agency that sent the report back named another
    MODEL = "model"  # the router, from the text and the signals
    REPORTER = "reporter"  # the reporter's own choice on the form


@dataclass(frozen=True)
class AgencyOption:
    agency: Agency
    source: SuggestionSource
    confidence: float | None = None  # the model's, for its options
    chosen_by_reporter: bool = False


@dataclass(frozen=True)
class Triage:
    assessment: Assessment | None
    options: list[AgencyOption]  # the first is the one-click disposition

    @property
    def first(self) -> AgencyOption | None:
        return self.options[0] if self.options else None


def _options(report: Report, assessment: Assessment | None, agencies: dict[int, Agency]):
    """An agency's suggestion on return first (someone read the report), then the model's
    three, then the reporter's choice if the model had none; each agency once."""
    options: list[AgencyOption] = []
    seen: set[int] = set()

    def add(agency_id: int | None, source: str, confidence: float | None = None) -> None:
        agency = agencies.get(agency_id) if agency_id else None
        if agency is None or agency.pk in seen:
            return
        seen.add(agency.pk)
        chose = agency.pk == report.requested_agency_id
        options.append(AgencyOption(agency, source, confidence, chosen_by_reporter=chose))

    add(report.suggested_agency_id, SuggestionSource.RETURN)
    for agency_id, confidence in assessment.agencies if assessment else []:
        if confidence >= MIN_CONFIDENCE:
            add(int(agency_id), SuggestionSource.MODEL, float(confidence))
    add(report.requested_agency_id, SuggestionSource.REPORTER)
    return options


def reports_triage(reports: Sequence[Report]) -> dict[int, Triage]:
    """Each report's triage, for a page of the queue: the open rounds in one query
    (assessing those without one) and their agencies in one more."""
    reports = list(reports)
    assessments = assessments_open(reports)
    # The queue's rows come with their return's and reporter's agencies joined.
    agencies: dict[int, Agency] = {}
    for report in reports:
        for field in ("suggested_agency", "requested_agency"):
            if getattr(report, f"{field}_id") and report._state.fields_cache.get(field):
                agency = getattr(report, field)
                if agency.is_active:
                    agencies[agency.pk] = agency
    wanted = {a for r in reports for a in (r.suggested_agency_id, r.requested_agency_id) if a}
    wanted |= {a for row in assessments.values() for a in row.agency_ids}
    wanted -= agencies.keys()
    if wanted:
        agencies |= Agency.objects.filter(pk__in=wanted, is_active=True).in_bulk()
    return {
        r.pk: Triage(assessments.get(r.pk), _options(r, assessments.get(r.pk), agencies))
        for r in reports
    }


def report_triage(report: Report) -> Triage:
    """One report's triage (its page, its disposition form): read once per report object,
    as the page and its form both ask."""
    found = getattr(report, "_triage", None)
    if found is None:
        found = report._triage = reports_triage([report])[report.pk]
    return found


def flagged_first(reports: QuerySet[Report]) -> QuerySet[Report]:
    """``reports`` with those whose open round carries a priority flag first, each part
    in deadline order."""
    flagged = Exists(
        Assessment.objects.filter(report=OuterRef("pk"), decided_at__isnull=True, flagged=True)
    )
    return reports.alias(flagged=flagged).order_by(
        F("flagged").desc(), F("due_at").asc(nulls_last=True), "id"
    )


@dataclass(frozen=True)
class Accuracy:
    label: object  # a month (date) or an agency
    decided: int
    with_suggestion: int
    first: int
    top3: int
    returned: int  # sent back by the agency chosen (a later round of the same report)

    @property
    def top1_share(self) -> float | None:
        return self.first / self.with_suggestion if self.with_suggestion else None

    @property
    def top3_share(self) -> float | None:
        return self.top3 / self.with_suggestion if self.with_suggestion else None


_LATER_ROUND = Exists(Assessment.objects.filter(report=OuterRef("report"), pk__gt=OuterRef("pk")))
_FIGURES = {
    "decided": Count("id"),
    "returned": Count("id", filter=Q(_LATER_ROUND)),
    "with_suggestion": Count("id", filter=Q(chosen_rank__isnull=False)),
    "first": Count("id", filter=Q(chosen_rank=1)),
    "top3": Count("id", filter=Q(chosen_rank__gte=1, chosen_rank__lte=3)),
}


def _decided_since(since: dt.datetime) -> QuerySet[Assessment]:
    return Assessment.objects.filter(decided_at__gte=since)


def accuracy_by_month(*, since: dt.datetime) -> list[Accuracy]:
    """Per month of decision, how the desk's choices stood among the suggestions."""
    rows = (
        _decided_since(since)
        .annotate(month=TruncMonth("decided_at"))
        .values("month")
        .annotate(**_FIGURES)
        .order_by("-month")
    )
    return [Accuracy(label=row.pop("month"), **row) for row in rows]


def accuracy_by_agency(*, since: dt.datetime, limit: int = 50) -> list[Accuracy]:
    """The agencies the desk chose most since ``since``, each with its figures."""
    rows = list(
        _decided_since(since)
        .filter(chosen_agency__isnull=False)
        .values("chosen_agency")
        .annotate(**_FIGURES)
        .order_by("-decided", "chosen_agency")[:limit]
    )
    agencies = Agency.objects.in_bulk([row["chosen_agency"] for row in rows])
    return [Accuracy(label=agencies.get(row.pop("chosen_agency")), **row) for row in rows]


def router_models(*, limit: int = 10) -> list[RouterModel]:
    return list(RouterModel.objects.all()[:limit])
