"""E-mail through Django's configured backend (SMTP in production, console in the demo).

Only to an address the user has verified (allauth's ``EmailAddress``): a typo in a sign-up
form must not send a citizen's report updates to a stranger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from aduan.notifications.models import NotificationChannel

from . import ChannelSender, Unreachable, register

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification


class DeliveryError(Exception):
    pass


def message_id(idempotency_key: str) -> str:
    """A Message-ID that is the same for every attempt at one notification, so a duplicate,
    should one ever leave, is recognisable (and dropped by many mail systems)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "aduan.localhost"
    return f"<notification.{digest}@{domain}>"


class EmailChannel(ChannelSender):
    name = NotificationChannel.EMAIL
    label = _("E-mail")

    def reachable(self, users: Sequence[User]) -> set[int]:
        addresses = {user.pk: user.email.lower() for user in users if user.is_active and user.email}
        if not addresses:
            return set()
        verified = EmailAddress.objects.filter(user_id__in=addresses, verified=True).values_list(
            "user_id", "email"
        )
        return {user_id for user_id, email in verified if email.lower() == addresses[user_id]}

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        recipient = notification.recipient
        if not self.reachable([recipient]):
            raise Unreachable("the recipient has no verified e-mail address any more")
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[recipient.email],
            # Replies reach the e-mail intake (aduan.channels.mail), which threads them
            # to the report by the tracking id in the subject.
            reply_to=getattr(settings, "ADUAN_MAIL_INTAKE_ADDRESS", [])[:1],
            headers={"Message-ID": message_id(notification.idempotency_key)},
        )
        connection = get_connection()
        # Connecting (and SMTP login) sends nothing: a failure here is a clean retry.
        connection.open()
        try:
            started()
            accepted = connection.send_messages([message])
        finally:
            connection.close()
        if not accepted:
            raise DeliveryError("the e-mail backend accepted no message")


register(EmailChannel())
