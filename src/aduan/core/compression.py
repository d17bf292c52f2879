"""Gzip for the app's own text answers (pages, JSON, the manifest, the service worker).

BREACH (docs/security.md, section 5): compression lets someone who sees the sizes of
answers and can put chosen text into them guess a secret in the same answer. Django's
``GZipMiddleware`` (5.2) pads each gzip header with a random-length name ("Heal the
Breach"), CSRF tokens are masked anew in every answer and the session cookie is
``SameSite=Lax``; on top of that, answers that show a secret are never compressed: any
``no-store`` answer (a new API token, a claim code, recovery codes, exports) and every
account page under ``/akun/`` (passwords, the TOTP secret). Static files are compressed
ahead of time (whitenoise, nginx's ``gzip_static``) and never pass through here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

# Where secrets are typed or shown: sign-in, passwords, two-factor set-up, API tokens.
UNCOMPRESSED_PREFIXES = ("/akun/",)
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/manifest+json",
    "application/javascript",
)


def may_compress(request: HttpRequest, response: HttpResponse) -> bool:
    """True when the answer is text the app wrote and reflects no secret (see above)."""
    if response.streaming or "no-store" in response.get("Cache-Control", ""):
        return False
    if request.path.startswith(UNCOMPRESSED_PREFIXES):
        return False
    return response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES)


class PageCompressionMiddleware(GZipMiddleware):
    """Django's gzip with its random padding, for the answers ``may_compress`` allows."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not may_compress(request, response):
            return response
        return super().process_response(request, response)
