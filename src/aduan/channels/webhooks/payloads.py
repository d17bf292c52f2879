"""What a webhook says about a report: what the agency may see, and less.

The payload is a notice, not a copy of the file: it names the report (tracking id,
title, status, classification, category, region, handling agency, deadlines, links) so
that the agency's system can fetch the full report through the API with its integration
token, where the one visibility rule applies. Deliberately:

- the report's text and attachments are not in it;
- the reporter is named only when the report is not anonymous, and then by name only
  (``reports.selectors.reporter_visibility`` for someone who is not the national admin);
  never an e-mail address, phone number or NIK;
- the note of the event is included for the reporter's comments and answers (the agency
  must read them to act) and for reminders, never for internal events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from aduan.reports.models import EventAction, Report, ReportEvent
from aduan.reports.selectors import ReporterVisibility, reporter_visibility
from aduan.sla.selectors import current_deadline, deadlines_for_report

from .models import WebhookEvent

# The events whose note the agency needs in the payload.
_NOTE_ACTIONS = frozenset({EventAction.COMMENTED, EventAction.ANSWERED})


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
        body["event"]["actor_role"] = event.actor_role or None
        if event.action in _NOTE_ACTIONS and event.is_public:
            body["event"]["note"] = event.note
    if extra:
        body["event"].update(extra)
    if report is not None:
        body["report"] = report_payload(report)
    return body


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
