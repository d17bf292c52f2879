"""Notifications: the outbox and the in-app list are one table.

One row per recipient and channel (``services.notify``); in-app rows are written ``sent``,
delivered channels go pending → sending → sent, failed, uncertain (never re-sent) or
skipped (``delivery.py``; the states and their rules: docs/notifications.md).
``idempotency_key`` is unique, so an event written twice yields one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status of a report changed")
    RESPONSE_POSTED = "response_posted", _("An agency responded to a report")
    COMMENT_POSTED = "comment_posted", _("New comment on a report")
    DISPOSITION_RECEIVED = "disposition_received", _("New report sent to your agency")
    DEADLINE_REMINDER = "deadline_reminder", _("A deadline is approaching")
    DEADLINE_OVERDUE = "deadline_overdue", _("A deadline has passed")
    ESCALATION = "escalation", _("A report was escalated")
    REPORT_MERGED = "report_merged", _("A report was merged into another")


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    UNCERTAIN = "uncertain", _("Delivery uncertain")
    SKIPPED = "skipped", _("Skipped")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "reports.ReportEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    # No ``choices``: the channels are the registry in ``senders``, so that a new channel
    # is a new module and no migration.
    channel = models.CharField(_("channel"), max_length=16)
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=NotificationState.choices,
        default=NotificationState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    # Set just before the channel is handed the message: the line between "provably not
    # sent" and "maybe sent" when a worker dies (delivery.py).
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's and the sweep's queue.
            models.Index(fields=["state", "next_attempt_at"], name="notification_queue"),
            # The in-app list and its unread badge.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(channel="in_app"),
                name="notification_inbox",
            ),
            models.Index(
                fields=["recipient"],
                condition=models.Q(channel="in_app", read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.channel}, {self.state})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A user's choice for one kind on one channel. No row means the default: on.

    One row per (kind, channel) rather than a column per channel, so that a new channel
    (SMS, X) needs no migration here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=16)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel}: {self.enabled}"


class PushSubscription(models.Model):
    """One browser on one device that accepts Web Push for its user (``senders/push.py``).

    ``endpoint`` is the push service's address for this browser: unique, so that the same
    browser subscribing again (or after another user signed in on it) replaces the row.
    ``p256dh`` and ``auth`` are the browser's keys the payload is encrypted with. The row
    goes when the user turns push off on the device or the push service answers 404/410.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.user_agent[:40]}"
