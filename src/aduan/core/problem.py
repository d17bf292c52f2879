"""An error answer as ``application/problem+json`` (RFC 9457): the API's one error shape,
also used by the outage middleware for API paths (the rest of the API's error handling is
in ``aduan.api.errors``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

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


# The problem document in OpenAPI (JSON Schema), for the error answers an endpoint declares.
PROBLEM_SCHEMA: dict = {
    "title": "Problem",
    "description": "``application/problem+json`` (RFC 9457), as every error of this API.",
    "type": "object",
    "properties": {
        "type": {"title": "Type", "type": "string"},
        "title": {"title": "Title", "type": "string"},
        "status": {"title": "Status", "type": "integer"},
        "detail": {"title": "Detail", "type": "string"},
        "instance": {"title": "Instance", "type": "string"},
        "errors": {
            "title": "Errors",
            "description": "Field name → messages (may be empty)",
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "instance", "errors"],
}


def problem_responses(reasons: Mapping[int, str]) -> dict[str, dict]:
    """OpenAPI ``responses`` for error statuses (status → why), each a problem document
    with its real content type (ninja would say JSON); merge into ``openapi_extra``."""
    return {
        str(status): {
            "description": reason,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status, reason in sorted(reasons.items())
    }
