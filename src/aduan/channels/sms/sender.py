"""The notification channel "sms": report updates to SMS-only reporters through Kannel.

Only to a proven SMS identity, at most two GSM-7 parts, the note as the audience rule
allows (none on a confidential report); an outbox row with retries, settled as not sent
when Kannel's answer is lost. Details: docs/channels.md.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.channels.adapter import reporter_message_answers
from aduan.channels.models import ChannelIdentity, IdentityKind
from aduan.notifications.senders import ChannelSender, Uncertain, Unreachable, register
from aduan.reports.selectors import event_note_for

from . import gsm

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification

logger = logging.getLogger(__name__)

PARTS = 2
TIMEOUT = 10.0
ACCEPTED = ("0:", "3:")


class DeliveryError(Exception):
    """Kannel refused the message (wrong credentials, bad number, queue full): retry."""


class DeliveryUncertain(Uncertain):
    """The request reached Kannel but its answer did not reach us: never sent again."""


def sms_text(notification: Notification) -> str:
    """The SMS for ``notification``, in the recipient's language, within ``PARTS`` parts."""
    recipient = notification.recipient
    report = notification.report
    event = notification.event
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        if report is None:
            return gsm.fit(notification.subject, parts=PARTS)
        note = ""
        if event is not None and not report.confidential:
            note = event_note_for(user=recipient, report=report, event=event)
        if reporter_message_answers(report) and report.reporter_id == recipient.pk:
            hint = _("Answer: BALAS %(id)s [message]") % {"id": report.tracking_id}
        else:
            hint = _("Status: CEK %(id)s") % {"id": report.tracking_id}
        return gsm.fit(notification.subject.rstrip(".") + ".", note, hint, parts=PARTS)


class SmsChannel(ChannelSender):
    name = "sms"
    label = gettext_lazy("SMS")

    def reachable(self, users: Sequence[User]) -> set[int]:
        return set(self._numbers(users))

    def offered(self, user: User) -> bool:
        return bool(self._numbers([user]))

    def enabled_by_default(self, user: User) -> bool:
        return not user.email

    @staticmethod
    def _numbers(users: Sequence[User]) -> dict[int, str]:
        """The proven number of each reachable user (the latest linked, should one
        account have several), in one query."""
        active = [user.pk for user in users if user.is_active]
        if not active or not settings.ADUAN_KANNEL_SENDSMS_URL:
            return {}
        return dict(
            ChannelIdentity.objects.filter(
                channel=IdentityKind.SMS, user_id__in=active, verified_at__isnull=False
            )
            .order_by("created_at", "id")
            .values_list("user_id", "address")
        )

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        recipient = notification.recipient
        phone = self._numbers([recipient]).get(recipient.pk)
        if phone is None:
            raise Unreachable("the recipient has no proven SMS number any more")
        url = urlsplit(settings.ADUAN_KANNEL_SENDSMS_URL)
        query = urlencode(
            {
                "username": settings.ADUAN_KANNEL_SENDSMS_USER,
                "password": settings.ADUAN_KANNEL_SENDSMS_PASSWORD,
                "from": settings.ADUAN_SMS_SHORTCODE,
                "to": phone,
                "text": sms_text(notification),
                "charset": "UTF-8",
                "coding": "0",
            }
        )
        connection_class = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(url.hostname or "127.0.0.1", url.port, timeout=TIMEOUT)
        try:
            connection.connect()  # a failure here sends nothing: a clean retry
            started()
            try:
                connection.request("GET", f"{url.path or '/cgi-bin/sendsms'}?{query}")
                response = connection.getresponse()
                answer = response.read(500).decode("utf-8", "replace").strip()
            except (OSError, http.client.HTTPException) as exc:
                raise DeliveryUncertain(f"no answer from Kannel after sending: {exc}") from exc
        finally:
            connection.close()
        if not answer.startswith(ACCEPTED):
            raise DeliveryError(f"Kannel answered {response.status}: {answer[:200]}")
        logger.info("sms notification %s: %s", notification.pk, answer[:60])


register(SmsChannel())

__all__ = ["DeliveryError", "DeliveryUncertain", "SmsChannel", "sms_text"]
