"""Every answer carries a Content-Security-Policy and a Permissions-Policy: pages the strict
one (this origin only, nothing inline), everything else one that allows nothing."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import Client, RequestFactory

from aduan.core.security_headers import (
    OTHER_POLICY,
    PAGE_POLICY,
    PERMISSIONS_POLICY,
    SecurityHeadersMiddleware,
)

from .inline_code import inline_code, inline_code_in_template

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_a_page_gets_the_strict_policy_and_the_permissions_policy():
    response = Client().get("/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    # The report form's "use my location" button needs geolocation, nothing else does.
    assert features["geolocation"] == "(self)"
    assert features["camera"] == features["microphone"] == features["payment"] == "()"
    assert features["usb"] == "()"


def test_json_from_the_api_gets_the_policy_that_allows_nothing(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Security-Policy"] == OTHER_POLICY
    assert directives(OTHER_POLICY) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_not_found_page_and_a_rejected_method_are_covered_too(client):
    missing = client.get("/tidak-ada-halaman-ini/")
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == PAGE_POLICY
    refused = client.get("/api/v1/auth/token")
    assert refused.status_code == 405
    assert refused["Content-Security-Policy"] in (PAGE_POLICY, OTHER_POLICY)
    assert refused["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_response_with_its_own_policy_keeps_it():
    def view(request):
        response = HttpResponse("<p>x</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    plain = SecurityHeadersMiddleware(lambda request: JsonResponse({}))(RequestFactory().get("/"))
    assert plain["Content-Security-Policy"] == OTHER_POLICY


SAMPLE = """<!doctype html><html><head>
<script src="/static/a.js"></script>
<script type="application/json" id="data">{"a": 1}</script>
<script>alert(1)</script>
<style>p{color:red}</style>
</head><body>
<p style="color:red">x</p>
<button onclick="go()">x</button>
<a href="javascript:void(0)">x</a>
<div hx-on:click="go()" hx-vals='js:{a: 1}'></div>
<div hx-vals='{"a": 1}'></div>
</body></html>"""


def test_the_inline_code_finder_finds_each_kind_and_only_those():
    found = inline_code(SAMPLE)
    assert found == [
        "<script> without src",
        "<style> block",
        'style="color:red" on <p>',
        "onclick= handler on <button>",
        "href=javascript: on <a>",
        "hx-on:click= (htmx eval) on <div>",
        "hx-vals= (htmx eval) on <div>",
    ]
    assert inline_code('<script src="/a.js"></script><p class="x">ok</p>') == []


def test_the_template_finder_finds_each_kind_outside_comments():
    found = inline_code_in_template(
        SAMPLE + "{# <style> #}{% comment %}<p style=x>{% endcomment %}"
    )
    kinds = [item.split(" at line")[0] for item in found]
    assert kinds == [
        "<style> block",
        "<script> without src",
        "style= attribute",
        "on*= handler",
        "javascript: URL",
        "htmx eval attribute",
        "htmx eval attribute",
    ]
    assert inline_code_in_template('<script src="{% static "a.js" %}" defer></script>') == []
