"""Sending the e-mail channel's answers (``MailReply`` rows): once, with retries.

A row is claimed with one conditional UPDATE (``pending`` → ``sending``); whoever
updates nothing lost the race and stops, so a task enqueued twice sends once. A refused
send goes back to ``pending`` with a growing delay, the project's one schedule in
``core.retry`` (re-enqueued for then where the task backend can defer), and becomes
``failed`` after ``MAX_ATTEMPTS``. The Message-ID is decided when the answer is
written (derived from the received message's record), the same on every attempt; an
answer about a report to its reporter carries the thread tag (``thread``), so that
replying to it adds to the report.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from aduan.core.retry import MAX_ATTEMPTS, backoff_after

from .models import MailReply, ReplyState
from .thread import thread_message_id

logger = logging.getLogger(__name__)


def reply_message_id(reply: MailReply) -> str:
    """The answer's Message-ID: the one stored with it, or for an answer written before
    they were stored, the untagged one derived the same way."""
    return reply.message_id or thread_message_id(kind="reply", key=reply_key(reply.inbound_id))


def reply_key(inbound_id: int) -> str:
    return f"mail-reply:{inbound_id}"


def _headers(reply: MailReply) -> dict[str, str]:
    headers = {
        "Message-ID": reply_message_id(reply),
        # RFC 3834: an automatic answer, so that other robots do not answer it back.
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if reply.in_reply_to:
        headers["In-Reply-To"] = reply.in_reply_to
        headers["References"] = reply.in_reply_to
    return headers


def mail_reply_deliver(*, reply_id: int) -> str:
    """Send one answer if it is still pending. Returns ``sent``, ``retry``, ``failed`` or
    ``not_claimed``."""
    claimed = MailReply.objects.filter(
        pk=reply_id, state=ReplyState.PENDING, next_attempt_at__lte=timezone.now()
    ).update(state=ReplyState.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return "not_claimed"
    reply = MailReply.objects.get(pk=reply_id)
    intake = settings.ADUAN_MAIL_INTAKE_ADDRESS
    message = EmailMessage(
        subject=reply.subject,
        body=reply.body,
        to=[reply.to],
        reply_to=intake[:1],
        headers=_headers(reply),
    )
    try:
        sent = message.send()
        if not sent:
            raise RuntimeError("the e-mail backend accepted no message")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if reply.attempts >= MAX_ATTEMPTS:
            logger.error("mail reply %s failed for good: %s", reply_id, error)
            MailReply.objects.filter(pk=reply_id).update(state=ReplyState.FAILED, last_error=error)
            return "failed"
        retry_at = timezone.now() + backoff_after(reply.attempts)
        logger.warning("mail reply %s failed, retry at %s: %s", reply_id, retry_at, error)
        MailReply.objects.filter(pk=reply_id).update(
            state=ReplyState.PENDING, next_attempt_at=retry_at, last_error=error
        )
        from .tasks import send_mail_reply

        if send_mail_reply.get_backend().supports_defer:
            send_mail_reply.using(run_after=retry_at).enqueue(reply_id=reply_id)
        return "retry"
    MailReply.objects.filter(pk=reply_id).update(
        state=ReplyState.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def mail_replies_send_pending(*, limit: int = 100) -> dict[str, int]:
    """Send answers left pending (written while no worker ran, or a retry on a backend
    that cannot defer). ``manage.py mail_intake`` runs this between polls."""
    counts: dict[str, int] = {}
    due = MailReply.objects.filter(
        state=ReplyState.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "id")
    for reply_id in list(due.values_list("pk", flat=True)[:limit]):
        outcome = mail_reply_deliver(reply_id=reply_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
