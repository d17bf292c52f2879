"""Triage hears the report's events, in the announcing transaction:

- a report that reaches the desk (submitted, or sent back by an agency) is assessed
  after the commit, on a worker; a disposition closes the open round with the desk's
  choice;
- the duplicate fingerprints follow the text: written after the commit of a new text
  or a reopening, dropped with the event that closes, archives or merges the report.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from aduan.reports.models import OPEN_STATUSES, EventAction, Report, ReportEvent, Status
from aduan.workflow.listeners import ReportListener, ReportNews

from .duplicates import fingerprint_drop, is_fingerprinted
from .services import assessment_decide

# The text compared changes, or the report is open again.
_REWRITE = frozenset({EventAction.SUBMITTED, EventAction.REDACTED, EventAction.REOPENED})


def _assess(report_id: int) -> None:
    from .tasks import reports_assess_task

    reports_assess_task.enqueue([report_id])


def _fingerprint(report_id: int) -> None:
    from .tasks import fingerprint_report

    fingerprint_report.enqueue(report_id=report_id)


def _intake(report_id: int) -> None:
    from .tasks import report_intake_task

    report_intake_task.enqueue(report_id=report_id)


class TriageListener(ReportListener):
    name = "triage"

    def hear(self, news: ReportNews) -> None:
        """Notices are not events: triage follows ``recorded``."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:
        assess = fingerprint = False
        if event.action == EventAction.DISPOSED and event.target_agency_id:
            assessment_decide(report=report, agency_id=event.target_agency_id, at=event.created_at)
        elif event.action == EventAction.SUBMITTED or event.to_status == Status.RETURNED:
            assess = True
        if not is_fingerprinted(report):
            if event.from_status in OPEN_STATUSES:
                # Just closed, archived or merged: nobody's original any more.
                fingerprint_drop([report.pk])
        elif event.action in _REWRITE:
            fingerprint = True
        # Both for a submission: one task, so one queue row per new report.
        work = _intake if assess and fingerprint else _assess if assess else _fingerprint
        if assess or fingerprint:
            transaction.on_commit(partial(work, report.pk), robust=True)
