from __future__ import annotations

from aduan.integrations.models import WebhookEndpoint, WebhookEvent
from aduan.integrations.services import endpoint_create
from aduan.reports.models import Report
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

TITLE = "Jalan berlubang di depan pasar"
BODY = "Lubang besar di jalan depan pasar sudah membahayakan pengendara motor setiap hari."
ALL_EVENTS = [value for value, _label in WebhookEvent.choices if value != WebhookEvent.PING]


def endpoint_for(admin, url: str, events=None) -> tuple[WebhookEndpoint, str]:
    return endpoint_create(actor=admin, url=url, events=events or ALL_EVENTS)


def submitted(people, **kwargs) -> Report:
    return report_submit(
        reporter=people.citizen,
        channel="web",
        classification="complaint",
        title=TITLE,
        body=BODY,
        **kwargs,
    )


def disposed(people, *, agency=None, **kwargs) -> Report:
    return wf.report_dispose(
        report=submitted(people, **kwargs),
        actor=people.national_admin,
        agency_id=(agency or people.city).pk,
    )
