"""Run inside a child process by test_worker.py: ``python -c "...; run('setup')"``.

Prints one JSON line, so the test can drive and inspect a database it cannot open itself
(the SQLite test database lives in the test process's memory).
"""

from __future__ import annotations

import json
import sys
import uuid

import django


def _setup() -> dict:
    from django.db import transaction

    from aduan.accounts.tests.factories import UserFactory
    from aduan.notifications.models import Notification, NotificationKind
    from aduan.notifications.services import notify
    from aduan.reports.models import ReportEvent, Status
    from aduan.reports.tests.factories import ReportFactory

    # A fresh process restarts the factory's sequence: make the address unique.
    reporter = UserFactory(language="en", email=f"warga-{uuid.uuid4().hex}@example.id")
    report = ReportFactory(reporter=reporter, status=Status.IN_PROGRESS)
    with transaction.atomic():
        event = ReportEvent.objects.create(
            report=report,
            action="status_changed",
            from_status=Status.DISPOSITIONED,
            to_status=Status.IN_PROGRESS,
        )
        notify(
            recipients=[reporter],
            kind=NotificationKind.STATUS_CHANGED,
            report=report,
            event=event,
            key=f"event:{event.pk}",
        )
    return {"id": Notification.objects.get(channel="email", event=event).pk}


def _state(notification_id: str) -> dict:
    from aduan.channels.mail.sender import message_id
    from aduan.notifications.models import Notification

    row = Notification.objects.get(pk=int(notification_id))
    return {
        "message_id": message_id(row),
        "state": row.state,
        "attempts": row.attempts,
        "send_started": row.send_started_at is not None,
        "last_error": row.last_error,
        "idempotency_key": row.idempotency_key,
    }


def run(command: str, *args: str) -> None:
    django.setup()
    result = {"setup": _setup, "state": _state}[command](*args)
    sys.stdout.write(json.dumps(result) + "\n")
