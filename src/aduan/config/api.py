"""The JSON API at /api/v1 (django-ninja), assembled from the routers that live beside the
domain they serve; the shared pieces (errors, pagination) are in ``aduan.api``.

- Authentication: ``Authorization: Bearer <token>`` (``POST /api/v1/auth/token``); public
  endpoints also answer anonymous callers.
- Errors: ``application/problem+json`` (RFC 9457), see ``aduan.api.errors``.
- Lists: page-number pagination, see ``aduan.api.pagination``.
- OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Router
from ninja.parser import Parser

from aduan.accounts.api import router as accounts_router
from aduan.accounts.auth import bearer, optional_agency_bearer
from aduan.agencies.api import router as agencies_router
from aduan.api.errors import install_problem_handlers
from aduan.api.openapi import DocumentedAPI
from aduan.categories.api import router as categories_router
from aduan.channels.api import router as channels_router
from aduan.core.errors import NotFound
from aduan.core.text import storable_tree
from aduan.exports.api import router as exports_router
from aduan.oversight.api import router as oversight_router
from aduan.regions.api import router as regions_router
from aduan.reports.api import router as reports_router
from aduan.triage.api import router as triage_router
from aduan.workflow.api import router as workflow_router


class StorableParser(Parser):
    """Every string of a JSON body, a query string or a form through
    ``aduan.core.text.storable``, before any endpoint sees it: a NUL reached PostgreSQL
    in searches (``?q=``), lookups (``region_code``, a sign-in address) and stored fields
    (a registration's name), and was a 500 there."""

    def parse_body(self, request: HttpRequest):
        return storable_tree(super().parse_body(request))

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest):
        return storable_tree(super().parse_querydict(data, list_fields, request))


api = DocumentedAPI(
    title="Aduan API",
    version="1",
    urls_namespace="api",
    description=(
        "Public complaints, aspirations and information requests to government.\n\n"
        "Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/token`. "
        "Errors are `application/problem+json` (RFC 9457) with `status`, `title`, `detail` "
        "and `errors` ({field: [messages]}); messages follow `Accept-Language` (id, en). "
        "Lists are paginated with `page` and `page_size` (at most 100)."
    ),
    auth=bearer,
    parser=StorableParser(),
)

install_problem_handlers(api, param_names={"payload", "filters"})

api.add_router("", accounts_router)
api.add_router("", channels_router)
api.add_router("", reports_router)
api.add_router("", workflow_router)
api.add_router("", triage_router)
api.add_router("", exports_router)
# The directory (agencies, categories, regions sit below accounts, so their routers
# cannot name its auth) is public, agency systems included; a token sent must be valid.
# An endpoint added to these routers inherits that: integrations' test_scoping lists every
# endpoint an integration token may call and fails for a new one.
api.add_router("", agencies_router, auth=optional_agency_bearer)
api.add_router("", categories_router, auth=optional_agency_bearer)
api.add_router("", regions_router, auth=optional_agency_bearer)
# Public figures: no token is read (aggregates of public reports only).
api.add_router("", oversight_router)

# Registered last, so it only catches what no endpoint above matched: an unknown path
# under /api/v1/ answers a problem document like every other error, not an HTML page.
fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:unknown}",
    auth=None,
    include_in_schema=False,
    url_name="not_found",
)
def unknown_endpoint(request: HttpRequest, unknown: str):
    raise NotFound


api.add_router("", fallback_router)
