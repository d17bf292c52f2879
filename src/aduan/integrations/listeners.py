"""Agency webhooks listen to the workflow: the agency's own systems hear what its staff
hear, and of its deadlines' reminders. Registered from ``WebhooksConfig.ready()``; the
deliveries are written inside the workflow's transaction (``services.webhooks_emit``)."""

from __future__ import annotations

from collections.abc import Sequence

from aduan.workflow.listeners import Audience, NewsKind, ReportListener, ReportNews

from .services import (
    webhooks_emit,
    webhooks_emit_deadline_reminder,
    webhooks_emit_deadline_reminders,
)


class WebhooksListener(ReportListener):
    name = "webhooks"

    def hear(self, news: ReportNews) -> None:
        if news.audience == Audience.AGENCY:
            webhooks_emit(report=news.report, event=news.event, agency=news.agency, kind=news.kind)
        elif news.kind == NewsKind.DEADLINE_REMINDER and news.deadline is not None:
            webhooks_emit_deadline_reminder(deadline=news.deadline, report=news.report)

    def hear_all(self, news: Sequence[ReportNews]) -> None:
        """The sweep's batch: every reminder's endpoints read in one statement."""
        reminders = []
        for one in news:
            if one.audience != Audience.AGENCY and one.kind == NewsKind.DEADLINE_REMINDER:
                if one.deadline is not None:
                    reminders.append((one.deadline, one.report))
            else:
                self.hear(one)
        webhooks_emit_deadline_reminders(reminders)
