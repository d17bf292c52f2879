"""Agency integration: webhooks that tell an agency's own system about its reports.

A ``WebhookDelivery`` is written with the state change it reports and stores only what
identifies its event; the payload is built when it is posted (``payloads``). Secrets are
derived from ``SECRET_KEY`` and a per-endpoint salt, never stored. States and rules:
docs/channels.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)


class WebhookEvent(models.TextChoices):
    DISPOSED = "report.disposed", _("A report was sent to the agency")
    COMMENTED = "report.commented", _("The reporter commented")
    ANSWERED = "report.answered", _("The reporter answered a response")
    STATUS_CHANGED = "report.status_changed", _("A report was closed or reopened")
    DEADLINE_REMINDER = "deadline.reminder", _("A deadline is approaching")
    # Sent by the "send test event" button only; nobody subscribes to it.
    PING = "ping", _("Test event")


SUBSCRIBABLE_EVENTS = [choice for choice in WebhookEvent.choices if choice[0] != "ping"]


class WebhookEndpoint(models.Model):
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret_salt = models.CharField(max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # Consecutive failed attempts; a success resets it. At ADUAN_WEBHOOK_MAX_FAILURES the
    # endpoint is disabled with a reason.
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_reason = models.CharField(_("why it is disabled"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["agency_id", "created_at", "id"]
        indexes = [
            models.Index(
                fields=["agency"], condition=models.Q(is_active=True), name="webhook_active"
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        """The signing secret (see the module docstring: derived, never stored)."""
        digest = salted_hmac(
            "aduan.integrations.secret", self.secret_salt, algorithm="sha256"
        ).hexdigest()
        return SECRET_PREFIX + digest

    def wants(self, event: str) -> bool:
        return event == WebhookEvent.PING or event in (self.events or [])

    def get_events_display(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(event, event)) for event in self.events or []]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn: the agency no longer handles the report")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # What identifies the event (the payload itself is built at each attempt).
    event_key = models.CharField(_("event id"), max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    report_event = models.ForeignKey(
        "reports.ReportEvent",
        verbose_name=_("timeline event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_queue"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.state})"
