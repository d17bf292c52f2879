"""Where webhooks may go: a guard against server-side request forgery, checked when the
URL is saved and again before every request, which then goes to the address that was
checked (no DNS rebinding, no redirects). Detail: docs/integrations.md.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from aduan.core.errors import ValidationFailed

URL_MAX_LENGTH = 500


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked IP address the request goes to


def _allow_private() -> bool:
    return bool(getattr(settings, "ADUAN_WEBHOOK_ALLOW_PRIVATE", False))


def _allow_http() -> bool:
    return bool(getattr(settings, "ADUAN_WEBHOOK_ALLOW_HTTP", False))


# IPv6 ranges that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64), or that
# are not public whatever Python's table says (RFC 8215 local-use NAT64, the deprecated
# IPv4-compatible and site-local addresses). Through a NAT64 gateway 64:ff9b::a9fe:a9fe
# IS 169.254.169.254.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NEVER_PUBLIC_V6 = (
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("fec0::/10"),
)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:  # 2002:AABB:CCDD::/48 is AA.BB.CC.DD
            if not _is_public(address.sixtofour):
                return False
        elif address in _NAT64:
            return _is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        elif any(address in network for network in _NEVER_PUBLIC_V6):
            return False
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def url_check(url: str) -> Target:
    """The checked target of ``url``; ``ValidationFailed`` on the ``url`` field otherwise."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(field_errors={"url": [message]})

    url = (url or "").strip()
    if not url:
        raise refuse(_("Enter the URL of your receiver."))
    if len(url) > URL_MAX_LENGTH:
        raise refuse(_("The URL is too long (at most %(n)d characters).") % {"n": URL_MAX_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse(_("This is not a valid URL.")) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise refuse(_("The URL must start with https:// and name a host."))
    if parts.username or parts.password:
        raise refuse(_("Do not put a user name or password in the URL; requests are signed."))
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(parts.hostname, port)
    if not addresses:
        raise refuse(_("The host %(host)s could not be found.") % {"host": parts.hostname})
    if not _allow_private() and not all(_is_public(address) for address in addresses):
        raise refuse(
            _("The host %(host)s has a private or local address; webhooks go to public addresses.")
            % {"host": parts.hostname}
        )
    if (
        parts.scheme == "http"
        and not _allow_http()
        and not all(address.is_loopback for address in addresses)
    ):
        raise refuse(_("The URL must use https://."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    # The request line is ASCII without spaces or control characters: http.client refuses
    # anything else (or fails half-way with UnicodeEncodeError), at every attempt.
    if not path.isascii() or any(char <= " " or char == "\x7f" for char in path):
        raise refuse(_("Spaces and characters outside ASCII in the path must be percent-encoded."))
    return Target(
        scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=str(addresses[0])
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        # The certificate is checked against the host name, the socket goes to the address.
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def open_connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, timeout)
    return _PinnedHTTPConnection(target, timeout)
