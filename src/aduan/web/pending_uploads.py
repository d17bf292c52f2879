"""Keeping a report form's checked files across an error (ADR 0012): ``keep`` stores
them, ``kept`` finds them for the same user and form, ``take`` hands them to
``report_submit``, ``pending_uploads_purge`` removes what nobody came back for."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from aduan.reports.attachments import PreparedFile

from .models import PendingUpload

logger = logging.getLogger(__name__)

PENDING_UPLOAD_AGE = dt.timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def form_token(raw: str | None) -> str:
    """The form's token as sent back, or a new one (anything else is ignored)."""
    if raw and _TOKEN.fullmatch(raw):
        return raw
    return secrets.token_urlsafe(24)


def pending_uploads_kept(*, user, token: str, keep_ids: Iterable[str]) -> list[PendingUpload]:
    """The files kept for ``user``'s form ``token`` that are still ticked; the unticked
    ones are removed."""
    wanted = {int(pk) for pk in keep_ids if str(pk).isdigit()}
    rows = list(PendingUpload.objects.filter(user=user, form_token=token))
    dropped = [row for row in rows if row.pk not in wanted]
    _delete(dropped)
    return [row for row in rows if row.pk in wanted]


def pending_uploads_keep(*, user, token: str, prepared: Iterable[PreparedFile]) -> list:
    """Store files that passed every check, for the next attempt of the same form (images
    as sent: they are never served from here, and are re-encoded once the report is sent)."""
    kept = []
    for item in prepared:
        row = PendingUpload(
            user=user,
            form_token=token,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
        )
        row.file.save(item.name, ContentFile(item.data), save=False)
        row.save()
        kept.append(row)
    # One user cannot pile up files across many open forms: the oldest go first.
    limit = 2 * settings.ADUAN_ATTACHMENT_MAX_COUNT
    surplus = list(PendingUpload.objects.filter(user=user).order_by("-created_at", "-id")[limit:])
    _delete(surplus)
    return [row for row in kept if row not in surplus]


def pending_uploads_take(rows: Iterable[PendingUpload]) -> list[PreparedFile]:
    """The kept files as ``report_submit`` takes them (already checked; an image is kept
    as sent, so it goes on pending, to be re-encoded by a worker like any other)."""
    taken = []
    for row in rows:
        with row.file.open("rb") as stored:
            data = stored.read()
        taken.append(
            PreparedFile(
                name=row.original_name,
                content_type=row.content_type,
                data=data,
                pending=row.content_type.startswith("image/"),
            )
        )
    return taken


def pending_uploads_discard(rows: Iterable[PendingUpload]) -> None:
    """After the report was sent: the kept files are now attachments."""
    _delete(list(rows))


def pending_uploads_purge(*, now: dt.datetime | None = None) -> int:
    """Remove files kept longer than ``PENDING_UPLOAD_AGE`` (a form never sent again)."""
    cutoff = (now or timezone.now()) - PENDING_UPLOAD_AGE
    stale = list(PendingUpload.objects.filter(created_at__lt=cutoff)[:500])
    _delete(stale)
    return len(stale)


def _delete(rows: list[PendingUpload]) -> None:
    for row in rows:
        try:
            row.file.delete(save=False)
        except Exception:  # a file that cannot be deleted must not stop the rest
            logger.exception("could not delete pending upload %s", row.file.name)
    if rows:
        PendingUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()
