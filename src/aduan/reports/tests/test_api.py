"""The reports API: submission, the visibility matrix, the feed and attachments."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aduan.accounts.models import ApiToken
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.api.tests.utils import PDF_BYTES, assert_problem, bearer, png_bytes
from aduan.categories.tests.factories import CategoryFactory
from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory
from aduan.reports.models import Attachment, Channel, EventAction, Report, ReportEvent, Status
from aduan.reports.tests.factories import AttachmentFactory, ReportFactory, pdf_bytes
from aduan.sla.models import DeadlineKind
from aduan.sla.services import deadline_cancel, deadline_start

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def valid_payload(**overrides) -> dict:
    payload = {
        "classification": "complaint",
        "title": "Lampu jalan mati di Jalan Merdeka",
        "body": "Sudah dua minggu lampu jalan di depan pasar mati sehingga rawan kejahatan.",
    }
    payload.update(overrides)
    return payload


def post_report(client, payload: dict, **headers):
    return client.post(REPORTS, payload, content_type="application/json", **headers)


# --- Submission ------------------------------------------------------------------------


def test_submit_returns_201_with_the_report(client):
    citizen = UserFactory()
    agency = AgencyFactory()
    category = CategoryFactory()
    regency = RegencyFactory()
    response = post_report(
        client,
        valid_payload(
            incident_date="2024-05-01",
            region_code=regency.code,
            latitude="-6.2",
            longitude="106.8",
            agency_id=agency.pk,
            category_id=category.pk,
            confidential=True,
        ),
        REMOTE_ADDR="203.0.113.9",
        **bearer(citizen),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    report = Report.objects.get(tracking_id=data["tracking_id"])
    assert report.reporter == citizen
    assert report.channel == Channel.API
    assert data["channel"] == "api"
    # The reporter's agency is a suggestion to the national desk, which disposes it.
    assert data["status"] == Status.SUBMITTED
    assert data["status_label"]
    assert data["agency"] is None
    assert data["requested_agency"] == {"id": agency.pk, "name": agency.name}
    assert data["category"]["id"] == category.pk
    assert data["region"]["code"] == regency.code
    assert data["latitude"] == pytest.approx(-6.2)
    assert data["confidential"] is True
    assert data["anonymous"] is False
    assert data["reporter"] == {
        "name": citizen.full_name,
        "email": citizen.email,
        "phone": citizen.phone,
    }
    assert [e["action"] for e in data["events"]] == ["submitted"]
    assert data["events"][0]["actor"] == {
        "role": "citizen",
        "role_label": "Citizen",
        "agency": None,
    }
    assert ReportEvent.objects.get(report=report).ip_address == "203.0.113.9"


def test_submit_without_token_is_401(client):
    response = post_report(client, valid_payload())
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in body["detail"]
    assert not Report.objects.exists()


def test_submit_with_revoked_token_is_401(client):
    citizen = UserFactory()
    headers = bearer(citizen)
    ApiToken.objects.update(revoked_at=timezone.now())
    response = post_report(client, valid_payload(), **headers)
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert not Report.objects.exists()


def test_submit_with_garbage_token_is_401(client):
    response = post_report(client, valid_payload(), HTTP_AUTHORIZATION="Bearer adn_nope")
    assert_problem(response, 401)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Pendek"}, "title"),
        ({"body": "Terlalu pendek."}, "body"),
        ({"classification": "gossip"}, "classification"),
        (
            {"incident_date": (timezone.now() + dt.timedelta(days=3)).date().isoformat()},
            "incident_date",
        ),
        ({"incident_date": "31-12-2024"}, "incident_date"),
        ({"latitude": "40.7", "longitude": "-74.0"}, "latitude"),
        ({"latitude": "-6.2", "longitude": "150.0"}, "longitude"),
        ({"latitude": "-6.2"}, "latitude"),
        ({"longitude": "106.8"}, "latitude"),
        ({"latitude": "north", "longitude": "106.8"}, "latitude"),
        ({"region_code": "99.99"}, "region_code"),
        ({"agency_id": 999_999}, "agency_id"),
        ({"category_id": 999_999}, "category_id"),
        ({"anonymous": "perhaps"}, "anonymous"),
        # Lax parsing took these for 1, 1 and a true flag (issue 12).
        ({"category_id": True}, "category_id"),
        ({"agency_id": "1"}, "agency_id"),
        ({"anonymous": 1}, "anonymous"),
        ({"incident_date": 0}, "incident_date"),
    ],
)
def test_submit_rejects_bad_field_with_422(client, overrides, field):
    citizen = UserFactory()
    response = post_report(client, valid_payload(**overrides), **bearer(citizen))
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert not Report.objects.exists()


def test_submit_reports_every_rule_at_once(client):
    response = post_report(
        client,
        {"classification": "gossip", "title": "x", "body": "y", "region_code": "00"},
        **bearer(UserFactory()),
    )
    body = assert_problem(response, 422)
    assert {"classification", "title", "body", "region_code"} <= set(body["errors"])


def test_submit_missing_fields_are_named(client):
    response = post_report(client, {}, **bearer(UserFactory()))
    body = assert_problem(response, 422)
    assert {"classification", "title", "body"} <= set(body["errors"])


def test_submit_to_non_receiving_agency_is_422(client):
    admin = NationalAdminFactory()
    response = post_report(
        client, valid_payload(agency_id=admin.agency_id), **bearer(UserFactory())
    )
    assert "agency_id" in assert_problem(response, 422)["errors"]


def test_submit_rejects_unparseable_json_with_400(client):
    response = client.post(
        REPORTS, "{not json", content_type="application/json", **bearer(UserFactory())
    )
    assert_problem(response, 400)


def test_submit_is_rate_limited_per_user(client, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "2/h"
    settings.ADUAN_SUBMIT_RATE_IP = "100/h"
    citizen = UserFactory()
    headers = bearer(citizen)
    for _ in range(2):
        assert post_report(client, valid_payload(), **headers).status_code == 201
    assert_problem(post_report(client, valid_payload(), **headers), 429)
    assert Report.objects.count() == 2
    # Another account on the same address is not affected by the first one's limit.
    assert post_report(client, valid_payload(), **bearer(UserFactory())).status_code == 201


def test_submit_is_rate_limited_per_ip(client, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "100/h"
    settings.ADUAN_SUBMIT_RATE_IP = "2/h"
    for _ in range(2):
        response = post_report(client, valid_payload(), **bearer(UserFactory()))
        assert response.status_code == 201
    response = post_report(client, valid_payload(), **bearer(UserFactory()))
    assert_problem(response, 429)
    other_ip = post_report(
        client, valid_payload(), REMOTE_ADDR="198.51.100.7", **bearer(UserFactory())
    )
    assert other_ip.status_code == 201


# --- The visibility matrix -------------------------------------------------------------

ROLES = [
    "visitor",
    "other_citizen",
    "owner",
    "national_admin",
    "handling_agency_admin",
    "other_agency_admin",
    "unit_officer_under_handling_agency",
    "oversight",
]

# role -> (sees a confidential report, identity level on a named / anonymous report)
EXPECTED = {
    "visitor": (False, "name", None),
    "other_citizen": (False, "name", None),
    "owner": (True, "full", "full"),
    "national_admin": (True, "full", "full"),
    "handling_agency_admin": (True, "name", None),
    "other_agency_admin": (False, "name", None),
    # Staff see their own agency's subtree, not their parent agency's reports.
    "unit_officer_under_handling_agency": (False, "name", None),
    "oversight": (True, "name", None),
}


@pytest.fixture
def world():
    handling = AgencyFactory()
    unit = UnitFactory(parent=handling)
    reporter = UserFactory(full_name="Siti Pelapor Rahasia", email="siti.pelapor@example.id")
    users = {
        "visitor": None,
        "other_citizen": UserFactory(),
        "owner": reporter,
        "national_admin": NationalAdminFactory(),
        "handling_agency_admin": AgencyAdminFactory(agency=handling),
        "other_agency_admin": AgencyAdminFactory(agency=AgencyFactory()),
        "unit_officer_under_handling_agency": UnitOfficerFactory(agency=unit),
        "oversight": OversightFactory(),
    }
    return {"handling": handling, "unit": unit, "reporter": reporter, "users": users}


def headers_for(user) -> dict:
    return bearer(user) if user is not None else {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("anonymous", [False, True])
@pytest.mark.parametrize("confidential", [False, True])
def test_detail_visibility_matrix(client, world, role, anonymous, confidential):
    report = ReportFactory(
        reporter=world["reporter"],
        agency=world["handling"],
        anonymous=anonymous,
        confidential=confidential,
        status=Status.DISPOSITIONED,
    )
    AttachmentFactory(report=report)
    sees_confidential, named_level, anonymous_level = EXPECTED[role]
    response = client.get(f"{REPORTS}/{report.tracking_id}", **headers_for(world["users"][role]))

    if confidential and not sees_confidential:
        body = assert_problem(response, 404)
        missing = client.get(f"{REPORTS}/ZZZZZZZZZZ", **headers_for(world["users"][role]))
        assert missing.json()["detail"] == body["detail"]
        assert "Siti" not in response.content.decode()
        return

    assert response.status_code == 200, response.content
    data = response.json()
    level = anonymous_level if anonymous else named_level
    reporter = world["reporter"]
    if level is None:
        assert data["reporter"] is None
    elif level == "name":
        assert data["reporter"] == {"name": reporter.full_name}
    else:
        assert data["reporter"] == {
            "name": reporter.full_name,
            "email": reporter.email,
            "phone": reporter.phone,
        }
    text = response.content.decode()
    if level != "full":
        assert reporter.email not in text
        assert reporter.phone not in text
    if level is None:
        # Not through the timeline, the attachment list or anywhere else either.
        assert reporter.full_name not in text
        assert "Siti" not in text
    assert data["events"][0]["actor"]["role"] == "citizen"
    assert len(data["attachments"]) == 1


def test_agency_admin_sees_confidential_report_of_own_unit(client, world):
    report = ReportFactory(agency=world["unit"], confidential=True)
    admin = world["users"]["handling_agency_admin"]
    response = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(admin))
    assert response.status_code == 200


def test_detail_accepts_tracking_id_as_typed(client):
    report = ReportFactory(verified=True)
    typed = f"{report.tracking_id[:5].lower()}-{report.tracking_id[5:].lower()}"
    assert client.get(f"{REPORTS}/{typed}").json()["tracking_id"] == report.tracking_id


def test_detail_of_missing_report_is_404_problem(client):
    assert_problem(client.get(f"{REPORTS}/23456789AB"), 404)
    assert_problem(client.get(f"{REPORTS}/not-an-id"), 404)


def test_archived_report_is_hidden_from_public_but_not_owner(client):
    report = ReportFactory(status=Status.ARCHIVED)
    assert_problem(client.get(f"{REPORTS}/{report.tracking_id}"), 404)
    owner = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(report.reporter))
    assert owner.status_code == 200


def test_detail_shows_staff_events_as_agency_and_hides_internal_notes(client, world):
    report = ReportFactory(
        verified=True, reporter=world["reporter"], agency=world["handling"], anonymous=True
    )
    admin = world["users"]["handling_agency_admin"]
    ReportEvent.objects.create(
        report=report,
        actor=admin,
        actor_role=admin.role,
        actor_agency=world["handling"],
        action="responded",
        note="Sudah kami tindak lanjuti.",
    )
    ReportEvent.objects.create(
        report=report,
        actor=admin,
        actor_role=admin.role,
        actor_agency=world["handling"],
        action="internal_note",
        note="Catatan internal",
        is_public=False,
    )
    public = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert [e["action"] for e in public["events"]] == ["submitted", "responded"]
    assert public["events"][1]["actor"] == {
        "role": "agency_admin",
        "role_label": "Agency admin",
        "agency": {"id": world["handling"].pk, "name": world["handling"].name},
    }
    assert admin.full_name not in str(public)
    staff = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(admin)).json()
    assert [e["action"] for e in staff["events"]] == ["submitted", "responded", "internal_note"]


def test_detail_query_count_does_not_grow_with_events(client, django_assert_max_num_queries):
    report = ReportFactory(verified=True, agency=AgencyFactory(), category=CategoryFactory())
    for _ in range(10):
        ReportEvent.objects.create(
            report=report,
            action="responded",
            actor_agency=AgencyFactory(),
            actor_role="unit_officer",
        )
        AttachmentFactory(report=report)
    # report (with agency, category, region), events, attachments, deadlines, programmes,
    # the reporter (read when shown)
    with django_assert_max_num_queries(6):
        response = client.get(f"{REPORTS}/{report.tracking_id}")
    assert len(response.json()["events"]) == 11


# --- The feed --------------------------------------------------------------------------


def feed_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["tracking_id"] for r in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_feed_never_lists_confidential_reports(client, world, role):
    public = ReportFactory(verified=True, reporter=world["reporter"], agency=world["handling"])
    secret = ReportFactory(
        verified=True, reporter=world["reporter"], agency=world["handling"], confidential=True
    )
    ids = feed_ids(client.get(REPORTS, **headers_for(world["users"][role])))
    assert public.tracking_id in ids
    assert secret.tracking_id not in ids


@pytest.mark.parametrize("role", ROLES)
def test_feed_hides_anonymous_reporter(client, world, role):
    ReportFactory(verified=True, reporter=world["reporter"], anonymous=True)
    response = client.get(REPORTS, **headers_for(world["users"][role]))
    [item] = response.json()["results"]
    if role in ("owner", "national_admin"):
        assert item["reporter"]["email"] == world["reporter"].email
    else:
        assert item["reporter"] is None
        assert world["reporter"].full_name not in response.content.decode()


def test_feed_mine_lists_only_own_reports_confidential_included(client):
    citizen = UserFactory()
    own_public = ReportFactory(reporter=citizen)
    own_secret = ReportFactory(reporter=citizen, confidential=True)
    ReportFactory()
    ids = feed_ids(client.get(REPORTS, {"mine": "true"}, **bearer(citizen)))
    assert ids == {own_public.tracking_id, own_secret.tracking_id}


def test_feed_mine_without_token_is_401(client):
    ReportFactory()
    assert_problem(client.get(REPORTS, {"mine": "true"}), 401)


def test_feed_with_revoked_token_is_401(client):
    citizen = UserFactory()
    headers = bearer(citizen)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert_problem(client.get(REPORTS, **headers), 401)


def test_feed_filters(client):
    agency, other_agency = AgencyFactory(), AgencyFactory()
    category = CategoryFactory()
    province = ProvinceFactory(code="32")
    regency = RegencyFactory(parent=province, code="32.73")
    elsewhere = RegencyFactory(parent=ProvinceFactory(code="51"), code="51.71")
    match = ReportFactory(
        verified=True,
        agency=agency,
        category=category,
        region=regency,
        status=Status.IN_PROGRESS,
        classification="aspiration",
        title="Banjir di pasar Kosambi setiap hujan",
    )
    ReportFactory(
        verified=True, agency=other_agency, region=elsewhere, title="Sampah menumpuk di taman kota"
    )
    cases = [
        {"agency": agency.pk},
        {"category": category.pk},
        {"region": "32"},
        {"region": "32.73"},
        {"status": "in_progress"},
        {"classification": "aspiration"},
        {"q": "banjir kosambi"},
        {"q": "BANJIR", "agency": agency.pk, "region": "32"},
    ]
    for params in cases:
        assert feed_ids(client.get(REPORTS, params)) == {match.tracking_id}, params
    assert feed_ids(client.get(REPORTS, {"q": "gempa"})) == set()
    assert len(feed_ids(client.get(REPORTS))) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"classification": "gossip"}, "classification"),
        ({"agency": "abc"}, "agency"),
        ({"page": "0"}, "page"),
        ({"page_size": "101"}, "page_size"),
        ({"mine": "perhaps"}, "mine"),
    ],
)
def test_feed_rejects_bad_filters_with_422(client, params, field):
    body = assert_problem(client.get(REPORTS, params), 422)
    assert field in body["errors"]


def test_feed_pagination(client):
    reports = [ReportFactory(verified=True) for _ in range(5)]
    newest_first = [r.tracking_id for r in reversed(reports)]
    first = client.get(REPORTS, {"page_size": 2}).json()
    assert first["count"] == 5
    assert first["pages"] == 3
    assert [r["tracking_id"] for r in first["results"]] == newest_first[:2]
    assert first["previous"] is None
    assert "page=2" in first["next"]
    last = client.get(REPORTS, {"page_size": 2, "page": 3}).json()
    assert [r["tracking_id"] for r in last["results"]] == newest_first[4:]
    assert last["next"] is None
    assert "page=2" in last["previous"]
    beyond = client.get(REPORTS, {"page_size": 2, "page": 9}).json()
    assert beyond["results"] == []
    assert beyond["count"] == 5


def _populate_feed(n: int) -> None:
    agency = AgencyFactory()
    regency = RegencyFactory()
    for _ in range(n):
        report = ReportFactory(
            verified=True,
            agency=UnitFactory(parent=agency),
            category=CategoryFactory(),
            region=regency,
        )
        ReportEvent.objects.create(
            report=report, action="responded", actor_agency=agency, actor_role="agency_admin"
        )
        AttachmentFactory(report=report)


@pytest.mark.parametrize("n", [3, 15])
def test_feed_query_count_is_constant(client, django_assert_max_num_queries, n):
    _populate_feed(n)
    # count, page of reports (with agency, category, region), events, attachments,
    # deadlines, programmes, the events' agencies, the reporters
    with django_assert_max_num_queries(8):
        response = client.get(REPORTS)
    assert len(response.json()["results"]) == n


def test_feed_query_count_with_token(client, django_assert_max_num_queries):
    _populate_feed(10)
    headers = bearer(UserFactory())
    # + the token look-up and its last-used stamp
    with django_assert_max_num_queries(10):
        response = client.get(REPORTS, **headers)
    assert len(response.json()["results"]) == 10


# --- Attachments -----------------------------------------------------------------------


def upload(client, report: Report, content: bytes, name: str = "bukti.png", **headers):
    return client.post(
        f"{REPORTS}/{report.tracking_id}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="image/png")},
        **headers,
    )


def test_owner_uploads_attachment(client):
    report = ReportFactory(verified=True, anonymous=True)
    response = upload(
        client, report, png_bytes(), REMOTE_ADDR="203.0.113.5", **bearer(report.reporter)
    )
    assert response.status_code == 201, response.content
    data = response.json()
    attachment = Attachment.objects.get(report=report)
    assert data["id"] == attachment.pk
    assert data["content_type"] == "image/png"
    assert data["name"] == "bukti.png"
    assert data["url"] == f"{REPORTS}/{report.tracking_id}/attachments/{attachment.pk}"
    event = ReportEvent.objects.filter(report=report).latest("id")
    assert event.action == "attachment_added"
    assert event.actor == report.reporter
    assert event.ip_address == "203.0.113.5"
    detail = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert detail["attachments"][0]["url"] == data["url"]
    assert detail["events"][-1]["actor"] == {
        "role": "citizen",
        "role_label": "Citizen",
        "agency": None,
    }


def test_upload_without_token_is_401(client):
    report = ReportFactory()
    assert_problem(upload(client, report, png_bytes()), 401)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("role", ["other_citizen", "handling_agency_admin", "national_admin"])
def test_upload_by_someone_else_who_can_see_it_is_403(client, world, role):
    report = ReportFactory(verified=True, reporter=world["reporter"], agency=world["handling"])
    assert_problem(upload(client, report, png_bytes(), **bearer(world["users"][role])), 403)
    assert not Attachment.objects.exists()


def test_an_uploaded_pdf_is_checked_and_stored_without_its_author(client):
    report = ReportFactory(anonymous=True)
    headers = bearer(report.reporter)
    launch = pdf_bytes(launch=True)
    body = assert_problem(upload(client, report, launch, "surat.pdf", **headers), 422)
    [message] = body["errors"]["file"]
    assert message.startswith("surat.pdf: the PDF file contains an action that starts a program")
    assert message.count("surat.pdf") == 1
    signed = pdf_bytes(author="Siti Rahmawati", xmp_author="Siti Rahmawati")
    assert upload(client, report, signed, "surat.pdf", **headers).status_code == 201
    attachment = Attachment.objects.get(report=report)
    stored = attachment.file.read()
    assert b"Siti Rahmawati" not in stored
    assert (attachment.size, attachment.content_type) == (len(stored), "application/pdf")


def test_upload_to_invisible_report_is_404(client):
    report = ReportFactory(confidential=True)
    assert_problem(upload(client, report, png_bytes(), **bearer(UserFactory())), 404)
    assert not Attachment.objects.exists()


def test_upload_to_closed_report_is_409(client):
    report = ReportFactory(status=Status.CLOSED)
    assert_problem(upload(client, report, png_bytes(), **bearer(report.reporter)), 409)
    assert not Attachment.objects.exists()


def test_upload_beyond_the_count_limit_is_422(client, settings):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 2
    report = ReportFactory()
    headers = bearer(report.reporter)
    for _ in range(2):
        assert upload(client, report, PDF_BYTES, "surat.pdf", **headers).status_code == 201
    body = assert_problem(upload(client, report, PDF_BYTES, "surat.pdf", **headers), 422)
    assert "file" in body["errors"]
    assert report.attachments.count() == 2


def test_oversize_upload_is_413(client, settings):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 1024 * 1024
    report = ReportFactory()
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10) + b"\n%%EOF\n"
    body = assert_problem(upload(client, report, big, "besar.pdf", **bearer(report.reporter)), 413)
    assert "file" in body["errors"]
    assert not Attachment.objects.exists()


def test_html_renamed_png_is_rejected(client):
    report = ReportFactory()
    html = b"<html><script>alert(1)</script></html>"
    response = upload(client, report, html, "foto.png", **bearer(report.reporter))
    assert response.status_code in (415, 422)
    assert "file" in assert_problem(response, response.status_code)["errors"]
    assert not Attachment.objects.exists()


def test_upload_without_file_is_422(client):
    report = ReportFactory()
    response = client.post(
        f"{REPORTS}/{report.tracking_id}/attachments", {}, **bearer(report.reporter)
    )
    assert "file" in assert_problem(response, 422)["errors"]


def test_failed_event_write_leaves_no_orphan_file(client, monkeypatch):
    from django.core.files.storage import default_storage

    report = ReportFactory()
    stored: list[str] = []
    original_save = default_storage.save

    def tracking_save(name, content, **kwargs):
        saved = original_save(name, content, **kwargs)
        stored.append(saved)
        return saved

    def broken_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(default_storage, "save", tracking_save)
    monkeypatch.setattr(ReportEvent.objects, "create", broken_create)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        upload(client, report, PDF_BYTES, "surat.pdf", **bearer(report.reporter))
    assert stored
    assert not any(default_storage.exists(name) for name in stored)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("confidential", [False, True])
def test_attachment_download_matrix(client, world, role, confidential):
    report = ReportFactory(
        verified=True,
        reporter=world["reporter"],
        agency=world["handling"],
        confidential=confidential,
    )
    attachment = AttachmentFactory(report=report, original_name="bukti.pdf")
    url = f"{REPORTS}/{report.tracking_id}/attachments/{attachment.pk}"
    response = client.get(url, **headers_for(world["users"][role]))
    if confidential and not EXPECTED[role][0]:
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="bukti.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


# Who handles the report (``user_handles_report``) among ``world``'s readers.
HANDLERS = {"national_admin", "handling_agency_admin", "oversight"}


@pytest.mark.parametrize("role", ROLES)
def test_a_desk_note_file_is_listed_and_served_only_to_handlers(client, world, role):
    """A file of a note between desks follows the note: not in the detail, the feed nor
    the download for the reporter or the public; the same 404 as a missing one."""
    report = ReportFactory(verified=True, reporter=world["reporter"], agency=world["handling"])
    admin = world["users"]["handling_agency_admin"]
    note = ReportEvent.objects.create(
        report=report,
        actor=admin,
        actor_role=admin.role,
        actor_agency=world["handling"],
        action=EventAction.NOTE,
        note="Catatan internal",
        is_public=False,
    )
    response_event = ReportEvent.objects.create(
        report=report,
        actor=admin,
        actor_role=admin.role,
        actor_agency=world["handling"],
        action=EventAction.RESPONDED,
        note="Sudah kami tindak lanjuti.",
    )
    own = AttachmentFactory(report=report, original_name="bukti.pdf")
    desk = AttachmentFactory(report=report, event=note, original_name="memo meja.pdf")
    answer = AttachmentFactory(report=report, event=response_event, original_name="jawaban.pdf")
    headers = headers_for(world["users"][role])
    handler = role in HANDLERS

    detail = client.get(f"{REPORTS}/{report.tracking_id}", **headers).json()
    listed = {a["id"] for a in detail["attachments"]}
    assert listed == ({own.pk, desk.pk, answer.pk} if handler else {own.pk, answer.pk})
    feed = client.get(REPORTS, **headers).json()["results"]
    in_feed = {a["id"] for item in feed for a in item["attachments"]}
    assert (desk.pk in in_feed) is handler
    for attachment in (own, answer):
        url = f"{REPORTS}/{report.tracking_id}/attachments/{attachment.pk}"
        assert client.get(url, **headers).status_code == 200
    response = client.get(f"{REPORTS}/{report.tracking_id}/attachments/{desk.pk}", **headers)
    if handler:
        assert response.status_code == 200
        assert "memo meja.pdf" in response["Content-Disposition"]
    else:
        assert_problem(response, 404)


def test_detail_with_desk_files_reads_no_query_per_file(client, django_assert_max_num_queries):
    report = ReportFactory(verified=True, agency=AgencyFactory())
    for _ in range(5):
        note = ReportEvent.objects.create(report=report, action=EventAction.NOTE, is_public=False)
        AttachmentFactory(report=report, event=note)
    AttachmentFactory(report=report)
    with django_assert_max_num_queries(6):
        response = client.get(f"{REPORTS}/{report.tracking_id}")
    assert len(response.json()["attachments"]) == 1


def test_attachment_of_another_report_is_404(client):
    report = ReportFactory()
    other = AttachmentFactory(report=ReportFactory())
    response = client.get(f"{REPORTS}/{report.tracking_id}/attachments/{other.pk}")
    assert_problem(response, 404)


def test_feed_agency_filter_includes_its_units(client):
    agency = AgencyFactory()
    by_unit = ReportFactory(verified=True, agency=UnitFactory(parent=agency))
    by_agency = ReportFactory(verified=True, agency=agency)
    ReportFactory(verified=True, agency=AgencyFactory())
    ids = feed_ids(client.get(REPORTS, {"agency": agency.pk}))
    assert ids == {by_unit.tracking_id, by_agency.tracking_id}
    assert feed_ids(client.get(REPORTS, {"agency": 987654})) == set()


# --- Deadlines, the current deadline and the caller's actions ---------------------------

WIB = dt.timezone(dt.timedelta(hours=7))
# Tuesday 1 December 2026, 09:00 WIB: no holiday in the following two weeks.
DEADLINE_CLOCK = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)


def _disposed_report(zone: str = "Asia/Jakarta", **kwargs) -> Report:
    report = ReportFactory(
        agency=AgencyFactory(timezone=zone), status=Status.DISPOSITIONED, **kwargs
    )
    deadline_start(report=report, kind=DeadlineKind.RESPONSE)
    deadline_start(report=report, kind=DeadlineKind.COMPLETION)
    return report


def test_submit_answers_with_the_verification_deadline(client):
    with time_machine.travel(DEADLINE_CLOCK, tick=False):
        response = post_report(client, valid_payload(), **bearer(UserFactory()))
    data = response.json()
    assert data["deadlines"] == {"verification_due": "2026-12-04T23:59:59+07:00"}
    assert data["current_deadline"]["kind"] == "verification"
    assert data["is_overdue"] is False
    assert data["actions"] == ["comment"]  # the reporter, while it awaits verification


@pytest.mark.parametrize(
    ("zone", "due"),
    [
        ("Asia/Jakarta", "2026-12-08T23:59:59+07:00"),
        ("Asia/Makassar", "2026-12-08T23:59:59+08:00"),
        ("Asia/Jayapura", "2026-12-08T23:59:59+09:00"),
    ],
)
def test_detail_shows_deadlines_in_the_agencys_zone_to_everyone(client, zone, due):
    with time_machine.travel(DEADLINE_CLOCK, tick=False):
        report = _disposed_report(zone)
        data = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert set(data["deadlines"]) == {"response_due", "completion_due"}
    assert data["deadlines"]["response_due"] == due
    assert data["current_deadline"] == {
        "kind": "response",
        "kind_label": "First response",
        "due_at": due,
        "overdue": False,
    }
    assert data["is_overdue"] is False
    assert data["actions"] == []  # an anonymous visitor may do nothing
    with time_machine.travel(dt.datetime(2026, 12, 9, 9, 0, tzinfo=WIB), tick=False):
        late = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert late["is_overdue"] is True
    assert late["current_deadline"]["overdue"] is True


def test_a_replaced_deadline_shows_the_new_one_and_a_cancelled_one_none(client):
    with time_machine.travel(DEADLINE_CLOCK, tick=False):
        report = _disposed_report()
    with time_machine.travel(DEADLINE_CLOCK + dt.timedelta(days=7), tick=False):
        deadline_start(report=report, kind=DeadlineKind.RESPONSE)
        deadline_cancel(report=report, kinds=[DeadlineKind.COMPLETION])
        data = client.get(f"{REPORTS}/{report.tracking_id}").json()
    assert data["deadlines"] == {"response_due": "2026-12-15T23:59:59+07:00"}


def test_actions_follow_the_caller(client):
    with time_machine.travel(DEADLINE_CLOCK, tick=False):
        report = _disposed_report()
    url = f"{REPORTS}/{report.tracking_id}"
    staff = AgencyAdminFactory(agency=report.agency)
    assert set(client.get(url, **bearer(staff)).json()["actions"]) == {
        "accept",
        "return",
        "forward",
        "extend",
        "respond",
        "comment",
    }
    assert client.get(url, **bearer(report.reporter)).json()["actions"] == ["comment"]
    assert client.get(url, **bearer(UserFactory())).json()["actions"] == []
    assert client.get(url, **bearer(OversightFactory())).json()["actions"] == []
    other_staff = AgencyAdminFactory(agency=AgencyFactory())
    assert client.get(url, **bearer(other_staff)).json()["actions"] == []


@pytest.mark.parametrize("n", [3, 12])
def test_feed_deadlines_cost_one_query(client, django_assert_max_num_queries, n):
    with time_machine.travel(DEADLINE_CLOCK, tick=False):
        for _ in range(n):
            _disposed_report("Asia/Makassar", category=CategoryFactory())
        # count, page, events, attachments, deadlines, ratings, programmes
        with django_assert_max_num_queries(7):
            response = client.get(REPORTS)
    results = response.json()["results"]
    assert len(results) == n
    assert {r["deadlines"]["response_due"] for r in results} == {"2026-12-08T23:59:59+08:00"}


def test_a_lone_surrogate_or_control_character_is_cleaned_not_a_server_error(client):
    """JSON can carry "\\ud800" (no UTF-8 for it) and NUL (PostgreSQL refuses it)."""
    raw = (
        '{"classification": "complaint", "title": "Lampu jalan \\ud800 mati\\u0000 total",'
        ' "body": "Sudah dua minggu lampu jalan\\u0085 di depan pasar mati \\udfff rawan."}'
    )
    response = client.post(REPORTS, raw, content_type="application/json", **bearer(UserFactory()))
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.title == "Lampu jalan \ufffd mati total"
    assert report.body == "Sudah dua minggu lampu jalan di depan pasar mati \ufffd rawan."
