from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str:
    """The caller's address, trusting X-Forwarded-For only as far as our own proxies.

    The header is read only on a request that came from a proxy of ours
    (``ADUAN_FORWARDED_ALLOW_IPS``), and then ``ADUAN_TRUSTED_PROXY_COUNT`` entries from
    the right: what lies further left, or what a client that reached the app directly
    sends, is whatever the client chose to write.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    hops = settings.ADUAN_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded and _is_our_proxy(remote):
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return remote


def proxy_networks(entries: Iterable[str]) -> tuple[Network, ...] | None:
    """The proxies ``ADUAN_FORWARDED_ALLOW_IPS`` names (addresses or networks); None for
    ``*`` (any). A wrong entry stops the start (settings call this), not every request."""
    return _proxy_networks(tuple(entries))


@lru_cache(maxsize=8)
def _proxy_networks(entries: tuple[str, ...]) -> tuple[Network, ...] | None:
    if "*" in entries:
        return None
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"ADUAN_FORWARDED_ALLOW_IPS: {exc} (give addresses or networks, or *)"
        ) from exc


def _is_our_proxy(address: str) -> bool:
    networks = proxy_networks(settings.ADUAN_FORWARDED_ALLOW_IPS)
    if networks is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
