"""What every channel (SMS, X, e-mail, Open311, agency webhooks) shares.

- ``ChannelIdentity``: who a sender is on a channel, as far as the channel proves it (a
  phone number from Kannel, an X account id from a signed webhook, an e-mail address —
  which is spoofable, so it counts only once confirmed by a link), linked to one account.
- ``InboundMessage``: every message that arrived, once: the channel's own message id is
  unique, so a gateway's retry of the same SMS or a replayed webhook creates nothing new.
  Malformed input is kept here too, with why it was refused.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .specs import spec_for


class IdentityKind(models.TextChoices):
    """The channel an identity or an inbound message belongs to. Not
    ``reports.models.Channel``, which says where a report came from (web and API too)."""

    SMS = "sms", _("SMS")
    X = "x", _("X (Twitter)")
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311")
    WEBHOOK = "webhook", _("Agency webhook")


class ChannelIdentity(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=IdentityKind.choices)
    address = models.CharField(
        _("address"),
        max_length=254,
        help_text=_("E.164 phone number, X account id or lower-case e-mail address."),
    )
    handle = models.CharField(_("handle"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_identities"
    )
    verified_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("Empty while the address is unconfirmed (e-mail: until the link is opened)."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="channel_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.handle or self.address}"

    @property
    def shown(self) -> str:
        """How its owner recognises it: the phone number, or the ``@handle``."""
        return spec_for(self.channel).shown(address=self.address, handle=self.handle)


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Accepted, attachments being fetched")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundMessage(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=IdentityKind.choices)
    external_id = models.CharField(_("message id"), max_length=255)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InboundStatus.choices, default=InboundStatus.ACCEPTED
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    report = models.ForeignKey(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(_("reply sent"), blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    pending_media = models.JSONField(
        _("media still to fetch"),
        default=list,
        blank=True,
        help_text=_("[url, name] pairs an X post brought, until a worker attached them."),
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="inbound_message_unique"
            )
        ]
        indexes = [
            # The sweep's question "whose media are still not fetched?", over a table
            # that holds every SMS ever received: a partial index of the few pending.
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="pending"),
                name="inbound_message_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class ClaimCode(models.Model):
    """A one-time code that links an SMS number or an X account to a web account.

    Shown to a signed-in citizen on the web; they send ``KLAIM <code>`` from the phone (to
    1708) or by direct message to the X account. The channel proves the sender, the code
    proves the web account: together they prove one person holds both. Only a digest is
    stored, so a leaked table links nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_codes"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_channel = models.CharField(max_length=16, choices=IdentityKind.choices, blank=True)
    used_address = models.CharField(max_length=254, blank=True)
    moved_reports = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Ids of the reports the claim moved, so that LEPAS can move them back."),
    )

    class Meta:
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")
        indexes = [models.Index(fields=["user", "-created_at"], name="claim_code_user_recent")]

    def __str__(self) -> str:
        return f"claim code of {self.user_id}"
