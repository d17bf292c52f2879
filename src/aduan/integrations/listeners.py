"""Agency webhooks listen to the workflow: the agency's own systems hear what its staff
hear, and of its deadlines' reminders. Registered from ``WebhooksConfig.ready()``; the
deliveries are written inside the workflow's transaction (``services.webhooks_emit``)."""

from __future__ import annotations

from aduan.workflow.listeners import Audience, NewsKind, ReportListener, ReportNews

from .services import webhooks_emit, webhooks_emit_deadline_reminder


class WebhooksListener(ReportListener):
    name = "webhooks"

    def hear(self, news: ReportNews) -> None:
        if news.audience == Audience.AGENCY:
            webhooks_emit(report=news.report, event=news.event, agency=news.agency, kind=news.kind)
        elif news.kind == NewsKind.DEADLINE_REMINDER and news.deadline is not None:
            webhooks_emit_deadline_reminder(deadline=news.deadline, report=news.report)
