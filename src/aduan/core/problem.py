"""An error answer as ``application/problem+json`` (RFC 9457): the API's one error shape,
also used by the outage middleware for API paths (the rest of the API's error handling is
in ``aduan.api.errors``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Payload too large"),
        415: _("Unsupported media type"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        503: _("Service unavailable"),
    }
    return titles.get(status, _("Error"))


REASONS = {
    400: "The body could not be read (not valid JSON)",
    401: "No token, or one that is not valid or has been revoked",
    403: "The caller may not do this",
    404: "Not found, or the caller may not see it",
    409: "The object's state does not allow this now",
    413: "The request or a file is too large",
    422: "A field is missing, unknown or not valid",
    429: "Too many requests: wait for Retry-After seconds",
    503: "The service is briefly unavailable: try again after Retry-After seconds",
}


def problems(*statuses: int, **reasons: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation's own error answers, e.g. ``problems(409,
    429, r429="Past ADUAN_SUBMIT_RATE_USER")``; each is a ``Problem``."""
    return {
        "responses": {
            str(status): {"description": reasons.get(f"r{status}", REASONS[status])}
            for status in statuses
        }
    }


def problem_response(
    request: HttpRequest,
    *,
    status: int,
    detail: str,
    errors: Mapping[str, Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": problem_title(status),
        "status": status,
        "detail": str(detail),
        "instance": request.path,
        "errors": {field: [str(m) for m in messages] for field, messages in (errors or {}).items()},
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
