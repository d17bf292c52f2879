"""The notification channel "push": Web Push (RFC 8030) to the devices a user turned it on for.

Signed with the VAPID key pair from the settings (RFC 8292; off unless all three are set),
the payload encrypted for each browser's keys (RFC 8291, aes128gcm, by pywebpush) and
posted here with http.client, so that ``started()`` marks the moment it leaves, as the
e-mail and SMS senders do. The payload is what the service worker shows:
``{"title", "body", "url"}``, the row's short text (the in-app one; none of a confidential
report's text). A device the push service no longer knows (404, 410) is removed. With
several devices, the row is sent when one took it; it is retried only when none did, so
no device gets it twice. ``python -m aduan.notifications.senders.push`` prints a key pair.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from aduan.notifications.models import PushSubscription

from . import ChannelSender, Uncertain, Unreachable, register

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification

logger = logging.getLogger(__name__)

NAME = "push"
TIMEOUT = 10.0
# How long a push service keeps a message for a phone that is off: a day.
TTL_SECONDS = 24 * 3600
BODY_CHARS = 300
GONE = (404, 410)
P256DH_BYTES = 65
AUTH_BYTES = 16


class DeliveryError(Exception):
    """No device took the message (the push service refused it or could not be reached)."""


class DeliveryUncertain(Uncertain):
    """The message reached a push service but its answer did not reach us."""


def push_enabled() -> bool:
    return bool(
        settings.ADUAN_VAPID_PUBLIC_KEY
        and settings.ADUAN_VAPID_PRIVATE_KEY
        and settings.ADUAN_VAPID_SUBJECT
    )


def vapid_settings_problem() -> str | None:
    """What is wrong with the VAPID settings (checked at start-up), or None. A public key
    that is not the private key's would have browsers subscribe for a key the push
    services then refuse every message of."""
    names = ("ADUAN_VAPID_PUBLIC_KEY", "ADUAN_VAPID_PRIVATE_KEY", "ADUAN_VAPID_SUBJECT")
    given = [name for name in names if getattr(settings, name)]
    if not given:
        return None
    if len(given) < len(names):
        return f"set all of {', '.join(names)} or none (missing: {set(names) - set(given)})"
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02

    try:
        key = Vapid02.from_string(settings.ADUAN_VAPID_PRIVATE_KEY).public_key
        public = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    except Exception:
        return "ADUAN_VAPID_PRIVATE_KEY is not a P-256 private key (base64url, raw or DER)"
    try:
        if b64url_decode(settings.ADUAN_VAPID_PUBLIC_KEY) != public:
            return "ADUAN_VAPID_PUBLIC_KEY is not the public key of ADUAN_VAPID_PRIVATE_KEY"
    except ValueError:
        return "ADUAN_VAPID_PUBLIC_KEY is not base64url"
    if not settings.ADUAN_VAPID_SUBJECT.startswith(("mailto:", "https://")):
        return "ADUAN_VAPID_SUBJECT must be a mailto: or https:// address"
    return None


def b64url_decode(value: str) -> bytes:
    """Base64url without padding, as the Push API gives keys; ValueError if it is not."""
    if not value or any(c not in _B64URL for c in value):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def endpoint_allowed(endpoint: str) -> bool:
    """Whether the server may post to ``endpoint``: ``https`` on a push service of
    ``ADUAN_PUSH_SERVICE_HOSTS`` (a browser chooses the address, so any other host would let
    a user make the server call it), or a loopback address in DEBUG and tests."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    if settings.ADUAN_PUSH_ALLOW_LOOPBACK and parts.scheme in ("http", "https"):
        try:
            if ipaddress.ip_address(host).is_loopback:
                return True
        except ValueError:
            if host == "localhost":
                return True
    if parts.scheme != "https":
        return False
    return any(
        host == allowed or host.endswith(f".{allowed}")
        for allowed in (h.lower().strip(".") for h in settings.ADUAN_PUSH_SERVICE_HOSTS)
        if allowed
    )


def push_payload(notification: Notification) -> bytes:
    """The JSON the service worker shows: title, a short body, the page to open."""
    url = notification.url or "/"
    if url.startswith("/"):
        url = f"{settings.SITE_URL}{url}"
    body = " ".join(notification.body.split())
    return json.dumps(
        {
            "title": notification.subject,
            "body": Truncator(body).chars(BODY_CHARS),
            "url": url,
        },
        ensure_ascii=False,
    ).encode()


def _topic(notification: Notification) -> str:
    """The Topic header (RFC 8030 §5.4): a message with the same topic replaces one still
    waiting at the push service, so a repeat of one notification is shown once."""
    digest = hashlib.sha256(notification.idempotency_key.encode()).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _vapid_headers(endpoint: str) -> dict[str, str]:
    from py_vapid import Vapid02

    parts = urlsplit(endpoint)
    vapid = Vapid02.from_string(settings.ADUAN_VAPID_PRIVATE_KEY)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(timezone.now().timestamp()) + 12 * 3600,
        "sub": settings.ADUAN_VAPID_SUBJECT,
    }
    return vapid.sign(claims)


def _encrypt(subscription: PushSubscription, payload: bytes) -> bytes:
    from pywebpush import WebPusher

    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    return WebPusher(info).encode(payload, content_encoding="aes128gcm")["body"]


class PushChannel(ChannelSender):
    name = NAME
    label = _("Push to my devices")
    brief = True

    def reachable(self, users: Sequence[User]) -> set[int]:
        active = [user.pk for user in users if user.is_active]
        if not active or not push_enabled():
            return set()
        return set(
            PushSubscription.objects.filter(user_id__in=active)
            .values_list("user_id", flat=True)
            .distinct()
        )

    def offered(self, user: User) -> bool:
        # Offered before any device is subscribed: the settings page is where one is.
        return push_enabled()

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        if not push_enabled():
            raise Unreachable("push is turned off (no VAPID keys)")
        subscriptions = list(
            PushSubscription.objects.filter(user_id=notification.recipient_id).order_by("pk")
        )
        if not subscriptions:
            raise Unreachable("the recipient has no push subscription any more")
        payload = push_payload(notification)
        outcomes: dict[str, list[tuple[PushSubscription, str]]] = {
            "sent": [],
            "gone": [],
            "failed": [],
            "uncertain": [],
        }
        is_started = False
        for subscription in subscriptions:
            if not endpoint_allowed(subscription.endpoint):
                outcomes["failed"].append((subscription, "endpoint not allowed"))
                continue
            outcome, detail = self._post(
                subscription, notification, payload, started=started, is_started=is_started
            )
            if outcome == "not_started":
                outcome = "failed"
            else:
                is_started = True
            outcomes[outcome].append((subscription, detail))
        if outcomes["gone"]:
            PushSubscription.objects.filter(pk__in=[s.pk for s, _d in outcomes["gone"]]).delete()
        missed = [f"{s.pk}: {detail}" for s, detail in outcomes["failed"] + outcomes["uncertain"]]
        if outcomes["sent"]:
            PushSubscription.objects.filter(pk__in=[s.pk for s, _d in outcomes["sent"]]).update(
                last_success_at=timezone.now()
            )
            if missed:
                logger.warning("push notification %s: not sent to %s", notification.pk, missed)
            return
        if outcomes["uncertain"]:
            raise DeliveryUncertain("; ".join(missed)[:500])
        if outcomes["failed"]:
            raise DeliveryError("; ".join(missed)[:500])
        raise Unreachable("every push subscription of the recipient is gone")

    def _post(
        self,
        subscription: PushSubscription,
        notification: Notification,
        payload: bytes,
        *,
        started: Callable[[], None],
        is_started: bool,
    ) -> tuple[str, str]:
        """Post to one device: ``sent``, ``gone`` (404/410), ``failed`` (an answer that
        refused it), ``uncertain`` (sent, no answer) or ``not_started`` (nothing left)."""
        url = urlsplit(subscription.endpoint)
        body = _encrypt(subscription, payload)
        headers = {
            **_vapid_headers(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
            "Topic": _topic(notification),
        }
        connection_class = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(url.hostname or "", url.port, timeout=TIMEOUT)
        try:
            try:
                connection.connect()  # a failure here sends nothing to this device
            except OSError as exc:
                return "not_started", f"could not connect: {exc}"
            if not is_started:
                started()
            path = url.path or "/"
            if url.query:
                path = f"{path}?{url.query}"
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read(300).decode("utf-8", "replace").strip()
            except (OSError, http.client.HTTPException) as exc:
                return "uncertain", f"no answer after sending: {exc}"
        finally:
            connection.close()
        if 200 <= response.status < 300:
            return "sent", str(response.status)
        if response.status in GONE:
            return "gone", str(response.status)
        return "failed", f"push service answered {response.status}: {answer[:200]}"


register(PushChannel())
