"""Triage hears the report's events: a report that reaches the desk (submitted, or sent
back by an agency) is assessed after the commit, on a worker; a disposition closes the
open round with the desk's choice, in the disposing transaction."""

from __future__ import annotations

from django.db import transaction

from aduan.reports.models import EventAction, Report, ReportEvent, Status
from aduan.workflow.listeners import ReportListener, ReportNews


class TriageListener(ReportListener):
    name = "triage"

    def hear(self, news: ReportNews) -> None:
        """Notices are not events: triage follows ``recorded``."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:
        from .services import assessment_decide
        from .tasks import reports_assess_task

        if event.action == EventAction.DISPOSED and event.target_agency_id:
            assessment_decide(report=report, agency_id=event.target_agency_id, at=event.created_at)
        elif event.action == EventAction.SUBMITTED or event.to_status == Status.RETURNED:
            report_id = report.pk
            transaction.on_commit(lambda: reports_assess_task.enqueue([report_id]))
