"""The site's own address, as links in e-mails, SMS and notifications spell it.

``ADUAN_SITE_URL`` wins when it is set (production, behind a proxy). Without it the
address follows where the web server listens: ``HOST`` and ``PORT``, the variables that
``make run`` and ``aduan.config.gunicorn`` use, so ``make run PORT=8101`` links to port
8101. A wildcard listening address (``0.0.0.0``, ``::``) is not an address a browser can
open, so it becomes the loopback address.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", "*"})  # noqa: S104 (not a bind)


def site_url(environ: Mapping[str, str] = os.environ) -> str:
    """The site's absolute address without a trailing slash."""
    if explicit := environ.get("ADUAN_SITE_URL", "").strip():
        parts = urlsplit(explicit)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"ADUAN_SITE_URL must be an http(s) address such as https://aduan.example.id, "
                f"not {explicit!r}"
            )
        return explicit.rstrip("/")
    host = environ.get("HOST", "").strip() or DEFAULT_HOST
    if host in WILDCARD_HOSTS:
        host = DEFAULT_HOST
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    port = environ.get("PORT", "").strip() or DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"PORT must be a port number (1-65535), not {port!r}")
    return f"http://{host}:{int(port)}"


def site_domain(url: str) -> str:
    """The host (and a non-default port) of ``url``: the Sites framework's ``domain``."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1]
