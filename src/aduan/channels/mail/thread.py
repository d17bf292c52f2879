"""The secret in an e-mail thread: proof that a reply answers an e-mail Aduan sent.

Every e-mail about a report to a person carries a Message-ID tagged with an HMAC of
(report, recipient); a reply counts as the reporter's only when it quotes that tag, which a
forger of the From line does not have. Format and key rotation: docs/channels.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "aduan.channels.mail.thread"
TAG_LENGTH = 32  # hex characters: 128 bits
# Mail programs repeat a long References list; a thread is never this deep.
REFERENCES_MAX = 100
_TAGGED_ID_RE = re.compile(rf"^<[^<>@\s]*\.([0-9a-f]{{{TAG_LENGTH}}})@[^<>@\s]+>$")


def thread_tag(*, report_id: int, recipient_id: int, secret: str | None = None) -> str:
    """The tag for e-mail about ``report_id`` to ``recipient_id`` (with ``SECRET_KEY``
    unless another ``secret`` is given)."""
    mac = salted_hmac(SALT, f"{report_id}:{recipient_id}", secret=secret, algorithm="sha256")
    return mac.hexdigest()[:TAG_LENGTH]


def thread_message_id(
    *, kind: str, key: str, report_id: int | None = None, recipient_id: int | None = None
) -> str:
    """The Message-ID of one e-mail we send: derived from ``key`` alone (the same on every
    attempt, so a duplicate is recognisable), tagged when it is about a report to a person."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "aduan.localhost"
    if report_id is None or recipient_id is None:
        return f"<{kind}.{digest}@{domain}>"
    tag = thread_tag(report_id=report_id, recipient_id=recipient_id)
    return f"<{kind}.{digest}.{tag}@{domain}>"


def _tags_in(references: Iterable[str]) -> list[str]:
    tags = []
    for reference in list(references)[:REFERENCES_MAX]:
        if match := _TAGGED_ID_RE.match(reference.strip().lower()):
            tags.append(match.group(1))
    return tags


def thread_answers(*, references: Iterable[str], report_id: int, sender_id: int) -> bool:
    """True when one of ``references`` (the Message-IDs a message names in In-Reply-To
    and References) is an e-mail we sent about ``report_id`` to ``sender_id``."""
    tags = _tags_in(references)
    if not tags:
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    expected = [
        thread_tag(report_id=report_id, recipient_id=sender_id, secret=secret) for secret in secrets
    ]
    # Every pair is compared (no early exit), each in constant time.
    found = False
    for tag in tags:
        for wanted in expected:
            found |= hmac.compare_digest(tag, wanted)
    return found
