"""What an SMS to 1708 does: ``sms_receive``, the one entry point, handed each message by
Kannel's get-url view; what it returns is the reply (one SMS at most).

Identity is the sender's number; each Kannel message id is handled once; a per-number
limit stops SMS ping-pong; bad input gets what to send instead. Details: docs/channels.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from aduan.accounts.models import User
from aduan.accounts.validators import normalise_phone
from aduan.channels import claim
from aduan.channels.adapter import Refusal, channel_reporter, reporter_message_answers
from aduan.channels.models import IdentityKind, InboundMessage, InboundStatus
from aduan.channels.services import inbound_finish, inbound_receive
from aduan.core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from aduan.reports.models import (
    BODY_MAX,
    BODY_MIN,
    Channel,
    Classification,
    EventAction,
    Report,
    Status,
)
from aduan.reports.selectors import event_list_for_user, report_get_for_user
from aduan.workflow import services as workflow
from aduan.workflow.services import report_submit

from . import gsm
from .parser import CANONICAL, Command, Kind, derive_title, parse

logger = logging.getLogger(__name__)

EXAMPLE_ID = "AB23CD45EF"


@dataclass(frozen=True)
class Outcome:
    reply: str
    status: str = InboundStatus.ACCEPTED
    report: Report | None = None
    detail: str = ""


def sms_receive(*, message_id: str, sender: str, receiver: str = "", text: str) -> str:
    """Handle one SMS as Kannel delivered it; return the reply text ("" = no reply)."""
    repeated = _repeated_reply(message_id)
    if repeated is not None:
        return repeated
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        phone = None
    # Counted outside the transaction below: with the database cache, the counter's row
    # would otherwise stay locked until the report is written, one sender's SMS in a row.
    limited = _rate_limited(phone) if phone else None
    with transaction.atomic():
        message, created = inbound_receive(
            channel=IdentityKind.SMS, external_id=message_id, sender=phone or sender, text=text
        )
        if not created:  # the same id, arrived meanwhile
            return _repeated_reply(message_id) or message.reply
        outcome = limited or _handle(phone=phone, receiver=receiver, text=text)
        inbound_finish(
            message,
            status=outcome.status,
            report=outcome.report,
            reply=outcome.reply,
            detail=outcome.detail,
        )
    if outcome.status != InboundStatus.ACCEPTED:
        logger.info(
            "sms %s from %s %s: %s", message_id, phone or "?", outcome.status, outcome.detail
        )
    return outcome.reply


def _repeated_reply(message_id: str) -> str | None:
    """The answer given to ``message_id`` before, if it came before."""
    reply = (
        InboundMessage.objects.filter(channel=IdentityKind.SMS, external_id=message_id[:255])
        .values_list("reply", flat=True)
        .first()
    )
    if reply is not None:
        logger.info("sms %s: repeated delivery, answering as the first time", message_id)
    return reply


def _handle(*, phone: str | None, receiver: str, text: str) -> Outcome:
    if phone is None:
        # An operator's alphanumeric sender or a broken number: no one to answer.
        return Outcome("", InboundStatus.REJECTED, detail="sender is not a phone number")
    if phone == settings.ADUAN_SMS_SHORTCODE:
        return Outcome("", InboundStatus.IGNORED, detail="sent by our own short code")
    command = parse(text)
    if command.kind is Kind.CLAIM:
        # Before the account lookup: a number's first SMS may be this, and needs no
        # SMS-only account of its own.
        return _claim(command, phone)
    if command.kind is Kind.UNLINK:
        return _unlink(phone)
    user, refusal = channel_reporter(channel=IdentityKind.SMS, address=phone)
    if refusal is Refusal.INACTIVE:
        return Outcome("", InboundStatus.REJECTED, detail=refusal)
    if refusal is Refusal.STAFF:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            reply = _(
                "This number belongs to a staff account and cannot use SMS %(code)s. "
                "Use the website, or send LEPAS to unlink it."
            ) % {"code": settings.ADUAN_SMS_SHORTCODE}
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail=refusal)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        outcome = _HANDLERS[command.kind](command, user)
        if receiver and receiver != settings.ADUAN_SMS_SHORTCODE:
            outcome = Outcome(
                outcome.reply,
                outcome.status,
                outcome.report,
                f"{outcome.detail} (sent to {receiver[:40]})".strip(),
            )
        return outcome


def _rate_limited(phone: str) -> Outcome | None:
    usage = get_usage(
        None,
        group="sms-inbound",
        key=lambda group, request: phone,
        rate=settings.ADUAN_SMS_RATE,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    if usage["count"] == usage["limit"] + 1:
        minutes = max(1, -(-int(usage["time_left"]) // 60))
        # Before the account is looked up (that is what the limit spares): the default
        # language.
        with translation.override(settings.LANGUAGE_CODE):
            reply = gsm.fit(
                _(
                    "You have sent many messages in a short time. Please try again in "
                    "%(minutes)d minutes."
                )
                % {"minutes": minutes}
            )
    else:
        reply = ""
    return Outcome(reply, InboundStatus.REJECTED, detail="rate limited")


# --- The commands ---------------------------------------------------------------------


def help_text() -> str:
    return gsm.fit(
        _(
            "SMS %(code)s: LAPOR [complaint], ASPIRASI [suggestion], INFO [question], "
            "CEK [tracking no.], BALAS [tracking no.] [message], BANTUAN."
        )
        % {"code": settings.ADUAN_SMS_SHORTCODE}
    )


def _help(command: Command, user: User) -> Outcome:
    return Outcome(help_text())


def _unknown(command: Command, user: User) -> Outcome:
    return Outcome(help_text(), InboundStatus.REJECTED, detail="unknown command")


def _submit(command: Command, user: User) -> Outcome:
    keyword = CANONICAL[command.kind]
    body = command.text
    if len(body) < BODY_MIN:
        reply = _(
            "Too short: after %(keyword)s, describe what happened, where and when in at "
            "least %(n)d characters."
        ) % {"keyword": keyword, "n": BODY_MIN}
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="text too short")
    if len(body) > BODY_MAX:
        reply = _("Too long: write at most %(n)d characters and send it again.") % {"n": BODY_MAX}
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="text too long")
    try:
        report = report_submit(
            reporter=user,
            channel=Channel.SMS,
            classification=command.classification,
            title=derive_title(body),
            body=body,
        )
    except ValidationFailed as exc:
        reason = _first_error(exc)
        reply = gsm.fit(_("Not accepted:"), reason)
        return Outcome(reply, InboundStatus.REJECTED, detail=f"invalid: {reason}")
    kind = Classification(report.classification).label
    reply = _(
        "%(kind)s received. Tracking no. %(id)s. To check its status, send CEK %(id)s to %(code)s."
    ) % {"kind": kind, "id": report.tracking_id, "code": settings.ADUAN_SMS_SHORTCODE}
    return Outcome(gsm.fit(reply), report=report)


def _not_found(raw_id: str) -> str:
    # raw_id is at most 24 characters of what the sender typed (parser._RAW_ID_CHARS).
    return gsm.fit(
        _("Report %(id)s was not found. Check the tracking number and send it again.")
        % {"id": gsm.to_gsm(raw_id)}
    )


def _status(command: Command, user: User) -> Outcome:
    if not command.raw_id:
        reply = _("Send CEK and the tracking number, e.g. CEK %(id)s.") % {"id": EXAMPLE_ID}
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="no tracking number")
    try:
        if command.tracking_id is None:
            raise NotFound
        report = report_get_for_user(user=user, tracking_id=command.tracking_id)
    except NotFound:
        return Outcome(_not_found(command.raw_id), InboundStatus.REJECTED, detail="not found")
    head = _("Report %(id)s: %(status)s.") % {
        "id": report.tracking_id,
        "status": Status(report.status).label,
    }
    responses = [
        event
        for event in event_list_for_user(user=user, report=report)
        if event.action == EventAction.RESPONDED and event.readable_note
    ]
    if not responses:
        return Outcome(gsm.fit(head, "", _("No response yet.")), report=report)
    if report.confidential:
        # As in e-mail: text of a confidential report does not leave the site.
        tail = _("The response is confidential; read it on the website.")
        return Outcome(gsm.fit(head, "", tail), report=report)
    tail = (
        _("Answer: BALAS %(id)s [message]") % {"id": report.tracking_id}
        if (reporter_message_answers(report) and report.reporter_id == user.pk)
        else ""
    )
    return Outcome(
        gsm.fit(head, _("Response:") + " " + responses[-1].readable_note, tail), report=report
    )


def _reply(command: Command, user: User) -> Outcome:
    if not command.raw_id or not command.text:
        reply = _(
            "Send BALAS, the tracking number and your message, e.g. BALAS %(id)s Terima kasih."
        ) % {"id": EXAMPLE_ID}
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="no tracking number or text")
    try:
        if command.tracking_id is None:
            raise NotFound
        report = report_get_for_user(user=user, tracking_id=command.tracking_id)
        if report.reporter_id != user.pk:
            raise NotFound  # a public report of someone else: same answer as a missing one
    except NotFound:
        return Outcome(_not_found(command.raw_id), InboundStatus.REJECTED, detail="not found")
    act = workflow.report_answer if reporter_message_answers(report) else workflow.report_comment
    try:
        act(report=report, actor=user, body=command.text)
    except InvalidTransition:
        reply = _("Report %(id)s is %(status)s: it no longer takes messages.") % {
            "id": report.tracking_id,
            "status": Status(report.status).label,
        }
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, report=report, detail="closed")
    except ValidationFailed as exc:
        reason = _first_error(exc)
        reply = gsm.fit(_("Not sent:"), reason)
        return Outcome(reply, InboundStatus.REJECTED, report=report, detail=f"invalid: {reason}")
    except DomainError as exc:  # not the reporter's to act on after all (permissions)
        logger.warning("sms reply on %s refused: %s", report.tracking_id, exc)
        return Outcome(_not_found(command.raw_id), InboundStatus.REJECTED, detail="refused")
    reply = _("Your message on report %(id)s has been received.") % {"id": report.tracking_id}
    return Outcome(gsm.fit(reply), report=report)


def _claim(command: Command, phone: str) -> Outcome:
    """``KLAIM <code>``: link this number to the web account that shows the code."""
    code = claim.code_read(f"{command.keyword} {command.text}")
    result = claim.claim_redeem(channel=IdentityKind.SMS, address=phone, code=code or "")
    user = result.user
    with translation.override((user.language if user else "") or settings.LANGUAGE_CODE):
        if result.outcome == claim.Outcome.LINKED:
            head = _("Done: this number is now linked to your Aduan account %(email)s.") % {
                "email": mask_email(user.email)
            }
            moved = (
                ngettext(
                    "%(n)d report moved to it.", "%(n)d reports moved to it.", result.reports_moved
                )
                % {"n": result.reports_moved}
                if result.reports_moved
                else ""
            )
            # Someone talked into sending a stranger's code must see how to undo it.
            tail = _("Not your account? Send LEPAS.")
            return Outcome(gsm.fit(head, moved, tail), detail=f"linked to account {user.pk}")
        if result.outcome == claim.Outcome.ALREADY:
            reply = _("This number is already linked to your Aduan account %(email)s.") % {
                "email": mask_email(user.email)
            }
            return Outcome(gsm.fit(reply), detail="already linked")
        if result.outcome == claim.Outcome.TAKEN:
            reply = _(
                "This number is linked to another Aduan account. Unlink it there first, "
                "then send KLAIM and your code again."
            )
            return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="claim: taken")
        if result.outcome == claim.Outcome.LIMITED:
            reply = _("Too many wrong codes from this number. Please try again later.")
            return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="claim: rate limited")
        if result.outcome == claim.Outcome.REFUSED:
            # A switched-off number gets no answer, whatever it sends (see _handle).
            return Outcome("", InboundStatus.REJECTED, detail="claim: refused")
        reply = _(
            "The code is wrong or has expired. Get a new one on the website under "
            "Profile, SMS and X, and send KLAIM [code]."
        )
        return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="claim: invalid code")


def _unlink(phone: str) -> Outcome:
    """``LEPAS``: take this number off the web account it was linked to; the reports the
    link moved come back to the number (``claim.claim_undo``)."""
    result = claim.claim_undo(channel=IdentityKind.SMS, address=phone)
    user = result.user
    with translation.override((user.language if user else "") or settings.LANGUAGE_CODE):
        if not result.undone:
            reply = _("This number is not linked to an Aduan web account.")
            return Outcome(gsm.fit(reply), InboundStatus.REJECTED, detail="unlink: not linked")
        reply = _("This number is no longer linked to the Aduan account %(email)s.") % {
            "email": mask_email(user.email)
        }
        moved = (
            ngettext(
                "%(n)d report is back with this number.",
                "%(n)d reports are back with this number.",
                result.reports_moved,
            )
            % {"n": result.reports_moved}
            if result.reports_moved
            else ""
        )
        return Outcome(gsm.fit(reply, moved), detail=f"unlinked from account {user.pk}")


def mask_email(address: str | None) -> str:
    """``b***@example.id`` (GSM-7 has no bullet): enough for its owner to recognise; a
    long domain is shortened too, so that the answer stays one SMS."""
    local, _sep, domain = (address or "").partition("@")
    if len(domain) > 24:
        domain = f"{domain[:8]}***{domain[-10:]}"
    return f"{local[:1]}***@{domain}" if domain else "***"


def _first_error(exc: ValidationFailed) -> str:
    for messages in (exc.field_errors or {}).values():
        if messages:
            return str(messages[0])
    return str(exc)


_HANDLERS = {
    # CLAIM and UNLINK are handled before the account lookup (_handle).
    Kind.REPORT: _submit,
    Kind.ASPIRATION: _submit,
    Kind.INFORMATION: _submit,
    Kind.STATUS: _status,
    Kind.REPLY: _reply,
    Kind.HELP: _help,
    Kind.UNKNOWN: _unknown,
}
