"""``Idempotency-Key`` on submissions (issue 12): a client that did not get its answer (a
timeout, a 500 after the commit) retries with the same key and gets the report its first
request made, never a second one.

The key row is written in the transaction that creates the report, so both commit or
neither; the unique (account, key) constraint turns a concurrent twin into a replay. A
key counts for ``KEY_LIFETIME``; the periodic job ``SUBMISSION_KEYS_JOB`` deletes older
ones. The same key with another request is refused (422): it is a client's bug, and
answering the first report would hide it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.core.errors import ValidationFailed
from aduan.reports.models import Report

from .models import SubmissionKey

HEADER = "Idempotency-Key"
KEY_LIFETIME = dt.timedelta(hours=24)
SUBMISSION_KEYS_JOB = "submission_keys"
_KEY_RE = re.compile(r"[\x20-\x7e]{1,255}")


class SubmissionKeyTaken(Exception):
    """Another request with the same key committed first; the caller's transaction must
    roll back (its report with it) and answer the stored one."""


def _key_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={HEADER: [message]})


def submission_key_clean(raw: str | None) -> str | None:
    """The header's value, or ``None`` without one; 422 unless 1-255 printable ASCII."""
    if raw is None:
        return None
    if not _KEY_RE.fullmatch(raw):
        raise _key_error(
            _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")
        )
    return raw


def submission_digest(endpoint: str, data: Mapping[str, Any]) -> str:
    """SHA-256 of the request in canonical form: JSON with sorted keys, with the endpoint's
    name in it, so one key sent to two endpoints is two different requests."""
    canonical = json.dumps(
        {"endpoint": endpoint, "body": data},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def submission_key_replay(*, user, key: str, digest: str) -> Report | None:
    """The report a live key made, to answer again; ``None`` if the key is new (or too
    old to count). The same key with another request: ``ValidationFailed`` (422)."""
    row = (
        SubmissionKey.objects.select_related("report")
        .filter(user=user, key=key, created_at__gte=timezone.now() - KEY_LIFETIME)
        .first()
    )
    if row is None:
        return None
    if row.body_sha256 != digest:
        raise _key_error(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for a new report."
            )
        )
    return row.report


def submission_key_record(*, user, key: str, digest: str, report: Report) -> None:
    """Tie ``key`` to ``report``, inside the transaction that created the report. An expired
    row for the same key is replaced; a live one (a concurrent twin that committed first)
    raises ``SubmissionKeyTaken``."""
    SubmissionKey.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(user=user, key=key, body_sha256=digest, report=report)
    except IntegrityError as exc:
        raise SubmissionKeyTaken from exc


def submit_once(*, user, key: str | None, digest: str, create: Callable[[], Report]) -> Report:
    """``create()`` the report and record ``key`` in one transaction; if a concurrent request
    with the key won, this one's report is rolled back and the winner's returned. Without
    a key there is nothing to record: ``create()`` is its own transaction."""
    if key is None:
        return create()
    try:
        with transaction.atomic():
            report = create()
            if key is not None:
                submission_key_record(user=user, key=key, digest=digest, report=report)
    except SubmissionKeyTaken:
        stored = submission_key_replay(user=user, key=key, digest=digest)
        if stored is None:  # the winner's row vanished (expired and purged): just retry
            raise
        return stored
    return report


def submission_keys_expire(*, now: dt.datetime, batch: int, stop_at: float) -> int:
    """The periodic job: delete keys older than ``KEY_LIFETIME``, ``batch`` at a time."""
    expired = SubmissionKey.objects.filter(created_at__lt=now - KEY_LIFETIME)
    deleted = 0
    while time.monotonic() < stop_at:
        ids = list(expired.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        deleted += SubmissionKey.objects.filter(pk__in=ids).delete()[0]
    return deleted
