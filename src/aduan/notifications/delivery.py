"""Delivering the outbox: claim a row, send it, record the outcome.

At most once, deliberately
--------------------------
A worker claims a row with one conditional UPDATE (``pending`` and due → ``sending``,
stamped with its id and the time); whoever updates 0 rows lost the race and stops. Just
before the message is handed to the channel (after connecting, before the SMTP DATA) the
worker stamps ``send_started_at``. Afterwards:

- success → ``sent``;
- the channel raised → the message was refused, so ``pending`` again with an exponential,
  capped back-off (1 min, 5 min, 30 min, 2 h, 12 h), or ``failed`` after
  ``MAX_ATTEMPTS`` attempts;
- the recipient can no longer be reached (no verified address, inactive) → ``skipped``;
- the channel handed the message over but got no answer (``Uncertain``: Kannel's HTTP
  answer lost after the request was sent) → ``failed`` with "delivery uncertain", never
  retried: the same rule as a worker dying mid-send, below.

If the worker dies mid-send (SIGKILL, OOM, power), the row stays ``sending``. The sweep
finds claims older than ``ADUAN_NOTIFICATION_CLAIM_TIMEOUT`` seconds (default 600: longer
than any send may take) and:

- ``send_started_at`` empty → the send provably did not start: back to ``pending``;
- ``send_started_at`` set → nobody knows whether the message left. The row becomes
  ``failed`` with "interrupted: delivery uncertain" and is NOT sent again.

At-most-once wins over at-least-once here: a citizen who receives the same "your report
was closed" e-mail twice loses trust in the service, while a missing e-mail is covered by
the in-app copy of the same notification, which exists regardless. The Message-ID is
derived from the idempotency key, so even a duplicate that would slip out another way is
recognisable downstream.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from aduan.core.retry import MAX_ATTEMPTS, backoff_after, worker_id

from .models import Notification, NotificationState
from .senders import Uncertain, Unreachable, delivered_channel_names, get_channel

logger = logging.getLogger(__name__)

UNCERTAIN = "delivery uncertain"
INTERRUPTED = f"interrupted: {UNCERTAIN}"
# The sweep leaves fresh rows to the task enqueued with them, unless it is this late.
SWEEP_GRACE = timedelta(seconds=30)


def claim_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "ADUAN_NOTIFICATION_CLAIM_TIMEOUT", 600))


class _LostClaim(Exception):
    """The row is no longer ours (the sweep judged the claim stale): do not send."""


def notification_deliver(*, notification_id: int, worker: str | None = None) -> str:
    """Deliver one outbox row if it is due and nobody else has it. Returns the outcome:
    ``sent``, ``retry``, ``failed``, ``skipped`` or ``not_claimed``."""
    worker = worker or worker_id()
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id,
        state=NotificationState.PENDING,
        next_attempt_at__lte=now,
        channel__in=delivered_channel_names(),
    ).update(
        state=NotificationState.SENDING,
        claimed_at=now,
        claimed_by=worker,
        send_started_at=None,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "not_claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, state=NotificationState.SENDING, claimed_by=worker
    )

    def started() -> None:
        if not mine.filter(send_started_at__isnull=True).update(send_started_at=timezone.now()):
            raise _LostClaim

    try:
        get_channel(notification.channel).send(notification, started=started)
    except _LostClaim:
        logger.warning("notification %s: claim lost before sending", notification_id)
        return "not_claimed"
    except Unreachable as exc:
        mine.update(state=NotificationState.SKIPPED, last_error=str(exc)[:1000])
        return "skipped"
    except Uncertain as exc:
        logger.error("notification %s: delivery uncertain, not retried: %s", notification_id, exc)
        mine.update(state=NotificationState.FAILED, last_error=f"{UNCERTAIN}: {exc}"[:1000])
        return "failed"
    except Exception as exc:
        return _record_failure(notification=notification, mine=mine, error=exc)
    # Also when the sweep meanwhile marked a slow send "interrupted": it was sent after all.
    Notification.objects.filter(pk=notification_id, claimed_by=worker).exclude(
        state=NotificationState.PENDING
    ).update(state=NotificationState.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _record_failure(*, notification: Notification, mine, error: Exception) -> str:
    message = f"{type(error).__name__}: {error}"[:1000]
    if notification.attempts >= MAX_ATTEMPTS:
        logger.error("notification %s failed for good: %s", notification.pk, message)
        mine.update(state=NotificationState.FAILED, last_error=message)
        return "failed"
    retry_at = timezone.now() + backoff_after(notification.attempts)
    logger.warning("notification %s failed, retry at %s: %s", notification.pk, retry_at, message)
    mine.update(
        state=NotificationState.PENDING,
        next_attempt_at=retry_at,
        claimed_at=None,
        claimed_by="",
        send_started_at=None,
        last_error=message,
    )
    _enqueue_retry(notification.pk, retry_at)
    return "retry"


def _enqueue_retry(notification_id: int, retry_at: datetime) -> None:
    """Schedule the retry on backends that can defer; the sweep covers the others."""
    from .tasks import deliver_notification

    if deliver_notification.get_backend().supports_defer:
        deliver_notification.using(run_after=retry_at).enqueue(notification_id=notification_id)


def notifications_recover_interrupted(*, now: datetime | None = None) -> dict[str, int]:
    """Settle the claims of workers that died: see the module docstring."""
    now = now or timezone.now()
    stale = Notification.objects.filter(
        state=NotificationState.SENDING, claimed_at__lt=now - claim_timeout()
    )
    released = stale.filter(send_started_at__isnull=True).update(
        state=NotificationState.PENDING, claimed_at=None, claimed_by="", next_attempt_at=now
    )
    uncertain = stale.filter(send_started_at__isnull=False).update(
        state=NotificationState.FAILED, last_error=INTERRUPTED
    )
    if released or uncertain:
        logger.warning(
            "notifications: %s interrupted claims released, %s marked uncertain",
            released,
            uncertain,
        )
    return {"released": released, "uncertain": uncertain}


def notifications_deliver_pending(*, limit: int = 500) -> dict[str, int]:
    """The sweep: settle dead workers' claims, then deliver due rows that no task took
    (written while the worker was down, task lost, or a retry on a backend that cannot
    defer). Returns a count per outcome."""
    counts = notifications_recover_interrupted()
    now = timezone.now()
    due = list(
        Notification.objects.filter(
            # Fresh rows are left to their own task for a moment; retries and released
            # claims are due at once.
            Q(attempts=0, next_attempt_at__lte=now - SWEEP_GRACE)
            | Q(attempts__gt=0, next_attempt_at__lte=now),
            state=NotificationState.PENDING,
            channel__in=delivered_channel_names(),
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for notification_id in due:
        outcome = notification_deliver(notification_id=notification_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
