"""Every error the API answers is ``application/problem+json`` (RFC 9457).

One shape for all of them, so a client needs one error path::

    {"type": "about:blank", "title": "Invalid input", "status": 422,
     "detail": "Some fields are not valid.", "instance": "/api/v1/reports",
     "errors": {"title": ["The title needs at least 10 characters."]}}

``errors`` maps a field name to its messages and is present (possibly empty) on every
problem. Messages come in the request's language (LocaleMiddleware: Accept-Language).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from aduan.core.errors import DomainError, RateLimited
from aduan.core.problem import problem_response, problem_title
from aduan.core.ratelimit import retry_after_header
from aduan.core.validation import input_error_message

logger = logging.getLogger(__name__)

# Where the body came from in ninja's error locations; never a field name.
_PARAM_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field_name(loc: Sequence[Any], param_names: set[str]) -> str:
    """``("body", "payload", "title")`` → ``title``; ``("query", "page")`` → ``page``."""
    parts = list(loc)
    if parts and parts[0] in _PARAM_SOURCES:
        parts = parts[1:]
    # A schema parameter (``payload: ReportIn``) shows up as its own name before the field.
    if len(parts) > 1 and parts[0] in param_names:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "__all__"


def validation_field_errors(
    errors: Sequence[Mapping[str, Any]], param_names: set[str] | None = None
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        field = _field_name(error.get("loc", ()), param_names or set())
        result.setdefault(field, []).append(input_error_message(error))
    return result


def install_problem_handlers(api: NinjaAPI, *, param_names: set[str]) -> None:
    """Register the handlers on ``api``; ``param_names`` are the names of schema parameters
    (``payload``, ``filters``) that are stripped from field paths."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        headers = {}
        if exc.status_code == 401:
            # A token was sent and refused (revoked, expired): RFC 6750's invalid_token.
            sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
            headers = {
                "WWW-Authenticate": 'Bearer realm="aduan", error="invalid_token"'
                if sent
                else 'Bearer realm="aduan"'
            }
        if isinstance(exc, RateLimited):
            headers = retry_after_header(exc.retry_after)
        return problem_response(
            request,
            status=exc.status_code,
            detail=exc.message,
            errors=exc.field_errors,
            headers=headers,
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem_response(
            request,
            status=422,
            detail=_("Some fields are not valid."),
            errors=validation_field_errors(exc.errors, param_names),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        sent = bool(request.headers.get("Authorization"))
        return problem_response(
            request,
            status=401,
            detail=_("The token is not valid or has been revoked.")
            if sent
            else _("Sign in first: send Authorization: Bearer <token>."),
            headers={
                "WWW-Authenticate": 'Bearer realm="aduan", error="invalid_token"'
                if sent
                else 'Bearer realm="aduan"'
            },
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return problem_response(
            request,
            status=429,
            detail=_("Too many requests. Please wait a while and try again."),
            headers=retry_after_header(int(exc.wait) if getattr(exc, "wait", None) else None),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises these with English text of its own (400 for a body it cannot parse).
        detail = (
            _("The request body could not be read: send valid JSON.")
            if exc.status_code == 400
            else problem_title(exc.status_code)
        )
        return problem_response(request, status=exc.status_code, detail=detail)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(request, status=404, detail=_("Not found."))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem_response(request, status=413, detail=_("The request is too large."))

    def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The database is restarting: 503 + Retry-After, the same answer as outside the API.
        from aduan.core.outage import outage_response

        return outage_response(request, exc)

    api.add_exception_handler(OperationalError, database_unavailable)
    api.add_exception_handler(InterfaceError, database_unavailable)
