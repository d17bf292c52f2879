"""Polling an IMAP mailbox (``ADUAN_MAIL_IMAP_URL``) instead of listening on SMTP.

Each unread message is fetched without marking it (``BODY.PEEK``), handled, and only
then flagged ``\\Seen``. A message that fails stays unread for the next poll, marked with
the keyword ``$AduanFailed``: each poll takes the new messages first and retries those
after them, so a few that always fail cannot use up every poll's ``limit`` and stop the
intake. One that was handled but whose flag did not stick is read again and recognised
by its Message-ID, so nothing acts twice. A message over ``ADUAN_MAIL_MAX_BYTES`` (its
``RFC822.SIZE``) is never downloaded: its headers alone are enough to answer "too large".
"""

from __future__ import annotations

import imaplib
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import services

logger = logging.getLogger(__name__)

_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
FAILED_KEYWORD = "$AduanFailed"


@dataclass(frozen=True)
class ImapMailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    ssl: bool


def imap_mailbox(url: str) -> ImapMailbox:
    """``imaps://user:password@host[:port][/folder]`` (or ``imap://`` on a trusted
    network); user and password percent-encoded. The folder defaults to INBOX."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"imap", "imaps"}:
        raise ImproperlyConfigured("ADUAN_MAIL_IMAP_URL must start with imaps:// or imap://")
    if not parts.hostname or not parts.username:
        raise ImproperlyConfigured(
            "ADUAN_MAIL_IMAP_URL needs a user and a host: imaps://user:password@host/INBOX"
        )
    ssl = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if ssl else 143)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ADUAN_MAIL_IMAP_URL has an invalid port: {exc}") from None
    return ImapMailbox(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        ssl=ssl,
    )


def _literal(data) -> bytes:
    """The message bytes in an imaplib FETCH answer."""
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise imaplib.IMAP4.error("FETCH returned no message data")


def _check(answer: tuple[str, list], what: str) -> list:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what} failed: {data!r}")
    return data


def _handle(client: imaplib.IMAP4, uid: bytes) -> str:
    data = _check(client.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH size")
    match = _SIZE_RE.search(b" ".join(item for item in data if isinstance(item, bytes)))
    size = int(match.group(1)) if match else 0
    if size > services.max_bytes():
        headers = _literal(_check(client.uid("FETCH", uid, "(BODY.PEEK[HEADER])"), "FETCH"))
        message = services.mail_receive_oversize(headers=headers, size=size)
    else:
        raw = _literal(_check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"))
        message = services.mail_receive(raw=raw)
    _check(client.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    return message.status


def _unseen(client: imaplib.IMAP4, *criteria: str) -> list[bytes]:
    found = _check(client.uid("SEARCH", None, "UNSEEN", *criteria), "SEARCH")
    return (found[0] or b"").split()


def _mark_failed(client: imaplib.IMAP4, uid: bytes) -> None:
    """Put the message behind new mail in the next polls (best effort: a server that
    keeps no keywords just retries it first, as before)."""
    try:
        _check(client.uid("STORE", uid, "+FLAGS", f"({FAILED_KEYWORD})"), "STORE")
    except imaplib.IMAP4.error:
        logger.warning("IMAP message %s: could not set %s", uid.decode(), FAILED_KEYWORD)


def imap_poll(*, url: str | None = None, limit: int = 100) -> dict[str, int]:
    """Handle up to ``limit`` unread messages; returns a count per outcome (the inbound
    status, or ``failed`` for messages left unread after an error)."""
    mailbox = imap_mailbox(url if url is not None else settings.ADUAN_MAIL_IMAP_URL)
    connect = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    client = connect(mailbox.host, mailbox.port, timeout=60)
    counts: dict[str, int] = {}
    try:
        client.login(mailbox.user, mailbox.password)
        _check(client.select(mailbox.folder), f"SELECT {mailbox.folder}")
        fresh = _unseen(client, "UNKEYWORD", FAILED_KEYWORD)
        uids = (fresh + _unseen(client, "KEYWORD", FAILED_KEYWORD))[:limit]
        for uid in uids:
            try:
                outcome = _handle(client, uid)
            except (imaplib.IMAP4.abort, OSError):
                raise  # the connection is gone: stop this poll
            except Exception:
                logger.exception("IMAP message %s not handled; left unread", uid.decode())
                _mark_failed(client, uid)
                outcome = "failed"
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        try:
            client.logout()
        except Exception:  # logging out of a broken connection
            logger.debug("IMAP logout failed", exc_info=True)
    return counts
