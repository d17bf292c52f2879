"""``GET /api/v1/reports/{tracking_id}/triage``: what triage suggests for a report, for
the national desk and oversight (the agencies offered, best first, with their source and
confidence; the kind, category and programme; the priority flags; the model version)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from aduan.accounts.capabilities import sees_all_reports
from aduan.core.errors import PermissionDenied
from aduan.reports.selectors import report_get_for_user

from .duplicates import likely_originals
from .selectors import report_triage

router = Router(tags=["triage"])


class AgencyOptionOut(Schema):
    agency_id: int
    agency_name: str
    source: str  # "return", "model" or "reporter"
    confidence: float | None
    chosen_by_reporter: bool


class TriageOut(Schema):
    tracking_id: str
    model_version: str
    agencies: list[AgencyOptionOut]
    classification: str | None
    classification_confidence: float | None
    category_id: int | None
    programme_id: int | None
    priority: list[str]
    duplicate_of: str | None  # the tracking id of a likely original, for the desk's merge


@router.get(
    "/reports/{tracking_id}/triage",
    response=TriageOut,
    summary="Triage's suggestions for a report (national desk and oversight)",
    url_name="report_triage",
)
def report_triage_get(request: HttpRequest, tracking_id: str):
    """The agencies offered for the report (the first is the desk's one-click choice),
    and the suggested kind, category and programme with the priority flags and a likely
    original, as shown in the verification queue. 404 for a report the caller may not see, 403 for anyone but
    the national desk and oversight."""
    user = request.auth
    report = report_get_for_user(user=user, tracking_id=tracking_id)
    if not sees_all_reports(user):
        raise PermissionDenied
    triage = report_triage(report)
    assessment = triage.assessment
    original = likely_originals([report]).get(report.pk)
    return {
        "tracking_id": report.tracking_id,
        "model_version": assessment.model_version if assessment else "",
        "agencies": [
            {
                "agency_id": option.agency.pk,
                "agency_name": option.agency.name,
                "source": str(option.source),
                "confidence": option.confidence,
                "chosen_by_reporter": option.chosen_by_reporter,
            }
            for option in triage.options
        ],
        "classification": (assessment.classification or None) if assessment else None,
        "classification_confidence": assessment.classification_confidence if assessment else None,
        "category_id": assessment.category_id if assessment else None,
        "programme_id": assessment.programme_id if assessment else None,
        "priority": list(assessment.priority) if assessment else [],
        "duplicate_of": original.tracking_id if original else None,
    }
