"""What an agency's integration token may call.

An integration token (``services.integration_token_create``) authenticates through the
API's ordinary bearer auth as the agency's service account, so the inbox, the report
and the actions are scoped by the same visibility and permission rules as for a person
of that agency. This middleware narrows it further to the calls an agency system
needs, and answers 403 for every other request that carries one — submitting a report,
the account endpoints, and any endpoint added later (an allow-list fails closed):

- ``GET`` inbox, report list and detail, attachments, agencies, categories, regions;
- ``POST`` every workflow action and the response with files;
- ``DELETE /auth/token`` (a token may revoke itself).

Integration tokens are recognisable by their prefix (``adn_int_``), so other requests
cost nothing here; a token with that prefix is looked up once, and is scoped when it
has an agency (the ``agency`` field is not editable anywhere, and only
``integration_token_create`` sets it, always with the prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from aduan.accounts.models import ApiToken, hash_token

from .services import INTEGRATION_TOKEN_PREFIX

ALLOWED_OPERATIONS: dict[str, str] = {
    "inbox": "GET",
    "report_list": "GET",
    "report_detail": "GET",
    "report_attachment": "GET",
    "agency_list": "GET",
    "category_list": "GET",
    "region_list": "GET",
    "report_response_with_files": "POST",
    "auth_token_revoke": "DELETE",
}
ACTION_PREFIX = "report_action_"


@cache
def allowed_routes() -> frozenset[tuple[str, str]]:
    """``(method, route)`` of the allowed API operations. Several operations share a
    route (``GET`` and ``POST /reports``) and Django resolves a path to the first one's
    name, so the operations are matched by route and method, not by resolved name."""
    from aduan.config.api import api

    prefix = reverse("api:inbox").removesuffix("inbox").lstrip("/")
    routes = set()
    for pattern in api.urls[0]:
        name = pattern.name or ""
        if name.startswith(ACTION_PREFIX):
            method = "POST"
        elif name in ALLOWED_OPERATIONS:
            method = ALLOWED_OPERATIONS[name]
        else:
            continue
        routes.add((method, prefix + str(pattern.pattern)))
    return frozenset(routes)


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _forbidden() -> JsonResponse:
    detail = _("An integration token can only use the agency's inbox and workflow actions.")
    return JsonResponse(
        {"type": "about:blank", "title": _("Forbidden"), "status": 403, "detail": detail},
        status=403,
        content_type="application/problem+json",
    )


class IntegrationTokenScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        raw = _bearer(request)
        if not raw.startswith(INTEGRATION_TOKEN_PREFIX):
            return None
        token = (
            ApiToken.objects.filter(key_hash=hash_token(raw))
            .values("agency_id", "user__agency_id")
            .first()
        )
        if token is None or token["agency_id"] is None:
            return None  # unknown tokens are the bearer auth's to refuse (401)
        match = request.resolver_match
        route = (request.method or "", match.route if match else "")
        if token["user__agency_id"] != token["agency_id"] or route not in allowed_routes():
            return _forbidden()
        return None
