"""Who may post reports through Open311, and what each post carried.

- ``Open311ApiKey``: a key the national admin issued to one organisation (a city's app, a
  civil-society platform). Only its hash is kept; the raw key is shown once. Reports posted
  with it are filed under the organisation's own account: the organisation is the
  accountable submitter, because nothing else in an Open311 POST proves who a person is.
- ``Open311Submission``: the personal details an Open311 POST may carry (e-mail, name,
  phone, device and account ids) kept exactly as given, beside the report it created.
  They are never shown publicly nor trusted as an identity: no account, no channel
  identity is made from them. Only the national admin reads them, in the admin site.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "o311_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Open311ApiKey(models.Model):
    organisation = models.CharField(_("organisation"), max_length=200)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporting account"),
        on_delete=models.PROTECT,
        related_name="open311_keys",
        help_text=_("The organisation's account: every report posted with this key is its."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when issued on the server with manage.py open311_key."),
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.hint}…)"


class Open311Submission(models.Model):
    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, related_name="open311_submission"
    )
    api_key = models.ForeignKey(
        Open311ApiKey,
        verbose_name=_("API key"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    token = models.CharField(_("token"), max_length=32, unique=True, default=new_token)
    email = models.CharField(_("e-mail (as given)"), max_length=254, blank=True)
    first_name = models.CharField(_("first name (as given)"), max_length=100, blank=True)
    last_name = models.CharField(_("last name (as given)"), max_length=100, blank=True)
    phone = models.CharField(_("phone (as given)"), max_length=30, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    address_string = models.CharField(_("address (as given)"), max_length=500, blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL (not fetched)"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.api_key_id} → {self.report_id}"
