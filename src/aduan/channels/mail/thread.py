"""The secret in an e-mail thread: proof that a reply answers an e-mail Aduan sent.

Neither the From line nor the tracking id in the subject proves who wrote a reply:
anyone can write any From address, and the tracking id of a public report is public.
What a forger does not have is an e-mail that only the reporter's mailbox received. So
every e-mail Aduan sends to a person about a report (the notifications and the mail
channel's own answers) carries a Message-ID that ends in a tag::

    <notification.{digest of the notification's key}.{tag}@{site domain}>
    <reply.{digest of the received message's record}.{tag}@{site domain}>

    tag = HMAC-SHA256(key derived from SECRET_KEY, "{report id}:{recipient id}"), 32 hex

A mail program answering keeps that Message-ID in In-Reply-To and References. The intake
(``services``) takes a message as the reporter's comment or answer only when one of those
holds the tag for that report AND the sender's account: a tag seen by somebody else (an
agency's staff, who are notified about the same report) or one of another report does
not open this one. The tag is the same in every e-mail about one report to one person,
so a reply to any of them works; it reveals nothing about either. E-mail that is not
about a report (no report, no recipient) keeps the plain form without a tag.

Keys in ``SECRET_KEY_FALLBACKS`` are accepted too, so rotating ``SECRET_KEY`` does not
cut the threads already in people's mailboxes.
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
