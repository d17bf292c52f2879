"""The answers the e-mail channel sends back, as an outbox of their own.

One row per received message (``inbound`` is unique), written in the same transaction
that decided the answer; a task sends it once that transaction commits. The same row
can never be sent twice: a worker claims it with a conditional update (``pending`` →
``sending``), and the Message-ID is derived from the received message, so even a copy
that slipped out another way is recognisable. Like the notification outbox, delivery is
at most once: a worker that dies mid-send leaves the row ``sending``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReplyState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class MailReply(models.Model):
    inbound = models.OneToOneField(
        "aduan_channels.InboundMessage", on_delete=models.CASCADE, related_name="mail_reply"
    )
    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    in_reply_to = models.CharField(max_length=998, blank=True)
    # Decided when the answer is written, so every attempt sends the same one; about a
    # report to its reporter it carries the thread tag (``thread``). Empty on answers
    # written before tags existed: ``delivery.reply_message_id`` derives theirs.
    message_id = models.CharField(max_length=255, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ReplyState.choices, default=ReplyState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail answer")
        verbose_name_plural = _("e-mail answers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="mail_reply_queue")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
