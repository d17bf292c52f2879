"""Sending the e-mail channel's answers (``MailReply`` rows): once, with retries (the
loop of ``core.outbox``).

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
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage

from aduan.core.outbox import Attempt, Outbox
from aduan.core.retry import MAX_ATTEMPTS  # noqa: F401 - the tests read it here

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


class _Replies(Outbox):
    model = MailReply
    states = ReplyState
    label = "mail reply"
    logger = logger
    claims = False  # nothing releases a reply's claim: no holder to record

    def send(self, attempt: Attempt) -> dict:
        reply = attempt.row
        message = EmailMessage(
            subject=reply.subject,
            body=reply.body,
            to=[reply.to],
            reply_to=settings.ADUAN_MAIL_INTAKE_ADDRESS[:1],
            headers=_headers(reply),
        )
        if not message.send():
            raise RuntimeError("the e-mail backend accepted no message")
        return {}

    def enqueue_retry(self, pk: int, retry_at: datetime) -> None:
        from .tasks import send_mail_reply

        if send_mail_reply.get_backend().supports_defer:
            send_mail_reply.using(run_after=retry_at).enqueue(reply_id=pk)


OUTBOX = _Replies()


def mail_reply_deliver(*, reply_id: int) -> str:
    """Send one answer if it is still pending. Returns ``sent``, ``retry``, ``failed`` or
    ``not_claimed``."""
    return OUTBOX.deliver(reply_id)


def mail_replies_send_pending(*, limit: int = 100) -> dict[str, int]:
    """Send answers left pending (written while no worker ran, or a retry on a backend
    that cannot defer). ``manage.py mail_intake`` runs this between polls."""
    return OUTBOX.deliver_each(OUTBOX.due(limit=limit))
