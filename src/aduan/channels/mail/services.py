"""Turning a received e-mail into a report, a comment or an answer, and answering it.

A From line proves nothing, so a new report from e-mail is always anonymous, and acting on
an existing report needs the reporter's confirmed address and the thread tag (``thread``)
of an e-mail we sent them. Each message is handled once, in one transaction. Details:
docs/channels.md.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited

from aduan.accounts.models import User
from aduan.channels.adapter import Refusal, reporter_message_answers, reporter_refusal
from aduan.channels.models import ChannelIdentity, IdentityKind, InboundMessage, InboundStatus
from aduan.channels.services import identity_user, inbound_finish, inbound_receive
from aduan.core.errors import DomainError, RateLimited, ValidationFailed
from aduan.reports.attachments import (
    DecodeBudget,
    PreparedFile,
    attachment_stored_names,
    attachments_discard,
    attachments_stored_names,
    prepare_upload,
)
from aduan.reports.models import Classification, Report, ReportEvent
from aduan.workflow.services import (
    report_answer,
    report_attachment_add,
    report_comment,
    report_submit,
    report_validate,
)

from .delivery import reply_key
from .models import MailReply
from .parse import MailAttachment, ParsedMail, parse_mail, parse_message, sender_address
from .parse import message_id as header_message_id
from .thread import thread_answers, thread_message_id

logger = logging.getLogger(__name__)

CHANNEL = IdentityKind.EMAIL
RECORDED_TEXT_MAX = 10_000
# How the report's fields are called in an e-mail.
_FIELD_NAMES = {
    "title": gettext_lazy("Subject"),
    "body": gettext_lazy("Message text"),
    "files": gettext_lazy("Attachments"),
}


def intake_addresses() -> list[str]:
    return [address.lower() for address in settings.ADUAN_MAIL_INTAKE_ADDRESS]


def max_bytes() -> int:
    return settings.ADUAN_MAIL_MAX_BYTES


@dataclass
class Outcome:
    status: str
    subject: str
    body: str
    detail: str = ""
    report: Report | None = None
    refused: list[str] = field(default_factory=list)
    # The report's reporter, when the answer goes to them: its Message-ID then carries
    # the thread tag, so that a reply to it can add to the report.
    recipient: User | None = None


# --- Who sent it ----------------------------------------------------------------------


def account_for_address(address: str) -> User | None:
    """The account that holds ``address`` (as any of its e-mail addresses), if any."""
    email = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=address)
        .order_by("-verified", "-primary")
        .first()
    )
    if email is not None:
        return email.user
    return User.objects.filter(email__iexact=address).first()


def address_confirmed(*, user: User, address: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()


def account_create_for_address(*, address: str) -> User:
    """An e-mail-only account for a new sender: no password, address NOT verified."""
    user = identity_user(channel=CHANNEL, address=address, verified=False)
    if not user.email:
        User.objects.filter(pk=user.pk, email__isnull=True).update(email=address)
        user.email = address
    EmailAddress.objects.get_or_create(
        user=user, email=address, defaults={"primary": True, "verified": False}
    )
    return user


def confirmation_link(*, user: User, address: str) -> str:
    """allauth's own confirmation link (signed, expiring) for this unverified address.

    An account made outside allauth (``createsuperuser``, a script) holds its address only
    as ``User.email``; it gets the unverified ``EmailAddress`` allauth confirms, instead of
    failing the whole message (and the mail server's every retry of it)."""
    email_address, _created = EmailAddress.objects.get_or_create(
        user=user,
        email__iexact=address,
        defaults={
            "email": address,
            "verified": False,
            "primary": not EmailAddress.objects.filter(user=user, primary=True).exists(),
        },
    )
    key = EmailConfirmationHMAC(email_address).key
    return f"{settings.SITE_URL}{reverse('account_confirm_email', args=[key])}"


def identity_confirm(*, user_id: int, address: str) -> int:
    """The address was proven (allauth confirmed it): mark the channel identity."""
    return ChannelIdentity.objects.filter(
        channel=CHANNEL, address=address.lower(), user_id=user_id, verified_at__isnull=True
    ).update(verified_at=timezone.now())


def _new_senders_limited(address: str) -> bool:
    """Count a report from an address no account has: per domain and in all. Each such
    mail makes an account and a public report, and From is anyone's to write."""
    domain = address.rpartition("@")[2].lower()
    limited = False
    for group, key, rate in (
        ("mail-new-sender-domain", domain, settings.ADUAN_MAIL_NEW_SENDER_RATE_DOMAIN),
        ("mail-new-sender", "all", settings.ADUAN_MAIL_NEW_SENDER_RATE),
    ):
        limited |= is_ratelimited(
            HttpRequest(),
            group=group,
            key=lambda _group, _request, key=key: key,
            rate=rate,
            increment=True,
        )
    return limited


# --- Texts ------------------------------------------------------------------------------


def _track_link(report: Report) -> str:
    return f"{settings.SITE_URL}{reverse('web:track_detail', args=[report.tracking_id])}"


def _problems(exc: DomainError) -> str:
    if not exc.field_errors:
        return f"- {exc.message}"
    lines = []
    for name, messages in exc.field_errors.items():
        label = _FIELD_NAMES.get(name, name)
        lines.extend(f"- {label}: {message}" for message in messages)
    return "\n".join(lines)


def _refused_block(refused: list[str]) -> str:
    if not refused:
        return ""
    lines = "\n".join(f"- {reason}" for reason in refused)
    return "\n\n" + _("These attachments were not accepted:") + "\n" + lines


def _spoof_notice(link: str) -> str:
    return _(
        "The sender address of an e-mail can be forged, so we do not show anything about "
        "this report to this address until you confirm that it is yours. Open this link "
        "to confirm (it stays valid for a few days; any new e-mail to us brings a new one):"
        '\n%(link)s\n\nAfter confirming, you can choose a password with "Forgot '
        'password" on the sign-in page and follow the report there. If you did not write '
        "to us, ignore this message."
    ) % {"link": link}


def _thread_refusal(report: Report) -> str:
    return _(
        "Your message was not added to report %(id)s: it does not answer an e-mail we "
        "sent you about this report. The sender address of an e-mail can be forged, so "
        "we only accept replies to our own e-mails.\n\nTo add to report %(id)s, reply to "
        "one of the e-mails we sent you about it (this one too), or use the website: "
        "%(link)s\n\nIf you did not write to us, ignore this message."
    ) % {"id": report.tracking_id, "link": _track_link(report)}


def _rules_hint() -> str:
    return _(
        "Write the report's title (10 to 150 characters) as the subject and describe what "
        "happened in the message (at least 30 characters). To add to an existing report, "
        "reply to our e-mail and keep the [tracking id] in the subject."
    )


# --- Files ------------------------------------------------------------------------------


def _prepare_files(found: list[MailAttachment]) -> tuple[list[PreparedFile], list[str]]:
    prepared: list[PreparedFile] = []
    refused: list[str] = []
    limit = settings.ADUAN_ATTACHMENT_MAX_COUNT
    budget = DecodeBudget()
    for attachment in found:
        name = attachment.name or _("attachment")
        if len(prepared) >= limit:
            refused.append(
                _("%(name)s: a report can have at most %(n)d attachments.")
                % {"name": name, "n": limit}
            )
            continue
        try:
            prepared.append(
                prepare_upload(
                    name=name,
                    chunks=[attachment.data],
                    declared_size=len(attachment.data),
                    budget=budget,
                )
            )
        except DomainError as exc:
            refused.append(exc.message)
    return prepared, refused


# --- New reports ------------------------------------------------------------------------


def _new_report(parsed: ParsedMail, stored: list[str]) -> Outcome:
    existing = account_for_address(parsed.sender)
    # Staff addresses are not refused here, as they never were (the report is anonymous).
    if existing is not None and reporter_refusal(existing, citizens_only=False) is Refusal.INACTIVE:
        return Outcome(
            InboundStatus.REJECTED,
            _("Your e-mail to Aduan could not be processed"),
            _("This address belongs to a deactivated account; reports from it are not accepted."),
            detail="inactive account",
        )
    try:
        report_validate(
            classification=Classification.COMPLAINT, title=parsed.title, body=parsed.text
        )
    except ValidationFailed as exc:
        return Outcome(
            InboundStatus.REJECTED,
            _("Your report could not be filed"),
            _("Your e-mail could not be filed as a report:")
            + "\n"
            + _problems(exc)
            + "\n\n"
            + _rules_hint(),
            detail="invalid: " + ", ".join(sorted(exc.field_errors)),
        )
    if (
        existing is not None
        and reporter_refusal(existing, citizens_only=False, count_submission=True)
        is Refusal.RATE_LIMITED
    ):
        return Outcome(
            InboundStatus.REJECTED,
            _("Your report could not be filed"),
            str(RateLimited.default_message),
            detail="rate limited",
        )
    if existing is None and _new_senders_limited(parsed.sender):
        # No answer: the From of such a flood is forged, and answering would send our
        # mail to whoever it names (backscatter).
        return Outcome(InboundStatus.REJECTED, "", "", detail="new senders rate limited")
    files, refused = _prepare_files(parsed.attachments)
    user = existing or account_create_for_address(address=parsed.sender)
    try:
        report = report_submit(
            reporter=user,
            channel=CHANNEL,
            classification=Classification.COMPLAINT,
            title=parsed.title,
            body=parsed.text,
            anonymous=True,
            confidential=parsed.confidential,
            files=files,
        )
    except ValidationFailed as exc:
        return Outcome(
            InboundStatus.REJECTED,
            _("Your report could not be filed"),
            _("Your e-mail could not be filed as a report:") + "\n" + _problems(exc),
            detail="invalid at submit",
        )
    stored.extend(attachments_stored_names(report.attachments.all()))
    subject = f"[{report.tracking_id}] " + _("Report received")
    intro = _("We received your report. Its tracking id is %(id)s.") % {"id": report.tracking_id}
    if not address_confirmed(user=user, address=parsed.sender):
        # Nothing of the report's content: whoever reads this may not be who wrote it.
        count = len(refused)
        files_note = (
            "\n\n"
            + _("%(n)d attachment(s) could not be accepted; you will see why after confirming.")
            % {"n": count}
            if count
            else ""
        )
        body = (
            intro
            + files_note
            + "\n\n"
            + _spoof_notice(confirmation_link(user=user, address=parsed.sender))
        )
        return Outcome(
            InboundStatus.ACCEPTED,
            subject,
            body,
            detail="unconfirmed sender",
            report=report,
            recipient=user,
        )
    body = (
        intro
        + "\n\n"
        + _('Title: "%(title)s"') % {"title": report.title}
        + "\n"
        + _("Follow it here: %(link)s") % {"link": _track_link(report)}
        + _refused_block(refused)
        + "\n\n"
        + _(
            "The report is filed without your name, because the sender of an e-mail can "
            "be forged. To add something, reply to this e-mail and keep [%(id)s] in the "
            "subject."
        )
        % {"id": report.tracking_id}
    )
    return Outcome(
        InboundStatus.ACCEPTED, subject, body, report=report, refused=refused, recipient=user
    )


# --- Replies to a report ------------------------------------------------------------------


def _reply_to_report(parsed: ParsedMail, stored: list[str]) -> Outcome:
    tracking_id = parsed.tracking_id
    assert tracking_id is not None
    subject = f"[{tracking_id}] " + _("Your message could not be added")
    user = account_for_address(parsed.sender)
    report = Report.objects.filter(tracking_id=tracking_id).first()
    if user is None or report is None or report.reporter_id != user.pk or not user.is_active:
        # The same answer for a missing report and someone else's: nothing to enumerate.
        return Outcome(
            InboundStatus.REJECTED,
            subject,
            _(
                "We could not find report %(id)s among the reports sent from this address, "
                "so your message was not added. To send a new report, write to us without "
                "a tracking id in the subject."
            )
            % {"id": tracking_id},
            detail="not the sender's report",
        )
    if not address_confirmed(user=user, address=parsed.sender):
        return Outcome(
            InboundStatus.REJECTED,
            subject,
            _("Your message was not added to the report: this address is not confirmed yet.")
            + "\n\n"
            + _spoof_notice(confirmation_link(user=user, address=parsed.sender)),
            detail="unconfirmed sender",
            report=report,
            recipient=user,
        )
    if not thread_answers(references=parsed.references, report_id=report.pk, sender_id=user.pk):
        return Outcome(
            InboundStatus.REJECTED,
            subject,
            _thread_refusal(report),
            detail="reply without a valid thread reference",
            report=report,
            recipient=user,
        )
    files, refused = _prepare_files(parsed.attachments)
    try:
        if reporter_message_answers(report):
            report = report_answer(report=report, actor=user, body=parsed.text)
            added = _("Your answer was added to report %(id)s.")
            for prepared in files:
                try:
                    attachment = report_attachment_add(report=report, actor=user, prepared=prepared)
                    stored.extend(attachment_stored_names(attachment))
                except DomainError as exc:
                    refused.append(f"{prepared.name}: {exc.message}")
        else:
            report = report_comment(report=report, actor=user, body=parsed.text, files=files)
            # The report stays locked until this message commits: its newest event is ours.
            comment = ReportEvent.objects.filter(report=report).order_by("-id").first()
            stored.extend(attachments_stored_names(comment.attachments.all()) if comment else ())
            added = _("Your comment was added to report %(id)s.")
    except DomainError as exc:
        return Outcome(
            InboundStatus.REJECTED,
            subject,
            _("Your message was not added to report %(id)s:") % {"id": tracking_id}
            + "\n"
            + _problems(exc),
            detail=f"refused: {type(exc).__name__}",
            report=report,
            recipient=user,
        )
    body = (
        added % {"id": tracking_id}
        + "\n"
        + _("Follow it here: %(link)s") % {"link": _track_link(report)}
        + _refused_block(refused)
    )
    return Outcome(
        InboundStatus.ACCEPTED,
        f"[{tracking_id}] " + _("Message added"),
        body,
        report=report,
        refused=refused,
        recipient=user,
    )


# --- Receiving ----------------------------------------------------------------------------


def _language(address: str) -> str:
    user = account_for_address(address) if address else None
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def _reply_write(message: InboundMessage, *, to: str, outcome: Outcome, in_reply_to: str) -> None:
    inbound_finish(
        message,
        status=outcome.status,
        report=outcome.report,
        reply=outcome.body,
        detail=outcome.detail,
    )
    if not outcome.body:
        return  # answered with silence (see _new_senders_limited)
    report_id = recipient_id = None
    if outcome.report is not None and outcome.recipient is not None:
        report_id, recipient_id = outcome.report.pk, outcome.recipient.pk
    reply = MailReply.objects.create(
        inbound=message,
        to=to,
        subject=outcome.subject[:200],
        body=outcome.body,
        in_reply_to=in_reply_to,
        message_id=thread_message_id(
            kind="reply", key=reply_key(message.pk), report_id=report_id, recipient_id=recipient_id
        ),
    )
    transaction.on_commit(partial(_enqueue_reply, reply.pk), robust=True)


def _enqueue_reply(reply_id: int) -> None:
    from .tasks import send_mail_reply

    send_mail_reply.enqueue(reply_id=reply_id)


def _ignored(parsed: ParsedMail) -> str:
    if not parsed.sender:
        return "no usable From address"
    if parsed.auto_generated:
        return "automatic message (bounce, auto-reply or list)"
    if parsed.sender in intake_addresses() or parsed.sender == _own_address():
        return "from our own address"
    return ""


def _own_address() -> str:
    return sender_address(parse_message(f"From: {settings.DEFAULT_FROM_EMAIL}\n\n".encode()))


def mail_receive(*, raw: bytes) -> InboundMessage:
    """Handle one received e-mail, once per Message-ID; returns its record, whose
    ``reply`` is the answer written (sent by a task after commit)."""
    if len(raw) > max_bytes():
        return mail_receive_oversize(headers=header_block(raw), size=len(raw))
    stored: list[str] = []  # attachment files written to storage by this message
    try:
        with transaction.atomic():
            return _mail_handle(raw, stored)
    except BaseException:
        # The rows are rolled back; the files are not (the same as report_submit does).
        attachments_discard(stored)
        raise


def _mail_handle(raw: bytes, stored: list[str]) -> InboundMessage:
    parsed = parse_mail(raw)
    recorded = f"{parsed.subject}\n\n{parsed.text}"[:RECORDED_TEXT_MAX]
    message, created = inbound_receive(
        channel=CHANNEL, external_id=parsed.message_id, sender=parsed.sender, text=recorded
    )
    if not created:
        logger.info("mail %s received again: already handled", parsed.message_id)
        return message
    if reason := _ignored(parsed):
        logger.info("mail %s ignored: %s", parsed.message_id, reason)
        return inbound_finish(message, status=InboundStatus.IGNORED, detail=reason)
    with translation.override(_language(parsed.sender)):
        outcome = (
            _reply_to_report(parsed, stored) if parsed.tracking_id else _new_report(parsed, stored)
        )
    _reply_write(message, to=parsed.sender, outcome=outcome, in_reply_to=parsed.original_message_id)
    log = logger.info if outcome.status == InboundStatus.ACCEPTED else logger.warning
    log(
        "mail %s from %s: %s %s %s",
        parsed.message_id,
        parsed.sender,
        outcome.status,
        outcome.report.tracking_id if outcome.report else "-",
        outcome.detail,
    )
    return message


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (everything before the first blank line)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            return raw[: end + len(separator)]
    return raw[:65536]


@transaction.atomic
def mail_receive_oversize(*, headers: bytes, size: int) -> InboundMessage:
    """A message over ``ADUAN_MAIL_MAX_BYTES`` (seen by IMAP; the SMTP listener refuses
    it before it arrives): recorded and answered from its headers alone."""
    message_headers = parse_message(headers)
    sender = sender_address(message_headers)
    external_id = header_message_id(message_headers, headers)
    if external_id.startswith("sha256:"):  # no Message-ID: the headers and size identify it
        external_id = "sha256:" + hashlib.sha256(headers + str(size).encode()).hexdigest()
    message, created = inbound_receive(
        channel=CHANNEL, external_id=external_id, sender=sender, text=""
    )
    if not created:
        return message
    parsed = parse_mail(headers)
    if reason := _ignored(parsed):
        return inbound_finish(message, status=InboundStatus.IGNORED, detail=f"too large; {reason}")
    with translation.override(_language(sender)):
        outcome = Outcome(
            InboundStatus.REJECTED,
            _("Your e-mail to Aduan was too large"),
            _(
                "Your e-mail was %(size)s, more than the %(limit)s we accept, so it was not "
                "read. Send it again with fewer or smaller attachments (each file at most "
                "%(file_limit)s)."
            )
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(max_bytes()),
                "file_limit": filesizeformat(settings.ADUAN_ATTACHMENT_MAX_BYTES),
            },
            detail=f"too large: {size} bytes",
        )
    _reply_write(message, to=sender, outcome=outcome, in_reply_to=parsed.original_message_id)
    logger.warning("mail %s from %s refused: %s bytes", external_id, sender, size)
    return message
