"""The OpenAPI document's shared parts (``aduan.api.openapi``) and the strict input types
(``aduan.api.types``); Schemathesis checks the whole API against the document."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from aduan.api.types import JsonId, JsonInt
from aduan.config.api import api
from aduan.core.text import text_rule

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = [
    (path, method, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]


def test_every_operation_declares_its_problems():
    assert SCHEMA["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "errors",
    ]
    for path, method, operation in OPERATIONS:
        responses = operation["responses"]
        assert "503" in responses, (path, method)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), (path, method)
        for status, answer in responses.items():
            if int(status) >= 400:
                content = answer["content"]
                assert content == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (path, method, status)


def test_an_optional_token_is_documented_as_optional():
    feed = SCHEMA["paths"]["/api/v1/reports"]["get"]
    assert {} in feed["security"]
    inbox = SCHEMA["paths"]["/api/v1/inbox"]["get"]
    assert {} not in inbox["security"]


def test_rate_limited_operations_declare_429():
    for path, method in [
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/reports", "post"),
        ("/api/v1/akun/saluran/kode", "post"),
        ("/api/v1/inbox/export", "get"),
    ]:
        assert "429" in SCHEMA["paths"][path][method]["responses"], path


def test_whole_numbers_are_strict_but_take_a_float_without_fraction():
    whole, ids = TypeAdapter(JsonInt), TypeAdapter(JsonId)
    assert whole.validate_python(4.0) == 4
    assert ids.validate_python(7) == 7
    for wrong in (True, "4", 4.5):
        with pytest.raises(ValidationError):
            whole.validate_python(wrong)
    for wrong in (0, 2**63, False):
        with pytest.raises(ValidationError):
            ids.validate_python(wrong)


def test_text_rule_counts_what_the_services_count():
    schema: dict = {"maxLength": 10}
    text_rule(3, 10)["json_schema_extra"](schema)
    at_least, at_most = (re.compile(part["pattern"]) for part in schema["allOf"])
    assert "maxLength" not in schema
    assert at_least.search("  a\x00 b c ")
    assert not at_least.search("a b\x01\x02 ")
    assert at_most.search("\x00" * 20 + "abcdefghij")
    assert not at_most.search("abcdefghijk")
    blank = {}
    text_rule(3, 10, blank=True)["json_schema_extra"](blank)
    assert re.compile(blank["allOf"][0]["pattern"]).search("   ")
