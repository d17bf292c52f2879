"""The notifications channel "x": a reporter who came through X hears back on X.

A user with a confirmed X identity is ``reachable`` while the account can send; they get
the subject (tracking id and status, never the text) and the link, under the original
tweet only while the report stays public and named, by DM otherwise. Details:
docs/channels.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aduan.channels.models import ChannelIdentity, IdentityKind, InboundMessage, InboundStatus
from aduan.notifications.models import NotificationKind
from aduan.notifications.senders import ChannelSender, Uncertain, Unreachable, register

from . import client
from .services import REPLY_KEY_PREFIX

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification

FOR_REPORTERS = frozenset(
    {
        NotificationKind.STATUS_CHANGED,
        NotificationKind.RESPONSE_POSTED,
        NotificationKind.COMMENT_POSTED,
        NotificationKind.REPORT_MERGED,
    }
)


def message_text(notification: Notification) -> str:
    if notification.idempotency_key.startswith(REPLY_KEY_PREFIX):
        return notification.body[: client.TEXT_MAX]
    link = settings.SITE_URL + notification.url if notification.url.startswith("/") else ""
    subject = notification.subject.rstrip(" .")
    if not link:
        return subject[: client.TEXT_MAX]
    return f"{subject[: client.TEXT_MAX - len(link) - 3]}. {link}"


class XChannel(ChannelSender):
    name = IdentityKind.X.value
    label = _("X (Twitter)")

    def reachable(self, users: Sequence[User]) -> set[int]:
        active = [user.pk for user in users if user.is_active]
        if not active or not client.x_config().sends:
            return set()
        return set(
            ChannelIdentity.objects.filter(
                channel=IdentityKind.X, user_id__in=active, verified_at__isnull=False
            ).values_list("user_id", flat=True)
        )

    def offered(self, user: User) -> bool:
        return bool(self.reachable([user]))

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        recipient = notification.recipient
        report = notification.report
        if report is None or notification.kind not in FOR_REPORTERS:
            raise Unreachable("X carries only updates on a reporter's or follower's report")
        origin = (
            InboundMessage.objects.filter(
                channel=IdentityKind.X, report=report, status=InboundStatus.ACCEPTED
            )
            .exclude(external_id__startswith="tweet-delete:")
            .order_by("received_at", "id")
            .first()
        )
        # A web account may have several X accounts linked: the one the report came
        # from, else the one linked last.
        identities = sorted(
            ChannelIdentity.objects.filter(
                channel=IdentityKind.X, user=recipient, verified_at__isnull=False
            ),
            key=lambda i: (origin is not None and i.address == origin.sender, i.verified_at),
        )
        identity = identities[-1] if identities else None
        if identity is None or not recipient.is_active or not client.x_config().sends:
            raise Unreachable("the recipient has no confirmed X account any more")
        text = message_text(notification)
        in_thread = (
            origin is not None
            and origin.external_id.startswith("tweet:")
            and report.reporter_id == recipient.pk
            and origin.sender == identity.address
            and not report.anonymous
            and not report.confidential
        )
        try:
            if in_thread:
                client.tweet_reply(
                    text=text, in_reply_to=origin.external_id.partition(":")[2], started=started
                )
            else:
                client.direct_message(text=text, participant_id=identity.address, started=started)
        except client.XApiUncertain as exc:
            raise Uncertain(str(exc)) from exc
        except client.XApiError as exc:
            if not exc.retry:
                raise Unreachable(str(exc)) from exc
            raise


register(XChannel())
