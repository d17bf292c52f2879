"""The notification channel "sms": report updates to SMS-only reporters through Kannel.

Who: an active account without an e-mail address whose phone number is its SMS identity
(the account the first SMS to 1708 created, until its owner claims it on the web and adds
an e-mail address). Nobody else: a web user's phone number was typed, not proven, and
SMS costs money. Off altogether while ``ADUAN_KANNEL_SENDSMS_URL`` is unset.

What: at most two concatenated GSM-7 parts (306 characters): the notification's subject
(already in the recipient's language: "Laporan X: Ditanggapi"), the public note of the
event (the response, the officer's question), and what to send next (BALAS or CEK). For a
confidential report the note is left out, as in e-mail.

How: a row of the notification outbox (``aduan.notifications``), so delivery is a task
with retries and back-off. Kannel answers ``0: Accepted for delivery`` or ``3: Queued for
later delivery`` (no SMS centre connected: it keeps the message); anything else is a
refusal and is retried. The connection is opened before ``started()`` is called, so
"Kannel unreachable" is a clean retry; once the request is on the wire, a lost answer
means nobody knows whether Kannel took the message, and the row is settled as not sent
(``DeliveryUncertain``) rather than risk the same SMS twice.
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

from aduan.channels.models import ChannelIdentity, ChannelKind
from aduan.notifications.channels import ChannelSender, Unreachable, register

from . import gsm
from .services import ANSWERABLE

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification

logger = logging.getLogger(__name__)

PARTS = 2
TIMEOUT = 10.0
ACCEPTED = ("0:", "3:")


class DeliveryError(Exception):
    """Kannel refused the message (wrong credentials, bad number, queue full): retry."""


class DeliveryUncertain(Unreachable):
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
        if event is not None and event.is_public and not report.confidential:
            note = event.note
        if report.status in ANSWERABLE and report.reporter_id == recipient.pk:
            hint = _("Answer: BALAS %(id)s [message]") % {"id": report.tracking_id}
        else:
            hint = _("Status: CEK %(id)s") % {"id": report.tracking_id}
        return gsm.fit(notification.subject.rstrip(".") + ".", note, hint, parts=PARTS)


class SmsChannel(ChannelSender):
    name = "sms"
    label = gettext_lazy("SMS")

    def reachable(self, users: Sequence[User]) -> set[int]:
        if not settings.ADUAN_KANNEL_SENDSMS_URL:
            return set()
        # Without a query for everybody else: only e-mail-less accounts with a number can be
        # SMS-only, and web accounts always have an e-mail address.
        phones = {u.pk: u.phone for u in users if u.is_active and not u.email and u.phone}
        if not phones:
            return set()
        proven = ChannelIdentity.objects.filter(
            channel=ChannelKind.SMS, user_id__in=phones
        ).values_list("user_id", "address")
        return {user_id for user_id, address in proven if phones[user_id] == address}

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        recipient = notification.recipient
        if not self.reachable([recipient]):
            raise Unreachable("the recipient is not an SMS-only account any more")
        url = urlsplit(settings.ADUAN_KANNEL_SENDSMS_URL)
        query = urlencode(
            {
                "username": settings.ADUAN_KANNEL_SENDSMS_USER,
                "password": settings.ADUAN_KANNEL_SENDSMS_PASSWORD,
                "from": settings.ADUAN_SMS_SHORTCODE,
                "to": recipient.phone,
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
