"""What visitors get while the database is unreachable: 503 and ``Retry-After``, not 500.

A database restart breaks every connection for a few seconds. Django would answer each
request that needs the database with its HTML "Server Error (500)" page: wrong for
people (nothing is broken for good) and for programs (a 500 says "do not retry"). Here
a lost or refused connection becomes a 503 with ``Retry-After``: an HTML page for the
web, ``application/problem+json`` for the API. Django closes the broken connection at
the end of the request, so the next one reconnects.

Three places catch it, because it can be raised in three: the API's own exception
handler (``aduan.api.errors``), this middleware's ``process_exception`` for views, and
``server_error`` (``handler500``) for what other middleware raises (a session saved on
the way out, a token looked up on the way in).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from aduan.core.problem import problem_response
from aduan.core.reconnect import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: a restart takes a few seconds.
RETRY_AFTER_SECONDS = 5
# One log line per process per this many seconds while the outage lasts, not one per request.
LOG_EVERY_SECONDS = 10.0
API_PREFIXES = ("/api/",)

_last_logged = 0.0


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def _log(request: HttpRequest, error: BaseException) -> None:
    global _last_logged  # a per-process throttle, nothing else shares it
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning(
            "database unavailable, answering 503 (%s %s): %s: %s",
            request.method,
            request.path,
            type(error).__name__,
            str(error).strip().splitlines()[0] if str(error).strip() else "",
        )


def outage_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 for ``request``: problem+json under the API, an HTML page elsewhere."""
    _log(request, error)
    detail = _(
        "The service is briefly unavailable while its database restarts. "
        "Please try again in a few seconds."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith(API_PREFIXES):
        return problem_response(request, status=503, detail=detail, headers=headers)
    # Rendered without the request: context processors would query the database again.
    html = loader.get_template("503.html").render(
        {
            "detail": detail,
            "retry_after": RETRY_AFTER_SECONDS,
            "reload": request.method in ("GET", "HEAD"),
        }
    )
    response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


class DatabaseOutageMiddleware:
    """Turn a view's lost database connection into the 503 of :func:`outage_response`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        return outage_response(request, exception)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a lost database connection raised outside a view is a 503 too."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        return outage_response(request, error)
    return defaults.server_error(request, template_name=template_name)
