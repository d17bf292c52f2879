from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aduan.channels.mail.sender import message_id
from aduan.channels.mail.thread import thread_tag
from aduan.notifications import delivery
from aduan.notifications.delivery import (
    INTERRUPTED,
    MAX_ATTEMPTS,
    notification_deliver,
    notifications_deliver_pending,
    notifications_recover_interrupted,
)
from aduan.notifications.models import Notification, NotificationKind, NotificationState
from aduan.notifications.services import notify

pytestmark = pytest.mark.django_db

BACKENDS = "aduan.notifications.tests.email_backends"


@pytest.fixture
def email_row(report, status_event, reporter):
    """A pending e-mail row whose task never ran (on_commit does not fire in these tests)."""
    notify(
        recipients=[reporter],
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=status_event,
        key=f"event:{status_event.pk}",
    )
    row = Notification.objects.get(channel="email")
    assert row.state == NotificationState.PENDING
    return row


def _reload(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def test_delivery_sends_once_with_a_stable_message_id(email_row, reporter, mailoutbox):
    assert notification_deliver(notification_id=email_row.pk) == "sent"
    assert notification_deliver(notification_id=email_row.pk) == "not_claimed"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [reporter.email]
    assert message.subject == email_row.subject
    assert message.extra_headers["Message-ID"] == message_id(email_row)
    # About the report, to its reporter: the tag that lets a reply to it add to the report.
    tag = thread_tag(report_id=email_row.report_id, recipient_id=reporter.pk)
    assert f".{tag}@" in message.extra_headers["Message-ID"]
    row = _reload(email_row)
    assert row.state == NotificationState.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.send_started_at is not None


def test_a_refused_message_is_retried_with_back_off_then_failed(email_row, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{BACKENDS}.RefusingBackend"
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            before = timezone.now()
            outcome = notification_deliver(notification_id=email_row.pk)
            row = _reload(email_row)
            assert row.attempts == attempt
            assert "SMTPDataError" in row.last_error
            if attempt < MAX_ATTEMPTS:
                assert outcome == "retry"
                assert row.state == NotificationState.PENDING
                waits.append(row.next_attempt_at - before)
                # Not due yet: nobody may claim it early.
                assert notification_deliver(notification_id=email_row.pk) == "not_claimed"
                clock.move_to(row.next_attempt_at)
            else:
                assert outcome == "failed"
                assert row.state == NotificationState.FAILED
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]
    assert mailoutbox == []


def test_a_connection_failure_is_a_clean_retry(email_row, settings):
    settings.EMAIL_BACKEND = f"{BACKENDS}.UnreachableServerBackend"
    assert notification_deliver(notification_id=email_row.pk) == "retry"
    row = _reload(email_row)
    assert row.send_started_at is None
    assert "ConnectionRefusedError" in row.last_error


def test_a_recipient_without_a_verified_address_any_more_is_skipped(
    email_row, reporter, mailoutbox
):
    reporter.email = "baru@example.id"  # changed, not yet verified
    reporter.save()
    assert notification_deliver(notification_id=email_row.pk) == "skipped"
    assert _reload(email_row).state == NotificationState.SKIPPED
    assert mailoutbox == []


def test_in_app_rows_are_never_handed_to_a_worker(email_row):
    in_app = Notification.objects.get(channel="in_app")
    assert notification_deliver(notification_id=in_app.pk) == "not_claimed"


def _claim(row: Notification, *, started: bool, at) -> None:
    Notification.objects.filter(pk=row.pk).update(
        state=NotificationState.SENDING,
        claimed_at=at,
        claimed_by="dead-worker",
        attempts=1,
        send_started_at=at if started else None,
    )


def test_recovery_releases_claims_that_never_started_and_marks_started_ones_uncertain(
    email_row, report, reporter, mailoutbox
):
    notify(recipients=[reporter], kind="comment_posted", report=report, key="second")
    second = Notification.objects.get(channel="email", kind="comment_posted")
    notify(recipients=[reporter], kind="response_posted", report=report, key="third")
    fresh = Notification.objects.get(channel="email", kind="response_posted")
    long_ago = timezone.now() - timedelta(hours=1)
    _claim(email_row, started=False, at=long_ago)
    _claim(second, started=True, at=long_ago)
    _claim(fresh, started=True, at=timezone.now())  # still being sent by a live worker

    assert notifications_recover_interrupted() == {"released": 1, "uncertain": 1}

    assert _reload(email_row).state == NotificationState.PENDING
    uncertain = _reload(second)
    assert uncertain.state == NotificationState.UNCERTAIN
    assert uncertain.last_error == INTERRUPTED
    assert _reload(fresh).state == NotificationState.SENDING
    assert mailoutbox == []


def test_the_sweep_delivers_rows_no_task_took_and_never_resends(
    email_row, report, reporter, mailoutbox
):
    later = timezone.now() + delivery.SWEEP_GRACE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        counts = notifications_deliver_pending()
        assert counts["sent"] == 1
        assert notifications_deliver_pending() == {"released": 0, "uncertain": 0}
    assert len(mailoutbox) == 1
    assert _reload(email_row).state == NotificationState.SENT


def test_the_sweep_leaves_fresh_rows_to_their_own_task(email_row, mailoutbox):
    assert notifications_deliver_pending() == {"released": 0, "uncertain": 0}
    assert _reload(email_row).state == NotificationState.PENDING
    assert mailoutbox == []


def test_a_claim_taken_away_mid_connect_sends_nothing(email_row, settings, mailoutbox):
    """A worker so slow the sweep judged it dead must not send after its claim was released."""
    settings.EMAIL_BACKEND = f"{BACKENDS}.SlowConnectBackend"
    assert notification_deliver(notification_id=email_row.pk) == "not_claimed"
    assert mailoutbox == []
    assert _reload(email_row).state == NotificationState.PENDING
