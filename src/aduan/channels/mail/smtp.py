"""The SMTP listener (aiosmtpd): accepts mail for the intake address(es) only.

- ``RCPT TO`` another address → ``550 5.1.1`` (we are not a relay).
- A message over ``ADUAN_MAIL_MAX_BYTES`` → ``552 5.3.4`` with the limit, whether the
  client declared its size (``MAIL FROM … SIZE=``, refused before any data) or not
  (refused at the end of DATA; aiosmtpd discards the excess as it arrives, so memory
  stays bounded). The sending server turns that into a bounce the citizen reads.
- Handling fails unexpectedly → ``451 4.3.0``: the sending server tries again later,
  and the Message-ID makes the retry act once.

Mail is handled in a worker thread (the ORM is synchronous), one transaction per message.
"""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.template.defaultfilters import filesizeformat

from . import services

logger = logging.getLogger(__name__)


def _receive(raw: bytes) -> str:
    close_old_connections()
    try:
        message = services.mail_receive(raw=raw)
        return message.status
    finally:
        close_old_connections()


class IntakeHandler:
    def __init__(self, *, recipients: list[str]):
        self.recipients = {address.lower() for address in recipients}

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if address.lower() not in self.recipients:
            logger.warning("SMTP %s: refused recipient %s", session.peer, address)
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        try:
            status = await sync_to_async(_receive, thread_sensitive=False)(raw)
        except Exception:
            logger.exception("SMTP %s: message could not be handled", session.peer)
            return "451 4.3.0 Temporary failure, please try again later"
        logger.info("SMTP %s: message %s", session.peer, status)
        return "250 2.0.0 Message accepted"


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP, with a size refusal that says what the limit is, and logged."""

    async def push(self, status: str) -> None:
        if status.startswith("552 ") and self.data_size_limit:
            logger.warning("SMTP %s: message refused as too large", self.session.peer)
            status = (
                "552 5.3.4 Message too large: at most "
                f"{filesizeformat(self.data_size_limit)} ({self.data_size_limit} bytes) accepted"
            )
        await super().push(status)


class IntakeController(Controller):
    def factory(self) -> SMTP:
        return IntakeSMTP(self.handler, **self.SMTP_kwargs)


def smtp_controller(
    *, host: str, port: int, recipients: list[str] | None = None, max_bytes: int | None = None
) -> IntakeController:
    """The listener, not yet started (``.start()`` serves it in a thread of its own)."""
    return IntakeController(
        IntakeHandler(recipients=recipients or services.intake_addresses()),
        hostname=host,
        port=port,
        data_size_limit=max_bytes or services.max_bytes(),
        enable_SMTPUTF8=True,
        ident="Aduan mail intake",
    )
