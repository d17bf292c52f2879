"""Every string the API reads (JSON bodies, query parameters, form fields) goes through
``aduan.core.text.storable`` before anything looks at it.

PostgreSQL refuses NUL in text, in a query's parameters as much as in a stored value
(psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes"): a NUL in a search
box or a JSON field was a 500. Each case below also holds on SQLite, which does accept
NUL: the cleaned text is what is stored and what is searched for."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aduan.accounts.models import ApiToken, User, hash_token
from aduan.accounts.tests.factories import PASSWORD, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.api.tests.utils import bearer, png_bytes
from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory
from aduan.reports.models import Report, Status
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"


def post_json(client, url: str, data: dict, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_a_nul_in_a_registration_is_dropped(client):
    response = post_json(
        client,
        "/api/v1/auth/register",
        {
            "email": "budi@example.id",
            "password": "sandi-rahasia-123",
            "full_name": f"Budi{NUL} Santoso",
        },
    )
    assert response.status_code == 201, response.content
    assert User.objects.get(email="budi@example.id").full_name == "Budi Santoso"


def test_a_nul_in_the_address_asking_for_a_token_is_dropped(client):
    user = UserFactory(email="siti@example.id")
    response = post_json(
        client,
        "/api/v1/auth/token",
        {"email": f"siti@example.id{NUL}", "password": PASSWORD, "name": f"Android{NUL}"},
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get(key_hash=hash_token(response.json()["token"]))
    assert (token.user, token.name) == (user, "Android")


def test_a_nul_in_a_reports_region_code_is_dropped(client):
    regency = RegencyFactory(parent=ProvinceFactory())
    response = post_json(
        client,
        "/api/v1/reports",
        {
            "classification": "complaint",
            "title": "Jalan berlubang di depan pasar",
            "body": "Jalan di depan pasar berlubang besar sejak dua bulan lalu, mohon diperbaiki.",
            "region_code": f"{regency.code}{NUL}",
        },
        **bearer(UserFactory()),
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().region == regency


def test_a_nul_in_an_agency_search_is_dropped(client):
    agency = AgencyFactory(name="Dinas Pekerjaan Umum Kota Bogor")
    response = client.get("/api/v1/agencies", {"q": f"Pekerjaan{NUL}"})
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()] == [agency.pk]


@pytest.mark.parametrize("field", ["q", "region"])
def test_a_nul_in_a_feed_filter_is_dropped(client, field):
    regency = RegencyFactory(parent=ProvinceFactory())
    report = ReportFactory(verified=True, title="Lampu jalan padam di alun-alun", region=regency)
    ReportFactory(verified=True, title="Sampah menumpuk di pasar")
    value = {"q": "Lampu", "region": regency.code}[field]
    response = client.get("/api/v1/reports", {field: f"{value}{NUL}"})
    assert response.status_code == 200, response.content
    assert [row["tracking_id"] for row in response.json()["results"]] == [report.tracking_id]


@pytest.mark.parametrize("field", ["q", "region"])
def test_a_nul_in_an_inbox_filter_is_dropped(client, field):
    regency = RegencyFactory(parent=ProvinceFactory())
    report = ReportFactory(
        title="Lampu jalan padam di alun-alun", region=regency, status=Status.SUBMITTED
    )
    ReportFactory(title="Sampah menumpuk di pasar", status=Status.SUBMITTED)
    value = {"q": "Lampu", "region": regency.code}[field]
    response = client.get(
        "/api/v1/inbox", {"queue": "true", field: f"{value}{NUL}"}, **bearer(NationalAdminFactory())
    )
    assert response.status_code == 200, response.content
    assert [row["tracking_id"] for row in response.json()["results"]] == [report.tracking_id]


def test_a_lone_surrogate_in_a_json_body_becomes_a_replacement_character(client):
    body = (
        '{"email": "budi@example.id", "password": "sandi-rahasia-123", '
        '"full_name": "Budi \\ud800 Santoso"}'
    )
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert User.objects.get(email="budi@example.id").full_name == "Budi \ufffd Santoso"


def test_uploaded_files_are_not_touched(client):
    """The same parser reads request.FILES: only strings are cleaned."""
    user = UserFactory()
    report = ReportFactory(reporter=user)
    upload = SimpleUploadedFile(f"bukti{NUL}.png", png_bytes(), content_type="image/png")
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/attachments", {"file": upload}, **bearer(user)
    )
    assert response.status_code == 201, response.content
    assert report.attachments.count() == 1
