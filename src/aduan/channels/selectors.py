"""Reads of what the channels received: where a report came from.

Only staff who handle a report see its messages, with the sender shown, masked or hidden
as ``reporter_visibility`` says and confirmation links removed; plain values, so a
template cannot reach the raw sender. Details: docs/channels.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from aduan.reports.models import Report
from aduan.reports.selectors import (
    AnyUser,
    ReporterVisibility,
    reporter_visibility,
    user_handles_report,
)

from .models import ChannelIdentity, IdentityKind, InboundMessage, InboundStatus
from .specs import mask_email, spec_for

__all__ = ["OriginMessage", "inbound_messages_for_report", "mask_email"]
_CONFIRMATION_KEY = "CONFIRMATIONKEY"


@dataclass(frozen=True)
class OriginMessage:
    """One received message as a member of staff may read it."""

    channel: str
    channel_label: str
    received_at: dt.datetime
    sender: str  # already masked or hidden as the viewer's visibility requires
    sender_hidden: bool  # True when ``sender`` says "hidden" rather than showing anything
    text: str
    status: str
    status_label: str
    detail: str
    reply: str


def inbound_messages_for_report(*, user: AnyUser, report: Report) -> list[OriginMessage]:
    """The messages linked to ``report``, oldest first, for staff who handle it; [] for
    anyone else. One query, whatever the number of messages."""
    if not user_handles_report(user=user, report=report):
        return []
    visibility = reporter_visibility(user=user, report=report)
    handles = ChannelIdentity.objects.filter(
        channel=OuterRef("channel"), address=OuterRef("sender")
    ).values("handle")[:1]
    messages = (
        InboundMessage.objects.filter(report=report)
        .annotate(sender_handle=Subquery(handles))
        .order_by("received_at", "id")
    )
    return [_origin_message(message, visibility=visibility) for message in messages]


def _origin_message(message: InboundMessage, *, visibility: ReporterVisibility) -> OriginMessage:
    handle = getattr(message, "sender_handle", None) or ""  # the annotation above
    if visibility == ReporterVisibility.FULL:
        sender, hidden = _sender_full(message.channel, message.sender, handle), False
        clean = _without_confirmation_links
    else:
        if visibility == ReporterVisibility.NONE:
            sender, hidden, stand_in = _("hidden (anonymous report)"), True, _("[hidden]")
        else:
            stand_in = _masked_address(message.channel, message.sender)
            sender, hidden = _sender_masked(message.channel, message.sender), False
        pattern = _identity_pattern(message.channel, message.sender, handle)

        def clean(value: str) -> str:
            value = _without_confirmation_links(value)
            return pattern.sub(lambda _match: stand_in, value) if pattern else value

    return OriginMessage(
        channel=message.channel,
        channel_label=_label(IdentityKind, message.channel),
        received_at=message.received_at,
        sender=sender,
        sender_hidden=hidden,
        text=clean(message.text),
        status=message.status,
        status_label=_label(InboundStatus, message.status),
        detail=clean(message.detail),
        reply=clean(message.reply),
    )


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- Who sent it ----------------------------------------------------------------------------


def _sender_full(channel: str, sender: str, handle: str) -> str:
    if not sender:
        return _("unknown")
    return spec_for(channel).sender_full(sender, handle)


def _sender_masked(channel: str, sender: str) -> str:
    if not sender:
        return _("unknown")
    return spec_for(channel).sender_masked(sender)


def _masked_address(channel: str, sender: str) -> str:
    return spec_for(channel).mask(sender)


def _identity_pattern(channel: str, sender: str, handle: str) -> re.Pattern[str] | None:
    """What identifies the sender inside a text: the address itself, a phone number
    however it is written (``+62 812-3456-7890``, ``0812 3456 7890``) and the ``@handle``."""
    parts = []
    if sender:
        parts.append(re.escape(sender))
        digits = sender[1:] if sender.startswith("+") else ""
        if spec_for(channel).address_is_phone and digits.isdigit():
            separators = r"[\s.\-]*"
            if digits.startswith("62"):
                national = separators.join(digits[2:])
                parts.append(rf"(?<!\d)(?:\+?62|0){separators}{national}(?!\d)")
            parts.append(r"(?<!\d)\+?" + separators.join(digits) + r"(?!\d)")
    if handle:
        parts.append(rf"(?<![\w@])@{re.escape(handle)}\b")
    if not parts:
        return None
    return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE)


def _confirmation_pattern() -> re.Pattern[str] | None:
    try:
        path = reverse("account_confirm_email", args=[_CONFIRMATION_KEY])
    except NoReverseMatch:
        return None
    before, _key, after = path.partition(_CONFIRMATION_KEY)
    return re.compile(rf"\S*{re.escape(before)}[-:\w]+{re.escape(after.rstrip('/'))}/?")


def _without_confirmation_links(value: str) -> str:
    pattern = _confirmation_pattern()
    if pattern is None or not value:
        return value
    removed = _("[confirmation link removed]")
    return pattern.sub(lambda _match: removed, value)
