"""The API as a whole: OpenAPI, docs, problem+json for every kind of error, language."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from aduan.accounts.tests.factories import UserFactory
from aduan.api.errors import validation_field_errors
from aduan.api.tests.utils import PROBLEM, assert_problem, bearer
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_openapi_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/register": {"post"},
        "/api/v1/auth/token": {"post", "delete"},
        "/api/v1/auth/me": {"get"},
        "/api/v1/reports": {"get", "post"},
        "/api/v1/reports/{tracking_id}": {"get"},
        "/api/v1/reports/{tracking_id}/attachments": {"post"},
        "/api/v1/reports/{tracking_id}/support": {"post", "delete"},
        "/api/v1/reports/{tracking_id}/attachments/{attachment_id}": {"get"},
        "/api/v1/agencies": {"get"},
        "/api/v1/categories": {"get"},
        "/api/v1/regions": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert not any("unknown" in p for p in paths)
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    report_schema = schema["components"]["schemas"]["ReportIn"]["properties"]
    assert report_schema["classification"]["enum"] == [
        "complaint",
        "aspiration",
        "information_request",
    ]


def test_docs_page_loads(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
    # Swagger UI from this origin's static files: the Content-Security-Policy allows no
    # other, and no inline script (django-ninja's CDN page has one).
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
    assert b"cdn.jsdelivr.net" not in response.content


def test_openapi_repeats_no_key(client):
    """Swagger UI reads the document with a YAML parser that refuses a repeated key (a
    status given as "200" beside django-ninja's 200): the docs page would stay blank."""
    repeated = []

    def keep(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=keep)
    assert repeated == []


def test_the_api_root_is_not_found_for_everyone(client):
    """django-ninja's root only names the docs' address; it serves nothing."""
    assert client.get("/api/v1/").status_code == 404
    assert client.get("/api/v1/", **bearer(UserFactory())).status_code == 404


def test_unknown_endpoint_is_404_problem(client):
    body = assert_problem(client.get("/api/v1/nothing/here"), 404)
    assert body["instance"] == "/api/v1/nothing/here"
    assert_problem(client.post("/api/v1/nothing", {}), 404)


def test_problem_detail_follows_accept_language(visitor_client):
    english = visitor_client.get("/api/v1/reports/23456789AB", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert assert_problem(english, 404)["title"] == "Not found"
    default = visitor_client.get("/api/v1/reports/23456789AB")
    assert default["Content-Language"] == "id"
    assert default["Content-Type"] == PROBLEM


def test_labels_follow_accept_language(client):
    report = ReportFactory(verified=True)
    english = client.get(f"/api/v1/reports/{report.tracking_id}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["status_label"] == "Sent to agency"
    assert english["Content-Language"] == "en"


def test_validation_errors_are_named_by_field():
    errors = [
        {"type": "missing", "loc": ("body", "payload", "title"), "msg": "Field required"},
        {"type": "int_parsing", "loc": ("query", "page"), "msg": "x"},
        {"type": "greater_than_equal", "loc": ("query", "filters", "x"), "ctx": {"ge": 1}},
        {"type": "string_too_long", "loc": ("file", "file"), "ctx": {"max_length": 3}},
    ]
    with translation.override("en"):
        field_errors = validation_field_errors(errors, {"payload", "filters"})
    assert field_errors == {
        "title": ["This field is required."],
        "page": ["Enter a whole number."],
        "x": ["Enter a value of at least 1."],
        "file": ["Enter at most 3 characters."],
    }


def test_method_on_known_path_with_wrong_body_type_is_problem(client):
    response = client.post("/api/v1/auth/token", "[1, 2]", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == PROBLEM


def test_oversized_json_body_is_413_problem(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/v1/reports",
        {"classification": "complaint", "title": "Judul laporan", "body": "x" * 4096},
        content_type="application/json",
        **bearer(UserFactory()),
    )
    assert_problem(response, 413)
