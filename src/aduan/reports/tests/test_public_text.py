"""Personal data typed into a report: the public reads the desk's redaction with what
looks like personal data masked, on every surface; the reporter and those who handle
the report read the original. The redaction itself is an audited desk action."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.api.tests.utils import assert_problem, bearer
from aduan.notifications.models import Notification
from aduan.reports.audit import chain_verify
from aduan.reports.models import EventAction, Report, ReportFollower
from aduan.reports.selectors import NOTE_AUDIENCE, NoteAudience
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

pytestmark = pytest.mark.django_db

TITLE = "Pungli KTP, hubungi 0812-3456-7890 atau nama@contoh.id, NIK 3273012345678901"
BODY = (
    "Petugas kelurahan meminta Rp 1.500.000 untuk KTP pada 12-08-2026 di Jl. Merdeka No. 12. "
    "NIK saya 3273 0123 4567 8901, WA +62 812 3456 7890, surel nama@contoh.id."
)
PERSONAL = [
    "3273012345678901",
    "3273 0123 4567 8901",
    "0812-3456-7890",
    "+62 812 3456 7890",
    "nama@contoh.id",
]
KEPT = ["Rp 1.500.000", "12-08-2026", "Jl. Merdeka No. 12", "Pungli KTP"]
RESPONSE = "Kami sudah menghubungi pelapor di 0812-3456-7890 dan petugas sudah diperiksa."


@pytest.fixture
def report():
    return ReportFactory(verified=True, title=TITLE, body=BODY)


def readers(report) -> dict:
    """Who reads the original: the reporter, the desk, oversight, the handling agency."""
    return {
        "reporter": report.reporter,
        "national_admin": NationalAdminFactory(),
        "oversight": OversightFactory(),
        "agency_admin": AgencyAdminFactory(agency=report.agency),
    }


def assert_masked(text: str) -> None:
    for personal in PERSONAL:
        assert personal not in text
    for kept in KEPT:
        assert kept in text


def assert_original(text: str) -> None:
    for personal in PERSONAL:
        assert personal in text


# --- The tracking page, the feed, the home page ----------------------------------------


def test_tracking_page_masks_for_visitors_and_other_citizens(client, report):
    url = reverse("web:track_detail", args=[report.tracking_id])
    assert_masked(client.get(url).content.decode())
    client.force_login(UserFactory())
    assert_masked(client.get(url).content.decode())
    client.force_login(AgencyAdminFactory())  # staff of another agency
    assert_masked(client.get(url).content.decode())


@pytest.mark.parametrize("who", ["reporter", "national_admin", "oversight", "agency_admin"])
def test_tracking_page_shows_the_original_to_those_who_may_read_it(client, report, who):
    client.force_login(readers(report)[who])
    html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert_original(html)


def test_feed_and_home_mask_the_title(client, report):
    for name in ("web:feed", "web:home"):
        html = client.get(reverse(name)).content.decode()
        assert "Pungli KTP" in html
        assert "0812-3456-7890" not in html
        assert "nama@contoh.id" not in html


def test_my_reports_shows_the_reporter_their_own_title(client, report):
    client.force_login(report.reporter)
    html = client.get(reverse("web:my_reports")).content.decode()
    assert "0812-3456-7890" in html


# --- The API and Open311 ------------------------------------------------------------------


def test_api_detail_and_list_mask_for_the_public(client, report):
    detail = client.get(f"/api/v1/reports/{report.tracking_id}").json()
    assert_masked(detail["title"] + " " + detail["body"])
    listed = client.get("/api/v1/reports").json()["results"]
    [item] = [r for r in listed if r["tracking_id"] == report.tracking_id]
    assert_masked(item["title"] + " " + item["body"])


@pytest.mark.parametrize("who", ["reporter", "national_admin", "oversight", "agency_admin"])
def test_api_detail_is_the_original_for_those_who_may_read_it(client, report, who):
    user = readers(report)[who]
    detail = client.get(f"/api/v1/reports/{report.tracking_id}", **bearer(user)).json()
    assert_original(detail["title"] + " " + detail["body"])


def test_open311_description_and_status_notes_are_masked(client, report):
    agency_admin = AgencyAdminFactory(agency=report.agency)
    wf.report_respond(report=report, actor=agency_admin, body=RESPONSE)
    detail = client.get(f"/open311/v2/requests/{report.tracking_id}.json").json()
    listed = client.get("/open311/v2/requests.json").json()
    for document in (detail, listed):
        [item] = [r for r in document if r["service_request_id"] == report.tracking_id]
        for personal in PERSONAL:
            assert personal not in item["description"]
        assert "Rp 1.500.000" in item["description"]
        assert "0812-3456-7890" not in item["status_notes"]
        assert "petugas sudah diperiksa" in item["status_notes"]
    xml = client.get(f"/open311/v2/requests/{report.tracking_id}.xml").content.decode()
    assert "nama@contoh.id" not in xml


def test_public_timeline_masks_a_response_that_quotes_the_number(client, report):
    agency_admin = AgencyAdminFactory(agency=report.agency)
    wf.report_respond(report=report, actor=agency_admin, body=RESPONSE)
    events = client.get(f"/api/v1/reports/{report.tracking_id}").json()["events"]
    [response] = [e for e in events if e["action"] == "respond"]
    assert "0812-3456-7890" not in response["note"]
    own = client.get(f"/api/v1/reports/{report.tracking_id}", **bearer(report.reporter)).json()
    [response] = [e for e in own["events"] if e["action"] == "respond"]
    assert response["note"] == RESPONSE


# --- Notifications ---------------------------------------------------------------------


def test_a_follower_is_told_the_masked_title_and_the_reporter_the_original(report):
    follower = UserFactory()
    ReportFollower.objects.create(report=report, user=follower)
    agency_admin = AgencyAdminFactory(agency=report.agency)
    wf.report_respond(report=report, actor=agency_admin, body=RESPONSE)
    to_follower = Notification.objects.filter(recipient=follower)
    to_reporter = Notification.objects.filter(recipient=report.reporter)
    assert to_follower.exists()
    assert to_reporter.exists()
    for notification in to_follower:
        text = notification.subject + notification.body
        assert "0812-3456-7890" not in text
        assert "nama@contoh.id" not in text
    assert any("0812-3456-7890" in n.subject + n.body for n in to_reporter)


# --- Search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "3273012345678901",
        "nama@contoh.id",
        "081234567890",
        "812345",
        # Pieces of them, alone or together, confirm the data as surely as the whole.
        "0812-3456",
        "3456-7890",
        "0812 3456 7890",
        "nama@contoh",
        "3273",
    ],
)
def test_visitors_cannot_find_a_report_by_the_personal_data_in_it(client, report, term):
    results = client.get("/api/v1/reports", {"q": term}).json()["results"]
    assert results == []  # (the web feed has no text search)


def test_visitors_find_it_by_its_other_words_and_the_reporter_by_anything(client, report):
    results = client.get("/api/v1/reports", {"q": "Pungli kelurahan"}).json()["results"]
    assert [r["tracking_id"] for r in results] == [report.tracking_id]
    mine = client.get(
        "/api/v1/reports", {"q": "3273012345678901", "mine": "true"}, **bearer(report.reporter)
    ).json()["results"]
    assert [r["tracking_id"] for r in mine] == [report.tracking_id]


def test_search_reads_the_redacted_version_for_the_public(client, report):
    admin = NationalAdminFactory()
    wf.report_redact(report=report, actor=admin, public_title="Pungutan liar saat membuat KTP")
    found = client.get("/api/v1/reports", {"q": "Pungutan"}).json()["results"]
    assert [r["tracking_id"] for r in found] == [report.tracking_id]
    assert client.get("/api/v1/reports", {"q": "hubungi"}).json()["results"] == []


# --- The redaction ---------------------------------------------------------------------

PUBLIC_TITLE = "Pungli saat membuat KTP di kelurahan"
PUBLIC_BODY = "Petugas kelurahan meminta Rp 1.500.000 untuk KTP pada 12-08-2026."


def test_redaction_is_what_the_public_reads_and_the_reporter_keeps_the_original(client, report):
    admin = NationalAdminFactory()
    wf.report_redact(report=report, actor=admin, public_title=PUBLIC_TITLE, public_body=PUBLIC_BODY)
    report.refresh_from_db()
    assert (report.title, report.body) == (TITLE, BODY)
    public = client.get(f"/api/v1/reports/{report.tracking_id}").json()
    assert (public["title"], public["body"]) == (PUBLIC_TITLE, PUBLIC_BODY)
    own = client.get(f"/api/v1/reports/{report.tracking_id}", **bearer(report.reporter)).json()
    assert (own["title"], own["body"]) == (TITLE, BODY)


def test_redaction_is_audited_without_the_original_in_a_public_note(client, report):
    admin = NationalAdminFactory()
    wf.report_redact(report=report, actor=admin, public_title=PUBLIC_TITLE, public_body=PUBLIC_BODY)
    event = report.events.get(action=EventAction.REDACTED)
    assert NOTE_AUDIENCE[EventAction.REDACTED] is NoteAudience.STAFF
    assert (event.actor, event.actor_role) == (admin, admin.role)
    assert PUBLIC_TITLE in event.note
    assert PUBLIC_BODY in event.note
    for personal in PERSONAL:
        assert personal not in event.note
    # The public sees that the text was redacted, not the desk's note.
    events = client.get(f"/api/v1/reports/{report.tracking_id}").json()["events"]
    [line] = [e for e in events if e["action"] == "redact"]
    assert line["note"] == ""
    assert list(chain_verify()) == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)


def test_redaction_back_to_the_original_and_no_change_is_no_event(client, report):
    admin = NationalAdminFactory()
    wf.report_redact(report=report, actor=admin, public_title=PUBLIC_TITLE)
    wf.report_redact(report=report, actor=admin, public_title=PUBLIC_TITLE)
    assert report.events.filter(action=EventAction.REDACTED).count() == 1
    wf.report_redact(report=report, actor=admin, public_title=TITLE)  # the original: blank
    report.refresh_from_db()
    assert report.public_title == ""
    assert report.events.filter(action=EventAction.REDACTED).count() == 2
    title = client.get(f"/api/v1/reports/{report.tracking_id}").json()["title"]
    assert "Pungli KTP" in title
    assert "0812-3456-7890" not in title


def test_redaction_checks_its_lengths(report):
    admin = NationalAdminFactory()
    from aduan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as short:
        wf.report_redact(report=report, actor=admin, public_title="Pungli")
    assert "public_title" in short.value.field_errors
    with pytest.raises(ValidationFailed) as long:
        wf.report_redact(report=report, actor=admin, public_body="x" * 4001)
    assert "public_body" in long.value.field_errors


def test_redact_through_the_api(client, report):
    admin = NationalAdminFactory()
    url = f"/api/v1/reports/{report.tracking_id}/actions/redact"
    body = json.dumps({"public_title": PUBLIC_TITLE, "public_body": PUBLIC_BODY})
    response = client.post(url, body, content_type="application/json", **bearer(admin))
    assert response.status_code == 200, response.content
    assert response.json()["title"] == TITLE  # the desk reads the original
    assert Report.objects.get(pk=report.pk).public_body == PUBLIC_BODY
    agency_admin = AgencyAdminFactory(agency=report.agency)
    forbidden = client.post(url, body, content_type="application/json", **bearer(agency_admin))
    assert_problem(forbidden, 403)
    assert_problem(client.post(url, body, content_type="application/json"), 401)


def test_redact_form_on_the_staff_report_page(client, report):
    admin = NationalAdminFactory()
    client.force_login(admin)
    url = reverse("web:staff_report", args=[report.tracking_id])
    page = client.get(url).content.decode()
    assert 'name="public_body"' in page
    response = client.post(
        url, {"action": "redact", "public_title": PUBLIC_TITLE, "public_body": PUBLIC_BODY}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.public_title, report.public_body) == (PUBLIC_TITLE, PUBLIC_BODY)
    client.force_login(AgencyAdminFactory(agency=report.agency))
    assert 'name="public_body"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "redact", "public_title": "Judul lain sama sekali"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.public_title == PUBLIC_TITLE


def test_redact_form_starts_from_the_masked_text(client):
    report = ReportFactory(title=TITLE, body=BODY)
    client.force_login(NationalAdminFactory())
    page = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    form = page.split('id="redact"', 1)[1]
    assert "Petugas kelurahan meminta Rp 1.500.000" in form
    assert "nama@contoh.id" not in form.split("</textarea>")[0].split("<textarea")[1]


# --- The verification queue ------------------------------------------------------------


def test_queue_flags_reports_whose_text_looks_personal(client):
    flagged = ReportFactory(title=TITLE, body=BODY)
    clean = ReportFactory()
    client.force_login(NationalAdminFactory())
    html = client.get(reverse("web:staff_queue")).content.decode()
    rows = {
        r.tracking_id: html.split(f'data-tracking-id="{r.tracking_id}"', 1)[1].split("</tr>")[0]
        for r in (flagged, clean)
    }
    assert "flag-pii" in rows[flagged.tracking_id]
    assert "NIK" in rows[flagged.tracking_id]
    assert "flag-pii" not in rows[clean.tracking_id]


@pytest.mark.parametrize(
    ("title", "public_title", "body"),
    [
        (TITLE, "", BODY),
        (TITLE, "Pungli KTP di kelurahan", BODY),
        ("Jalan rusak", "", BODY),  # personal data in the body only
        ("Jalan rusak", "", "Tidak ada data pribadi."),
    ],
)
def test_the_title_alone_is_the_title_of_report_text_for(title, public_title, body):
    from aduan.reports.selectors import report_text_for, report_title_for

    reporter = UserFactory()
    report = ReportFactory(
        verified=True, reporter=reporter, title=title, public_title=public_title, body=body
    )
    for user in (None, UserFactory(), reporter, NationalAdminFactory(), OversightFactory()):
        expected = report_text_for(user=user, report=report)[0]
        assert report_title_for(user=user, report=report) == expected
