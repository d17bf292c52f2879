"""The endpoints over raw HTTP: documents and their element names, visibility, filters,
POST with its errors, tokens, jurisdiction, formats and query counts."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from aduan.accounts.models import User
from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.open311 import render, selectors
from aduan.channels.open311.models import Open311Submission
from aduan.channels.open311.services import api_key_revoke
from aduan.regions.tests.factories import RegencyFactory
from aduan.reports.models import Channel, EventAction, Report, Status
from aduan.reports.tests.factories import AttachmentFactory, ReportEventFactory, ReportFactory
from aduan.workflow.services import report_accept, report_dispose, report_respond

from .conftest import DESCRIPTION, ROOT

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def error_codes(response) -> list[tuple[int, str]]:
    if response["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root]
    return [(item["code"], item["description"]) for item in json_of(response)]


@pytest.fixture
def public_report(categories):
    agency = AgencyFactory(name="Dinas Perhubungan Kota Bandung")
    return ReportFactory(
        category=categories[1],
        agency=agency,
        status=Status.IN_PROGRESS,
        latitude=Decimal("-6.914744"),
        longitude=Decimal("107.609810"),
        due_at=dt.datetime(2030, 1, 15, 10, 0, tzinfo=dt.UTC),
    )


# --- discovery and services --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/open311/discovery", f"{ROOT}/discovery"])
def test_discovery_in_both_formats(client, path):
    data = json_of(client.get(path + ".json"))
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert data["changeset"].endswith("T00:00:00Z")

    root = xml_of(client.get(path + ".xml"))
    assert root.tag == "discovery"
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    formats = root.find("endpoints/endpoint/formats")
    assert [f.text for f in formats.findall("format")] == ["text/xml", "application/json"]


def test_the_root_is_the_public_discovery_in_json(client):
    data = json_of(client.get(f"{ROOT}/"))
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"


def test_services_list_our_active_categories(client, categories):
    categories[0].__class__.objects.create(
        code="tutup", name_id="Tutup", name_en="Closed", is_active=False
    )
    response = client.get(f"{ROOT}/services.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    services = {item["service_code"]: item for item in json_of(response)}
    assert set(services) == {"jalan", "lampu-jalan"}
    assert services["lampu-jalan"] == {
        "service_code": "lampu-jalan",
        "service_name": "Street lights",
        "description": "Street lights",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "Roads",
    }

    root = xml_of(client.get(f"{ROOT}/services.xml"))
    assert root.tag == "services"
    assert [service.tag for service in root] == ["service", "service"]
    light = next(s for s in root if s.findtext("service_code") == "lampu-jalan")
    assert light.findtext("metadata") == "false"
    assert light.findtext("group") == "Roads"


def test_service_definition_and_unknown_code(client, categories):
    assert json_of(client.get(f"{ROOT}/services/jalan.json")) == {
        "service_code": "jalan",
        "attributes": [],
    }
    root = xml_of(client.get(f"{ROOT}/services/jalan.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "jalan"
    assert root.find("attributes") is not None

    for fmt in ("json", "xml"):
        response = client.get(f"{ROOT}/services/sampah.{fmt}")
        assert response.status_code == 404
        [(code, description)] = error_codes(response)
        assert code == 404
        assert "sampah" in description


def test_unknown_format_is_a_404_in_xml(client, categories):
    response = client.get(f"{ROOT}/services.csv")
    assert response.status_code == 404
    assert error_codes(response)[0][0] == 404


def test_method_not_allowed(client, categories):
    response = client.put(f"{ROOT}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert error_codes(response)[0][0] == 405


# --- GET requests: what a service request shows ------------------------------------------


def test_a_public_report_as_a_service_request(client, public_report):
    ReportEventFactory(
        report=public_report, action=EventAction.RESPONDED, note="Lampu diganti besok."
    )
    ReportEventFactory(report=public_report, action=EventAction.RESPONDED, note="Sudah diganti.")
    ReportEventFactory(
        report=public_report, action=EventAction.NOTE, note="Rahasia internal.", is_public=False
    )
    AttachmentFactory(report=public_report)  # a PDF: never a media_url
    photo = AttachmentFactory(
        report=public_report, content_type="image/jpeg", original_name="a.jpg"
    )

    [item] = json_of(client.get(f"{ROOT}/requests.json"))
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == public_report.tracking_id
    assert item["status"] == "open"
    assert item["status_notes"] == "Sudah diganti."
    assert item["service_code"] == "lampu-jalan"
    assert item["service_name"] == "Street lights"
    assert item["agency_responsible"] == "Dinas Perhubungan Kota Bandung"
    assert item["description"] == public_report.body
    assert item["expected_datetime"] == "2030-01-15T17:00:00+07:00"
    assert item["requested_datetime"].endswith("+07:00")
    assert item["lat"] == pytest.approx(-6.914744)
    assert item["long"] == pytest.approx(107.60981)
    assert item["media_url"] == f"http://testserver/lampiran/{photo.pk}/"
    assert "Rahasia" not in json.dumps(item)

    root = xml_of(client.get(f"{ROOT}/requests.xml"))
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("status_notes") == "Sudah diganti."
    assert request.findtext("lat") == "-6.914744"


def test_the_address_is_the_region_name_in_the_list_and_alone(client, public_report):
    public_report.region = RegencyFactory(name="KOTA BANDUNG")
    public_report.save()
    [listed] = json_of(client.get(f"{ROOT}/requests.json"))
    alone = json_of(client.get(f"{ROOT}/requests/{public_report.tracking_id}.json"))
    assert listed["address"] == "KOTA BANDUNG"
    assert alone == [listed]


def test_closed_status_and_a_report_without_category_or_location(client, db):
    report = ReportFactory(status=Status.CLOSED)
    [item] = json_of(client.get(f"{ROOT}/requests.json"))
    assert item["service_request_id"] == report.tracking_id
    assert item["status"] == "closed"
    assert item["service_code"] == item["agency_responsible"] == item["media_url"] == ""
    assert item["lat"] is None
    assert item["expected_datetime"] is None
    [request] = xml_of(client.get(f"{ROOT}/requests.xml"))
    assert request.findtext("lat") == ""


def test_confidential_archived_and_anonymous_reporters_never_show(client, public_report):
    confidential = ReportFactory(
        verified=True, confidential=True, body="Laporan rahasia tentang pungutan liar di kantor."
    )
    archived = ReportFactory(verified=True, status=Status.ARCHIVED)
    anonymous = ReportFactory(
        verified=True,
        anonymous=True,
        reporter=UserFactory(full_name="Budi Rahasia", email="budi@rahasia.id"),
    )
    named = ReportFactory(
        verified=True, reporter=UserFactory(full_name="Siti Terbuka", email="siti@terbuka.id")
    )

    for fmt in ("json", "xml"):
        body = client.get(f"{ROOT}/requests.{fmt}").content.decode()
        for shown in (public_report, anonymous, named):
            assert shown.tracking_id in body
        for hidden in (confidential, archived):
            assert hidden.tracking_id not in body
        assert "pungutan liar" not in body
        # Open311 has no reporter field: no name or address of any reporter appears.
        for secret in ("Budi", "budi@", "Siti", "siti@", "+62812"):
            assert secret not in body
        for hidden in (confidential, archived):
            response = client.get(f"{ROOT}/requests/{hidden.tracking_id}.{fmt}")
            assert response.status_code == 404
            assert error_codes(response)[0][0] == 404
        # Even asked for by id, alone or with a public one.
        ids = f"{confidential.tracking_id},{public_report.tracking_id}"
        listed = client.get(f"{ROOT}/requests.{fmt}", {"service_request_id": ids}).content.decode()
        assert public_report.tracking_id in listed
        assert confidential.tracking_id not in listed


def test_the_session_does_not_widen_what_open311_shows(client, db):
    owner = UserFactory()
    confidential = ReportFactory(confidential=True, reporter=owner)
    client.force_login(owner)
    assert client.get(f"{ROOT}/requests/{confidential.tracking_id}.json").status_code == 404
    assert json_of(client.get(f"{ROOT}/requests.json")) == []


def test_a_single_request_is_a_list_of_one(client, public_report):
    data = json_of(client.get(f"{ROOT}/requests/{public_report.tracking_id.lower()}.json"))
    assert [item["service_request_id"] for item in data] == [public_report.tracking_id]
    root = xml_of(client.get(f"{ROOT}/requests/{public_report.tracking_id}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        public_report.tracking_id
    ]
    response = client.get(f"{ROOT}/requests/NOTANID.json")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


# --- GET requests: filters -----------------------------------------------------------------


def ids_of(client, **params) -> list[str]:
    response = client.get(f"{ROOT}/requests.json", params)
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in json_of(response)]


def test_filters_by_service_code_and_status(client, categories):
    light = ReportFactory(verified=True, category=categories[1], status=Status.DISPOSITIONED)
    road = ReportFactory(verified=True, category=categories[0], status=Status.CLOSED)
    assert ids_of(client, service_code="lampu-jalan") == [light.tracking_id]
    assert set(ids_of(client, service_code="lampu-jalan,jalan")) == {
        light.tracking_id,
        road.tracking_id,
    }
    assert ids_of(client, status="open") == [light.tracking_id]
    assert ids_of(client, status="closed") == [road.tracking_id]
    assert ids_of(client, status="Open,closed") == [road.tracking_id, light.tracking_id]


def test_service_request_id_overrides_every_other_filter(client, categories):
    first = ReportFactory(verified=True, category=categories[0], status=Status.CLOSED)
    second = ReportFactory(verified=True, category=categories[1])
    ids = f"{first.tracking_id}, {second.tracking_id}"
    assert set(ids_of(client, service_request_id=ids, status="open", service_code="jalan")) == {
        first.tracking_id,
        second.tracking_id,
    }


def test_dates_default_to_the_last_90_days_and_filter_by_requested_datetime(client, db):
    with time_machine.travel(dt.datetime(2025, 1, 10, 3, tzinfo=dt.UTC), tick=False):
        old = ReportFactory(verified=True)
    with time_machine.travel(dt.datetime(2025, 5, 1, 3, tzinfo=dt.UTC), tick=False):
        recent = ReportFactory(verified=True)
    with time_machine.travel(dt.datetime(2025, 5, 20, 3, tzinfo=dt.UTC), tick=False):
        assert ids_of(client) == [recent.tracking_id]
        assert ids_of(client, start_date="2025-01-01T00:00:00Z") == [old.tracking_id]
        assert ids_of(client, end_date="2025-02-01T00:00:00+07:00") == [old.tracking_id]
        assert ids_of(
            client, start_date="2025-04-30T00:00:00+07:00", end_date="2025-05-02T00:00:00+07:00"
        ) == [recent.tracking_id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "2025-01-01"}, "start_date"),
        ({"start_date": "2025-01-01T00:00:00"}, "start_date"),
        ({"end_date": "kemarin"}, "end_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "start_date"),
        ({"status": "pending"}, "status"),
        # Dates the calendar cannot hold once the 90-day window or UTC is applied.
        ({"start_date": "9999-12-31T00:00:00Z"}, "start_date"),
        ({"end_date": "0001-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+14:00"}, "start_date"),
        (
            {"start_date": "0001-01-01T00:00:00+14:00", "end_date": "0001-01-02T00:00:00Z"},
            "start_date",
        ),
    ],
)
def test_bad_filters_are_400_errors(client, db, params, field):
    for fmt in ("json", "xml"):
        response = client.get(f"{ROOT}/requests.{fmt}", params)
        assert response.status_code == 400
        [(code, description)] = error_codes(response)
        assert code == 400
        assert description.startswith(field)


def test_a_nul_in_a_lookup_is_not_found_not_a_server_error(client, categories):
    """PostgreSQL refuses NUL in a query parameter as well: a code, token or filter that
    holds one must answer like any other unknown one (this failed on PostgreSQL only)."""
    ReportFactory(verified=True, category=categories[1])
    for fmt in ("json", "xml"):
        assert client.get(f"{ROOT}/services/jalan%00.{fmt}").status_code == 404
        assert client.get(f"{ROOT}/tokens/abc%00def.{fmt}").status_code == 404
        assert client.get(f"{ROOT}/requests/AB23%00CD45EF.{fmt}").status_code == 404
    assert ids_of(client, service_code="lampu-jalan\x00") == []
    assert len(ids_of(client, service_code="lampu-jalan,x\x00")) == 1


def test_at_most_the_cap_newest_first(client, db, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 3)
    reports = [ReportFactory(verified=True) for _ in range(5)]
    assert ids_of(client) == [r.tracking_id for r in reversed(reports)][:3]


def test_the_list_costs_the_same_few_queries_for_many_reports(
    client, categories, django_assert_max_num_queries
):
    agency = AgencyFactory()
    for i in range(15):
        report = ReportFactory(verified=True, category=categories[i % 2], agency=agency)
        ReportEventFactory(report=report, action=EventAction.RESPONDED, note=f"Tanggapan {i}")
        AttachmentFactory(report=report, content_type="image/png")
    # The session and language lookups of the middleware, plus one query for the list
    # (the agency's and region's names joined) and one for its categories.
    with django_assert_max_num_queries(4):
        data = json_of(client.get(f"{ROOT}/requests.json"))
    assert len(data) == 15
    assert all(item["status_notes"].startswith("Tanggapan") and item["media_url"] for item in data)
    assert {item["service_code"] for item in data} == {"jalan", "lampu-jalan"}
    assert {item["agency_responsible"] for item in data} == {agency.name}


# --- jurisdiction --------------------------------------------------------------------------


def test_jurisdiction_id_is_optional_and_must_match(client, categories, settings):
    settings.SITE_URL = "https://aduan.example.go.id:8443"
    settings.ADUAN_OPEN311_JURISDICTION = ""
    assert client.get(f"{ROOT}/services.json").status_code == 200
    ok = client.get(f"{ROOT}/services.json", {"jurisdiction_id": "aduan.example.go.id"})
    assert ok.status_code == 200
    for fmt in ("json", "xml"):
        response = client.get(f"{ROOT}/requests.{fmt}", {"jurisdiction_id": "kota-lain.go.id"})
        assert response.status_code == 404
        assert "jurisdiction_id" in error_codes(response)[0][1]

    settings.ADUAN_OPEN311_JURISDICTION = "lapor.example.id"
    ok = client.get(f"{ROOT}/services.json", {"jurisdiction_id": "lapor.example.id"})
    assert ok.status_code == 200
    refused = client.get(f"{ROOT}/services.json", {"jurisdiction_id": "aduan.example.go.id"})
    assert refused.status_code == 404


# --- POST requests -------------------------------------------------------------------------


def test_post_creates_a_report_of_the_organisation(client, issued, post_data):
    key, _raw = issued
    data = {
        **post_data,
        "email": "warga@contoh.id",
        "first_name": "Ani",
        "last_name": "Pelapor",
        "phone": "0812-3456-7890",
        "device_id": "device-123",
        "address_string": "Jl. Pasar Baru No. 1, Bandung",
        "media_url": "https://kota-bersih.example/foto/1.jpg",
    }
    response = client.post(f"{ROOT}/requests.json", data)
    assert response.status_code == 201
    [item] = json_of(response)
    assert set(item) == {"service_request_id", "token", "service_notice", "account_id"}
    report = Report.objects.get(tracking_id=item["service_request_id"])
    assert report.channel == Channel.OPEN311
    assert report.reporter == key.account
    assert report.reporter.full_name == "Aplikasi Kota Bersih"
    assert report.reporter.email is None
    assert report.category.code == "lampu-jalan"
    assert report.status == Status.SUBMITTED
    assert report.due_at is not None  # the verification clock started
    assert (report.latitude, report.longitude) == (Decimal("-6.914744"), Decimal("107.609810"))
    assert report.title.startswith("Lampu jalan di depan pasar padam")
    assert report.body.startswith(DESCRIPTION)
    assert "Jl. Pasar Baru No. 1" in report.body
    assert "https://kota-bersih.example/foto/1.jpg" in report.body
    assert not report.attachments.exists()  # the media URL is not fetched

    submission = Open311Submission.objects.get(report=report)
    assert submission.token == item["token"]
    assert (submission.email, submission.first_name, submission.phone) == (
        "warga@contoh.id",
        "Ani",
        "0812-3456-7890",
    )
    # The personal details are the organisation's word: no account, never shown.
    assert not User.objects.filter(email="warga@contoh.id").exists()
    shown = client.get(f"{ROOT}/requests/{report.tracking_id}.json").content.decode()
    for secret in ("warga@contoh.id", "Ani", "0812-3456-7890", "device-123"):
        assert secret not in shown
    message = InboundMessage.objects.get(report=report)
    assert (message.channel, message.status, message.sender) == (
        "open311",
        InboundStatus.ACCEPTED,
        "Aplikasi Kota Bersih",
    )
    assert response.get("Access-Control-Allow-Origin") is None


def test_post_answers_in_xml(client, post_data):
    response = client.post(f"{ROOT}/requests.xml", post_data)
    assert response.status_code == 201
    root = xml_of(response)
    assert root.tag == "service_requests"
    [request] = root
    assert [child.tag for child in request] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    tracking_id = request.findtext("service_request_id")
    assert Report.objects.filter(tracking_id=tracking_id, channel="open311").exists()
    token = request.findtext("token")
    [mapped] = xml_of(client.get(f"{ROOT}/tokens/{token}.xml"))
    assert mapped.findtext("service_request_id") == tracking_id
    assert mapped.findtext("token") == token
    assert json_of(client.get(f"{ROOT}/tokens/{token}.json")) == [
        {"service_request_id": tracking_id, "token": token}
    ]
    assert client.get(f"{ROOT}/tokens/no-such-token.json").status_code == 404


def test_post_needs_no_csrf_token_and_ignores_the_session(issued, post_data):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    response = browser.post(f"{ROOT}/requests.json", post_data)
    assert response.status_code == 201
    report = Report.objects.get(tracking_id=json_of(response)[0]["service_request_id"])
    assert report.reporter == issued[0].account


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "o311_not-a-real-key"}, 403, "api_key"),
        ({"api_key": "adn_someone-elses-token"}, 403, "api_key"),
        ({"service_code": "sampah"}, 400, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"description": "Lampu padam."}, 400, "description"),
        ({"lat": "", "long": ""}, 400, "lat"),
        ({"long": ""}, 400, "lat"),
        ({"lat": "51.5", "long": "-0.12"}, 400, "lat"),
        ({"lat": "utara"}, 400, "lat"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
        ({"email": "bukan-email"}, 400, "email"),
        ({"first_name": "A" * 101}, 400, "first_name"),
        ({"description": "Panjang sekali. " * 300}, 400, "description"),
    ],
)
def test_post_errors(client, post_data, change, status, field):
    for fmt in ("json", "xml"):
        response = client.post(f"{ROOT}/requests.{fmt}", {**post_data, **change})
        assert response.status_code == status, response.content
        errors = error_codes(response)
        assert {code for code, _ in errors} == {status}
        assert any(description.startswith(field) for _, description in errors), errors
    assert not Report.objects.exists()
    assert not Open311Submission.objects.exists()


def test_control_characters_in_a_post_are_dropped_not_a_server_error(client, post_data):
    """NUL above all: PostgreSQL refuses it in text, which made every field an Open311
    client fills a way to answer 500 (and, in the description, left no log behind)."""
    data = {
        **post_data,
        "description": DESCRIPTION.replace("padam", "pa\x00dam\x07"),
        "first_name": "A\x00ni",
        "last_name": "Pe\x1blapor",
        "phone": "0812\x00345",
        "device_id": "dev\x00ice",
        "account_id": "acc\x00ount",
        "address_string": "Jl. Pasar\x00 Baru",
        "address_id": "a\x00ddr",
    }
    response = client.post(f"{ROOT}/requests.json", data)
    assert response.status_code == 201, response.content
    submission = Open311Submission.objects.get()
    kept = [
        getattr(submission, name)
        for name in ("first_name", "last_name", "phone", "device_id", "account_id")
    ]
    assert kept == ["Ani", "Pelapor", "0812345", "device", "account"]
    assert (submission.address_string, submission.address_id) == ("Jl. Pasar Baru", "addr")
    assert "padam" in submission.report.body
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.ACCEPTED
    assert "\x00" not in message.text
    assert "padam" in message.text


def test_a_post_too_large_to_read_is_an_open311_error(client, post_data, settings):
    """Django refuses to read such a body (SuspiciousOperation); the answer was its HTML
    400 page, which no Open311 client can parse."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    too_long = {**post_data, "description": DESCRIPTION * 40}
    too_many = {**post_data, **{f"attribute[{n}]": "x" for n in range(60)}}
    for data in (too_long, too_many):
        for fmt in ("json", "xml"):
            response = client.post(f"{ROOT}/requests.{fmt}", data)
            assert response.status_code == 400
            [(code, description)] = error_codes(response)
            assert code == 400
            assert "too large" in description
    assert not Report.objects.exists()


def test_a_refused_post_is_logged_without_a_report(client, post_data):
    client.post(f"{ROOT}/requests.json", {**post_data, "service_code": "sampah"})
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.REJECTED
    assert message.report is None
    assert "service_code" in message.detail
    # Without a valid key nothing is logged: there is no sender to record.
    client.post(f"{ROOT}/requests.json", {**post_data, "api_key": "o311_wrong"})
    assert InboundMessage.objects.count() == 1


def test_a_revoked_key_is_refused(client, issued, post_data):
    api_key_revoke(key=issued[0], actor=None)
    response = client.post(f"{ROOT}/requests.json", post_data)
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_a_deactivated_organisation_account_is_refused(client, issued, post_data):
    User.objects.filter(pk=issued[0].account_id).update(is_active=False)
    assert client.post(f"{ROOT}/requests.json", post_data).status_code == 403


def test_post_is_rate_limited_per_key(client, post_data, settings):
    settings.ADUAN_OPEN311_RATE = "2/h"
    assert [client.post(f"{ROOT}/requests.json", post_data).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]
    assert Report.objects.count() == 2
    refused = client.post(f"{ROOT}/requests.json", post_data)
    assert 0 < int(refused["Retry-After"]) <= 3600


def test_post_with_a_wrong_jurisdiction_is_refused(client, post_data):
    response = client.post(
        f"{ROOT}/requests.json", {**post_data, "jurisdiction_id": "kota-lain.go.id"}
    )
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_a_posted_report_is_read_back_through_get_once_the_desk_verified_it(client, post_data):
    tracking_id = json_of(client.post(f"{ROOT}/requests.json", post_data))[0]["service_request_id"]
    # Not public before the national desk has verified it: unknown to a GeoReport client.
    assert client.get(f"{ROOT}/requests/{tracking_id}.json").status_code == 404
    report = Report.objects.get(tracking_id=tracking_id)
    report_dispose(report=report, actor=NationalAdminFactory(), agency_id=AgencyFactory().pk)
    [item] = json_of(client.get(f"{ROOT}/requests/{tracking_id}.json"))
    assert item["status"] == "open"
    assert item["service_code"] == "lampu-jalan"
    assert item["description"].startswith(DESCRIPTION)


def test_a_posted_report_moves_through_the_same_workflow(client, post_data):
    """The national queue, the agency's handling and its deadlines, read back in Open311."""
    tracking_id = json_of(client.post(f"{ROOT}/requests.json", post_data))[0]["service_request_id"]
    report = Report.objects.get(tracking_id=tracking_id)
    agency = AgencyFactory(name="Dinas Perhubungan Kota Bandung")
    report = report_dispose(report=report, actor=NationalAdminFactory(), agency_id=agency.pk)
    staff = AgencyAdminFactory(agency=agency)
    report = report_accept(report=report, actor=staff)
    report = report_respond(
        report=report, actor=staff, body="Lampu sudah diganti oleh petugas pada hari ini."
    )
    report.refresh_from_db()

    [item] = json_of(client.get(f"{ROOT}/requests/{tracking_id}.json"))
    assert item["status"] == "open"  # responded: open until the reporter or the clock closes it
    assert item["agency_responsible"] == "Dinas Perhubungan Kota Bandung"
    assert item["status_notes"] == "Lampu sudah diganti oleh petugas pada hari ini."
    assert report.due_at is not None
    assert item["expected_datetime"] == render.w3c(report.due_at)
    assert item["updated_datetime"] == render.w3c(report.updated_at)
