"""Identity and de-duplication shared by every channel adapter."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User

from .models import ChannelIdentity, InboundMessage, InboundStatus

# What a channel-made account is called until its owner claims it on the web. Never the
# phone number or address: a non-anonymous reporter's name is shown in public.
CHANNEL_ACCOUNT_NAMES = {
    "sms": "Pelapor SMS",
    "x": "Pelapor X",
    "email": "Pelapor e-mail",
}


def identity_user(
    *, channel: str, address: str, handle: str = "", display_name: str = "", verified: bool = True
) -> User:
    """The account behind ``address`` on ``channel``, created (without password or e-mail)
    on first contact. ``verified`` says the channel itself proves the address (Kannel's
    sender number, a signed X webhook); e-mail is not proof until the link is opened."""
    identity = (
        ChannelIdentity.objects.select_related("user")
        .filter(channel=channel, address=address)
        .first()
    )
    if identity is not None:
        if handle and identity.handle != handle:
            identity.handle = handle
            identity.save(update_fields=["handle"])
        return identity.user
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=None,
                password=None,
                full_name=(display_name or CHANNEL_ACCOUNT_NAMES.get(channel, _("Reporter")))[:150],
                phone=address if channel == "sms" else "",
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
    try:
        with transaction.atomic():
            return (
                InboundMessage.objects.create(
                    channel=channel, external_id=external_id[:255], sender=sender[:254], text=text
                ),
                True,
            )
    except IntegrityError:
        return InboundMessage.objects.get(channel=channel, external_id=external_id[:255]), False


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
