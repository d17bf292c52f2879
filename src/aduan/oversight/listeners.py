"""The roll-ups listen to the workflow: after each counted event the report is counted
again, inside the action's transaction (registered from ``OversightConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Sequence

from aduan.reports.history import COUNTED_ACTIONS
from aduan.reports.models import EventAction, Report, ReportEvent
from aduan.workflow.listeners import ReportListener, ReportNews

from .rollup import report_recount, reports_recount


class RollupListener(ReportListener):
    name = "oversight_rollups"

    def hear(self, news: ReportNews) -> None:
        """Notices are not events: the figures follow ``recorded``."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:
        if event.action in COUNTED_ACTIONS:
            first = event.action == EventAction.SUBMITTED and event.seq == 1
            report_recount(report, first_event=event if first else None)

    def recorded_all(self, records: Sequence[tuple[Report, ReportEvent]]) -> None:
        """The sweep's batch: each report with a counted event recounted once, together."""
        recount = {}
        for report, event in records:
            if event.action not in COUNTED_ACTIONS:
                continue
            if event.action == EventAction.SUBMITTED and event.seq == 1:
                self.recorded(report=report, event=event)
            else:
                recount[report.pk] = report
        reports_recount(list(recount.values()))

    def touched(self, *, report: Report) -> None:
        """A support given or taken back: the report is not locked, so it is read again
        once its snapshot row is."""
        report_recount(report, reload=True)
