"""E-mail through Django's configured backend (SMTP in production, console in the demo).

Only to an address the user has verified (allauth's ``EmailAddress``): a typo in a sign-up
form must not send a citizen's report updates to a stranger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from aduan.notifications.models import NotificationChannel
from aduan.notifications.senders import ChannelSender, Unreachable, register

from .thread import thread_message_id

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification


class DeliveryError(Exception):
    pass


def message_id(notification: Notification) -> str:
    """A Message-ID that is the same for every attempt at one notification, so a duplicate,
    should one ever leave, is recognisable (and dropped by many mail systems). About a
    report, it carries the thread tag for the report and the recipient: answering this
    e-mail is how a reporter adds to the report by e-mail (``aduan.channels.mail.thread``)."""
    return thread_message_id(
        kind="notification",
        key=notification.idempotency_key,
        report_id=notification.report_id,
        recipient_id=notification.recipient_id,
    )


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
            # Replies reach the e-mail intake (aduan.channels.mail): the tracking id in the
            # subject names the report, the Message-ID in In-Reply-To proves the sender.
            reply_to=getattr(settings, "ADUAN_MAIL_INTAKE_ADDRESS", [])[:1],
            headers={"Message-ID": message_id(notification)},
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
