"""What a webhook says about a report: a notice, not a copy, built at each attempt from the
report as it is then, with what the agency may see and less (no text, no attachments, no
contact details, no name of an anonymous reporter, no note on a confidential report).
Details: docs/channels.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from aduan.reports.models import EventAction, Report, ReportEvent
from aduan.reports.selectors import (
    ReporterVisibility,
    agency_handles_report,
    event_by_reporter,
    event_note_readable,
    reporter_visibility,
)
from aduan.sla.selectors import current_deadline, deadlines_for_report

from .models import WebhookDelivery, WebhookEvent


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_payload(report: Report) -> dict[str, Any]:
    """The report as it stands, for a webhook (see the module docstring)."""
    reporter = None
    if reporter_visibility(user=AnonymousUser(), report=report) != ReporterVisibility.NONE:
        reporter = {"name": report.reporter.full_name}
    current = current_deadline(report)
    return {
        "tracking_id": report.tracking_id,
        "title": report.title,
        "status": report.status,
        "classification": report.classification,
        "category": (
            {"code": report.category.code, "name": report.category.name}
            if report.category_id
            else None
        ),
        "region": (
            {"code": report.region.code, "name": report.region.display_name}
            if report.region_id
            else None
        ),
        "agency": (
            {"id": report.agency.pk, "name": report.agency.name} if report.agency_id else None
        ),
        "channel": report.channel,
        "anonymous": report.anonymous,
        "confidential": report.confidential,
        "reporter": reporter,
        "created_at": _iso(report.created_at),
        "deadlines": {key: _iso(due) for key, due in deadlines_for_report(report).items()},
        "current_deadline": (
            {"kind": current.kind, "due_at": _iso(current.due_at)} if current else None
        ),
        "is_overdue": report.is_overdue,
        "url": _absolute(reverse("web:staff_report", args=[report.tracking_id])),
        "api_url": _absolute(
            reverse("api:report_detail", kwargs={"tracking_id": report.tracking_id})
        ),
    }


def event_payload(
    *,
    event_kind: str,
    key: str,
    occurred_at: dt.datetime,
    report: Report | None,
    event: ReportEvent | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": {
            "id": key,
            "kind": event_kind,
            "occurred_at": occurred_at.isoformat(),
        }
    }
    if event is not None:
        body["event"]["action"] = event.action
        by_reporter = report is not None and event_by_reporter(event=event, report=report)
        body["event"]["actor_role"] = "citizen" if by_reporter else (event.actor_role or None)
        note = event_note_readable(event=event, handler=True)
        if note and not (report is not None and report.confidential):
            body["event"]["note"] = note
    if extra:
        body["event"].update(extra)
    if report is not None:
        body["report"] = report_payload(report)
    return body


def delivery_withdrawn(delivery: WebhookDelivery) -> bool:
    """Whether the endpoint's agency may no longer be told about the delivery's report
    (returned to the desk, disposed elsewhere, moved out of its branch)."""
    return delivery.report is not None and not agency_handles_report(
        agency=delivery.endpoint.agency, report=delivery.report
    )


def delivery_payload(delivery: WebhookDelivery) -> dict[str, Any]:
    """The payload of ``delivery`` as of now: its event, the report's current state."""
    extra = dict(delivery.details or {})
    if delivery.event == WebhookEvent.PING:
        agency = delivery.endpoint.agency
        extra["agency"] = {"id": agency.pk, "name": agency.name}
    return event_payload(
        event_kind=delivery.event,
        key=delivery.event_key,
        occurred_at=delivery.occurred_at,
        report=delivery.report,
        event=delivery.report_event,
        extra=extra,
    )


def webhook_event_for(*, notification_kind: str, event: ReportEvent | None) -> str | None:
    """Which webhook event a notification to agency staff is, if any."""
    if notification_kind == "disposition_received":
        return WebhookEvent.DISPOSED
    if notification_kind == "comment_posted" and event is not None:
        if event.action == EventAction.ANSWERED:
            return WebhookEvent.ANSWERED
        if event.action == EventAction.COMMENTED:
            return WebhookEvent.COMMENTED
        return None
    if notification_kind == "status_changed":
        return WebhookEvent.STATUS_CHANGED
    if notification_kind == "deadline_reminder":
        return WebhookEvent.DEADLINE_REMINDER
    return None
