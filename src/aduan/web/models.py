"""Files kept from a report form that came back with an error (ADR 0012)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def pending_upload_to(instance: PendingUpload, filename: str) -> str:
    # A random name, apart from the attachments (the orphan sweep never looks here).
    return f"pending/{secrets.token_hex(2)}/{secrets.token_urlsafe(18)}"


class PendingUpload(models.Model):
    """A file that passed every check (sniffed, cleaned) on a report form whose other
    fields had an error: kept for the same user and the same form (``form_token``) so the
    next attempt need not send it again; removed on success, on untick, or after a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_token = models.CharField(max_length=64)
    file = models.FileField(upload_to=pending_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "form_token"])]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
