"""Content-Security-Policy and Permissions-Policy on every response, in every setting.

Pages load scripts, styles, fonts and images from this origin only, and no inline script,
inline style or ``eval``: injected markup can neither run nor restyle anything. Everything
else (JSON, files, static assets) gets a policy that allows nothing at all, but the service
worker, which fetches from this origin (``WORKER_POLICY``, set by its view). ``data:``
images are for the QR code of two-factor set-up and the API docs' icons; form-action
names Google because allauth's "Continue with Google" form is answered with a redirect
there, which browsers check against form-action. Django 6.0's ``SECURE_CSP`` replaces this.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self' https://accounts.google.com",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The service worker (web/pwa.py) runs under its own script's policy: it fetches pages and
# the app shell from this origin and shows notifications with this origin's icon; it may
# load no script and reach no other host.
WORKER_POLICY = "default-src 'none'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'"
# Geolocation for the report form's "use my location" button; WebAuthn (passkeys) keeps
# its default, this origin only. Only features Chromium knows: others are logged as errors.
PERMISSIONS_POLICY = ", ".join(
    (
        "accelerometer=()",
        "autoplay=()",
        "camera=()",
        "display-capture=()",
        "geolocation=(self)",
        "gyroscope=()",
        "hid=()",
        "idle-detection=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    )
)


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class SecurityHeadersMiddleware:
    """Adds both headers unless the response already carries its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = PAGE_POLICY if is_html(response) else OTHER_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
