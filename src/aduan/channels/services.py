"""Identity and de-duplication shared by every channel adapter."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from aduan.accounts.models import User
from aduan.core.text import storable

from .models import ChannelIdentity, InboundMessage, InboundStatus
from .specs import spec_for


def clean_text(value: str, *, one_line: bool = False) -> str:
    """``aduan.core.text.storable``, the rule for every outside input."""
    return storable(value, one_line=one_line)


def identity_user(
    *, channel: str, address: str, handle: str = "", display_name: str = "", verified: bool = True
) -> User:
    """The account behind ``address`` on ``channel``, created (without password or e-mail)
    on first contact. ``verified`` says the channel itself proves the address (Kannel's
    sender number, a signed X webhook); e-mail is not proof until the link is opened."""
    handle = clean_text(handle, one_line=True)
    display_name = clean_text(display_name, one_line=True)
    identity = ChannelIdentity.objects.filter(channel=channel, address=address)
    if transaction.get_connection().in_atomic_block:
        # Locked until the message's transaction ends. A claim of this sender
        # (``claim._link``, which moves its account's reports to a web account and
        # switches the account off) locks the same row: it waits until this message's
        # report is written and then moves it too, or this message waits for the claim
        # and then acts for the web account. Unlocked, the report could land on the
        # switched-off account, where nobody sees it again.
        identity = identity.select_for_update()
    identity = identity.first()
    if identity is not None:
        if handle and identity.handle != handle:
            identity.handle = handle
            identity.save(update_fields=["handle"])
        return identity.user
    try:
        spec = spec_for(channel)
        with transaction.atomic():
            user = User.objects.create_user(
                email=None,
                password=None,
                full_name=(display_name or spec.default_account_name())[:150],
                phone=address if spec.address_is_phone else "",
            )
            ChannelIdentity.objects.create(
                channel=channel,
                address=address,
                handle=handle,
                user=user,
                verified_at=timezone.now() if verified else None,
            )
            return user
    except IntegrityError:
        # Two messages from a new sender at once: the other one created the account.
        return (
            ChannelIdentity.objects.select_related("user")
            .get(channel=channel, address=address)
            .user
        )


def inbound_receive(
    *, channel: str, external_id: str, sender: str, text: str
) -> tuple[InboundMessage, bool]:
    """Record an arriving message once. ``(message, True)`` the first time; on a repeat of
    the same channel message id, ``(the first record, False)`` so the adapter can answer
    with what it answered then instead of acting twice."""
    external_id = clean_text(external_id, one_line=True)[:255]
    try:
        with transaction.atomic():
            return (
                InboundMessage.objects.create(
                    channel=channel,
                    external_id=external_id,
                    sender=clean_text(sender, one_line=True)[:254],
                    text=clean_text(text),
                ),
                True,
            )
    except IntegrityError:
        return InboundMessage.objects.get(channel=channel, external_id=external_id), False


def inbound_finish(
    message: InboundMessage,
    *,
    status: str = InboundStatus.ACCEPTED,
    report=None,
    reply: str = "",
    detail: str = "",
) -> InboundMessage:
    message.status = status
    message.report = report
    message.reply = reply
    message.detail = detail[:500]
    message.save(update_fields=["status", "report", "reply", "detail"])
    return message
