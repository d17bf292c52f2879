"""Delivering the outbox: how a notification is sent and what ends it (the claim, retry and
give-up loop is ``core.outbox``'s). Exactly once or marked ``uncertain``: a send that may
have left is never repeated, on any channel (e-mail, SMS and X replies have no receiver
that drops a repeat). Detail: docs/notifications.md.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from aduan.core.outbox import Attempt, Outbox, Settled
from aduan.core.retry import MAX_ATTEMPTS  # noqa: F401 - the tests read it here

from .models import Notification, NotificationState
from .senders import Uncertain, Unreachable, delivered_channel_names, get_channel

logger = logging.getLogger(__name__)

UNCERTAIN = "delivery uncertain"
INTERRUPTED = f"interrupted: {UNCERTAIN}"
# The sweep leaves fresh rows to the task enqueued with them, unless it is this late.
SWEEP_GRACE = timedelta(seconds=30)


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.ADUAN_NOTIFICATION_CLAIM_TIMEOUT)


class _LostClaim(Exception):
    """The row is no longer ours (the sweep judged the claim stale): do not send."""


class _Notifications(Outbox):
    model = Notification
    states = NotificationState
    label = "notification"
    logger = logger
    reset = {"send_started_at": None}

    def claimable(self) -> Q:
        return Q(channel__in=delivered_channel_names())

    def load(self, pk: int) -> Notification:
        return Notification.objects.select_related("recipient").get(pk=pk)

    def send(self, attempt: Attempt) -> dict:
        def started() -> None:
            unstarted = attempt.rows.filter(send_started_at__isnull=True)
            if not unstarted.update(send_started_at=timezone.now()):
                raise _LostClaim

        try:
            get_channel(attempt.row.channel).send(attempt.row, started=started)
        except _LostClaim:
            logger.warning("notification %s: claim lost before sending", attempt.pk)
            raise Settled("not_claimed") from None
        except Unreachable as exc:
            raise Settled(
                "skipped", state=NotificationState.SKIPPED, last_error=str(exc)[:1000]
            ) from None
        except Uncertain as exc:
            logger.error("notification %s: delivery uncertain, not retried: %s", attempt.pk, exc)
            raise Settled(
                "uncertain",
                state=NotificationState.UNCERTAIN,
                last_error=f"{UNCERTAIN}: {exc}"[:1000],
            ) from None
        return {}

    def sent_rows(self, attempt: Attempt):
        # Also when the sweep meanwhile marked a slow send "interrupted": it was sent after all.
        return Notification.objects.filter(pk=attempt.pk, claimed_by=attempt.worker).exclude(
            state=NotificationState.PENDING
        )

    def enqueue_retry(self, pk: int, retry_at: datetime) -> None:
        from .tasks import deliver_notification

        if deliver_notification.get_backend().supports_defer:
            deliver_notification.using(run_after=retry_at).enqueue(notification_id=pk)


OUTBOX = _Notifications()


def notification_deliver(*, notification_id: int, worker: str | None = None) -> str:
    """Deliver one outbox row if it is due and nobody else has it. Returns the outcome:
    ``sent``, ``retry``, ``failed``, ``uncertain``, ``skipped`` or ``not_claimed``."""
    return OUTBOX.deliver(notification_id, worker=worker)


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
        state=NotificationState.UNCERTAIN, last_error=INTERRUPTED
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
    # Fresh rows are left to their own task for a moment; retries and released claims are
    # due at once.
    due = OUTBOX.due(
        limit=limit,
        where=Q(attempts=0, next_attempt_at__lte=now - SWEEP_GRACE)
        | Q(attempts__gt=0, next_attempt_at__lte=now),
    )
    return OUTBOX.deliver_each(due, counts=counts)
