from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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


def _is_our_proxy(address: str) -> bool:
    allowed = settings.ADUAN_FORWARDED_ALLOW_IPS
    if "*" in allowed:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in allowed)
