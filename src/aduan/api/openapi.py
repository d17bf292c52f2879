"""The OpenAPI document says every answer an operation can give (Schemathesis checks it,
``api/tests/test_schemathesis.py``).

Each operation gets, without its author listing them, the problems any operation of its
kind answers: 401 and 403 with a token (none sent or a revoked one; an agency system's
token where the operation is not for it), 404 with an id in its path, 422 with inputs,
400 and 413 with a body, 503 always (the database restarting). What only some operations
answer (403 for a role, 409, 429) each declares with ``problems(...)``. Every error is
``application/problem+json`` with the ``Problem`` schema. An operation whose token is
optional says so (``security`` lists ``{}`` too).
"""

from __future__ import annotations

from typing import Any

from ninja import Field, NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema

from aduan.accounts.auth import OptionalBearerToken
from aduan.core.problem import PROBLEM_CONTENT_TYPE, REASONS
from aduan.core.text import text_patterns


class Problem(Schema):
    """``application/problem+json`` (RFC 9457), the shape of every error of this API."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: dict[str, list[str]] = Field(description="Field name → messages (may be empty)")


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _count_without_controls(schema: dict[str, Any]) -> None:
    """A parameter's ``maxLength`` as the API counts it: after the parser has dropped the
    control characters (``aduan.config.api.StorableParser``)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "maxLength" in option:
            maximum = option.pop("maxLength")
            option["pattern"] = text_patterns(0, maximum)[1]["pattern"]


class ProblemsSchema(OpenAPISchema):
    def operation_details(self, operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        secured = [auth for auth in operation.auth_callbacks if auth is not None]
        if any(isinstance(auth, OptionalBearerToken) for auth in secured):
            details["security"] = [*details.get("security", []), {}]
        for parameter in details.get("parameters", []):
            _count_without_controls(parameter.get("schema", {}))
        inputs = bool(details.get("parameters")) or "requestBody" in details
        automatic = {503}
        if secured:
            automatic |= {401, 403}
        if inputs:
            automatic.add(422)
        if any(p.get("in") == "path" for p in details.get("parameters", [])):
            automatic.add(404)
        if "requestBody" in details:
            automatic |= {400, 413}
        # ninja keys its responses by number, ``openapi_extra`` by string: one of each.
        responses: dict[str, dict] = {}
        for status, answer in details["responses"].items():
            responses.setdefault(str(status), {}).update(answer)
        for status in automatic:
            responses.setdefault(str(status), {"description": REASONS[status]})
        for status, answer in responses.items():
            if int(status) >= 400:
                answer["content"] = {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}
        details["responses"] = dict(sorted(responses.items()))
        return details

    def get_components(self) -> dict[str, Any]:
        components = super().get_components()
        components["schemas"]["Problem"] = Problem.model_json_schema()
        return components


class DocumentedAPI(NinjaAPI):
    """``NinjaAPI`` whose OpenAPI document declares every problem answer (above)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ProblemsSchema(api=self, path_prefix=path_prefix)
