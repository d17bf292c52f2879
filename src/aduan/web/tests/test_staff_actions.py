"""Every staff action through the staff report page: done, and refused with a clear
message (409 for a move the status does not allow), with nothing half-saved."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aduan.agencies.tests.factories import AgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.programmes.tests.factories import ProgrammeFactory
from aduan.reports.models import Attachment, EventAction, ReportEvent, Status
from aduan.reports.tests.factories import pdf_bytes
from aduan.workflow import services as wf

from .helpers import pdf_upload
from .staff_helpers import (
    action_forms,
    closed,
    disposed,
    in_progress,
    responded,
    sign_in,
    submitted,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def url(report) -> str:
    return reverse("web:staff_report", args=[report.tracking_id])


def post(client, report, action: str, **data):
    return client.post(url(report), {"action": action, **data})


def dispose_data(agency, **extra) -> dict:
    return {
        "agency_q": "",
        "agency_id": agency.pk,
        "title_text": "Jalan berlubang di depan pasar",
        "category_id": "",
        "note": "",
        "anonymous": "shown",
        "confidential": "public",
        "privacy_checked": "on",
        **extra,
    }


@pytest.fixture
def make(people, citizen, agency):
    admin, agency_admin = people["national_admin"], people["agency_admin"]

    def make(status: str, **extra):
        if status == "submitted":
            return submitted(citizen, **extra)
        if status == "dispositioned":
            return disposed(citizen, admin=admin, agency=agency, **extra)
        kwargs = {"admin": admin, "agency": agency, "agency_admin": agency_admin, **extra}
        return {"in_progress": in_progress, "responded": responded, "closed": closed}[status](
            citizen, **kwargs
        )

    return make


def assert_refused(response, report, status_before: str, code: int = 409) -> None:
    assert response.status_code == code
    page = text(response)
    if code == 409:
        assert "is not possible while the report is" in page
    events = ReportEvent.objects.filter(report=report).count()
    report.refresh_from_db()
    assert report.status == status_before
    assert report.events.count() == events


# --- The national admin --------------------------------------------------------------------


def test_dispose_with_the_privacy_switches(client, people, make, agency):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    data = dispose_data(
        agency,
        title_text="Jalan berlubang besar di depan Pasar Baru",
        note="Mohon segera.",
        anonymous="hidden",
        confidential="confidential",
    )
    response = post(client, report, "dispose", **data)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:staff_queue")  # the queue is empty now
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.agency == agency
    assert report.title == "Jalan berlubang besar di depan Pasar Baru"
    assert report.anonymous
    assert report.confidential
    event = report.events.get(action=EventAction.DISPOSED)
    assert "Mohon segera." in event.note
    assert "Reporter's identity hidden." in event.note
    page = text(client.get(response["Location"]))
    assert f"Done: {report.tracking_id} sent to {agency.name}." in page
    assert "The verification queue is empty." in page


def test_dispose_needs_the_privacy_confirmation(client, people, make, agency):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    data = dispose_data(agency)
    del data["privacy_checked"]
    response = post(client, report, "dispose", **data)
    assert response.status_code == 422
    assert "Confirm that you checked the reporter's identity and the report's confidentiality" in (
        text(response)
    )
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.agency is None
    # Without a choice in either radio group, neither is assumed.
    data = dispose_data(agency)
    del data["anonymous"], data["confidential"]
    response = post(client, report, "dispose", **data)
    assert response.status_code == 422
    assert text(response).count("This field is required.") >= 2
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_dispose_needs_an_agency(client, people, make):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    response = post(client, report, "dispose", **dispose_data(AgencyFactory(), agency_id=""))
    assert response.status_code == 422
    assert "Choose the agency that must handle the report." in text(response)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_the_privacy_switches_are_prefilled_from_the_report(client, people, make):
    report = make("submitted", anonymous=True, confidential=False)
    sign_in(client, people["national_admin"])
    html = client.get(url(report)).content.decode()
    # The privacy block's switches; the dispose form sends the flags as they are shown.
    assert 'value="hidden" id="id_set_flags_anonymous_1" required checked>' in html
    assert 'value="shown" id="id_set_flags_anonymous_0" required>' in html
    assert 'value="public" id="id_set_flags_confidential_0" required checked>' in html
    assert 'value="confidential" id="id_set_flags_confidential_1" required>' in html
    assert "I checked anonymity and confidentiality" in html
    assert "The reporter asked: anonymous." in text(client.get(url(report)))


def test_dispose_refused_in_the_wrong_status(client, people, make, agency):
    report = make("dispositioned")
    sign_in(client, people["national_admin"])
    response = post(client, report, "dispose", **dispose_data(agency))
    assert_refused(response, report, Status.DISPOSITIONED)
    assert "“Sent to agency” is not possible while the report is “Sent to agency”." in text(
        response
    )


def test_set_flags(client, people, make):
    report = make("dispositioned")
    sign_in(client, people["national_admin"])
    response = post(client, report, "set_flags", anonymous="hidden", confidential="public")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.anonymous
    event = report.events.get(action=EventAction.FLAGS_SET)
    assert not event.is_public
    response = post(client, report, "set_flags", anonymous="maybe", confidential="public")
    assert response.status_code == 422
    report.refresh_from_db()
    assert report.anonymous


def test_set_programmes(client, people, make):
    """The desk ticks the programmes; the page lists them; a stale id is refused (422)."""
    mbg, ckg = ProgrammeFactory(name="Makan Bergizi Gratis"), ProgrammeFactory(name="CKG")
    report = make("dispositioned")
    sign_in(client, people["national_admin"])
    response = post(client, report, "set_programmes", programme_ids=[mbg.pk, ckg.pk])
    assert response.status_code == 302
    assert {t.programme for t in report.programme_tags.all()} == {mbg, ckg}
    event = report.events.get(action=EventAction.PROGRAMMES_SET)
    assert not event.is_public
    page = text(client.get(url(report)))
    assert "Makan Bergizi Gratis" in page
    response = post(client, report, "set_programmes", programme_ids=[987654])
    assert response.status_code == 422
    assert report.programme_tags.count() == 2


def test_the_programmes_the_category_implies_are_ticked_already(client, people, make):
    category = CategoryFactory()
    implied = ProgrammeFactory()
    implied.categories.add(category)
    other = ProgrammeFactory()
    report = make("submitted")
    report.category = category
    report.save(update_fields=["category"])
    sign_in(client, people["national_admin"])
    html = client.get(url(report)).content.decode()
    assert f'value="{implied.pk}" id="id_set_programmes_programme_ids_0" checked>' in html
    assert f'value="{other.pk}" id="id_set_programmes_programme_ids_1">' in html


def test_hold(client, people, make):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    response = post(client, report, "hold", question="Di kelurahan mana tepatnya?")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ON_HOLD
    short = make("submitted")
    response = post(client, short, "hold", question="Di mana?")
    assert response.status_code == 422
    assert "Write at least 10 characters." in text(response)
    short.refresh_from_db()
    assert short.status == Status.SUBMITTED


def test_hold_refused(client, people, make):
    report = make("dispositioned")
    sign_in(client, people["national_admin"])
    response = post(client, report, "hold", question="Di kelurahan mana tepatnya?")
    assert_refused(response, report, Status.DISPOSITIONED)


def test_archive(client, people, make):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    response = post(client, report, "archive", reason="Laporan berisi iklan, bukan pengaduan.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ARCHIVED
    busy = make("in_progress")
    response = post(client, busy, "archive", reason="Laporan berisi iklan, bukan pengaduan.")
    assert_refused(response, busy, Status.IN_PROGRESS)


def test_merge(client, people, make):
    survivor = make("submitted", title="Laporan pertama tentang jalan")
    duplicate = make("submitted", title="Laporan kedua tentang jalan")
    sign_in(client, people["national_admin"])
    response = post(client, duplicate, "merge", into="nope", note="")
    assert response.status_code == 422
    assert "Enter the tracking id of another report." in text(response)
    response = post(client, duplicate, "merge", into=survivor.tracking_id.lower(), note="Sama.")
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.ARCHIVED
    assert duplicate.merged_into == survivor
    busy = make("in_progress")
    response = post(client, busy, "merge", into=survivor.tracking_id)
    assert_refused(response, busy, Status.IN_PROGRESS)


# --- The agency -------------------------------------------------------------------------


def test_accept(client, people, make):
    report = make("dispositioned")
    sign_in(client, people["agency_admin"])
    response = post(client, report, "accept")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    response = post(client, report, "accept")
    assert_refused(response, report, Status.IN_PROGRESS)
    assert "“Accepted by the agency” is not possible while the report is “Being handled”." in (
        text(response)
    )


def test_return(client, people, make):
    report = make("dispositioned")
    sign_in(client, people["agency_admin"])
    response = post(client, report, "return", reason="Bukan kewenangan instansi kami.")
    # The report left the agency: back to the inbox, with a word why.
    assert response.status_code == 302
    assert response["Location"] == reverse("web:staff_inbox")
    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert report.agency is None
    answered = make("responded")
    response = post(client, answered, "return", reason="Bukan kewenangan instansi kami.")
    assert_refused(response, answered, Status.RESPONDED)


def test_forward_to_a_unit_and_to_another_agency(client, people, make, unit):
    report = make("dispositioned")
    sign_in(client, people["agency_admin"])
    html = client.get(url(report)).content.decode()
    assert f'<option value="{unit.pk}">{unit.name}</option>' in html
    response = post(client, report, "forward", unit_id=unit.pk, agency_q="", note="Tolong.")
    assert response.status_code == 302
    assert response["Location"] == url(report)  # still the agency's (its unit's)
    report.refresh_from_db()
    assert report.agency == unit
    other = AgencyFactory(name="Pemerintah Kota Bandung")
    response = post(client, report, "forward", unit_id="", agency_id=other.pk, note="")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert report.suggested_agency == other
    response = post(client, make("dispositioned"), "forward", unit_id="", agency_q="")
    assert response.status_code == 422
    assert "Choose a unit or another agency." in text(response)
    answered = make("responded")
    response = post(client, answered, "forward", unit_id=unit.pk)
    assert_refused(response, answered, Status.RESPONDED)


def test_extend(client, people, make):
    report = make("in_progress")
    sign_in(client, people["agency_admin"])
    response = post(client, report, "extend", working_days="30", reason="Perlu survei lapangan.")
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 10." in text(response)
    response = post(client, report, "extend", working_days="3", reason="Perlu survei lapangan.")
    assert response.status_code == 302
    event = report.events.get(action=EventAction.EXTENDED)
    assert "3 working days more, until 2026-12-11." in event.note
    # Once only: the second extension is refused by the deadline's own rule.
    response = post(client, report, "extend", working_days="3", reason="Perlu survei lagi.")
    assert response.status_code == 409
    assert "The response deadline has already been extended once." in text(response)
    answered = make("responded")
    response = post(client, answered, "extend", working_days="3", reason="Perlu survei lapangan.")
    assert_refused(response, answered, Status.RESPONDED)


def test_respond_with_a_file(client, people, make):
    report = make("in_progress")
    sign_in(client, people["agency_admin"])
    response = client.post(
        url(report),
        {
            "action": "respond",
            "body": "Jalan sudah kami tambal, foto terlampir sebagai bukti.",
            "files": [pdf_upload("berita-acara.pdf")],
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    event = report.events.get(action=EventAction.RESPONDED)
    attachment = Attachment.objects.get(report=report)
    assert attachment.event == event
    assert attachment.original_name == "berita-acara.pdf"
    page = client.get(url(report)).content.decode()
    assert reverse("web:attachment_download", args=[attachment.pk]) in page
    response = post(client, report, "respond", body="Satu tanggapan lagi yang cukup panjang.")
    assert_refused(response, report, Status.RESPONDED)


def test_a_staff_upload_goes_through_the_pdf_check(client, people, make):
    report = make("in_progress")
    sign_in(client, people["agency_admin"])
    embedded = SimpleUploadedFile("lampiran.pdf", pdf_bytes(embedded_file=True))
    response = client.post(
        url(report),
        {
            "action": "respond",
            "body": "Jalan sudah kami tambal, lihat lampiran.",
            "files": [embedded],
        },
    )
    page = response.content.decode()
    assert "lampiran.pdf: the PDF file contains embedded files" in page
    assert "lampiran.pdf: lampiran.pdf" not in page
    assert not Attachment.objects.filter(report=report).exists()
    signed = SimpleUploadedFile("berita-acara.pdf", pdf_bytes(author="Kepala Dinas Budi"))
    response = client.post(
        url(report),
        {
            "action": "respond",
            "body": "Jalan sudah kami tambal, lihat lampiran.",
            "files": [signed],
        },
    )
    assert response.status_code == 302
    assert b"Kepala Dinas Budi" not in Attachment.objects.get(report=report).file.read()


def test_respond_too_short_keeps_nothing(client, people, make):
    report = make("in_progress")
    sign_in(client, people["agency_admin"])
    response = client.post(
        url(report), {"action": "respond", "body": "Sudah.", "files": [pdf_upload()]}
    )
    assert response.status_code == 422
    assert "Write at least 20 characters." in text(response)
    assert "attached files are not kept after an error" in text(response)
    assert not Attachment.objects.filter(report=report).exists()
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS


def test_internal_note_and_comment(client, people, make, citizen):
    report = make("in_progress")
    sign_in(client, people["agency_admin"])
    response = post(client, report, "comment", body="Catatan internal untuk tim.", internal="on")
    assert response.status_code == 302
    note = report.events.get(action=EventAction.NOTE)
    assert not note.is_public
    assert "Catatan internal untuk tim." in client.get(url(report)).content.decode()
    client.logout()
    sign_in(client, citizen)
    tracking = client.get(reverse("web:track_detail", args=[report.tracking_id]))
    assert "Catatan internal untuk tim." not in tracking.content.decode()
    client.logout()
    sign_in(client, people["agency_admin"])
    done = make("closed")
    response = post(client, done, "comment", body="Terlambat sekali.")
    assert_refused(response, done, Status.CLOSED)


def test_national_admin_comments_but_does_not_see_an_internal_checkbox_for_reporters(
    client, people, make
):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    html = client.get(url(report)).content.decode()
    assert 'name="internal"' in html  # staff may write internal notes
    assert action_forms(client.get(url(report))) == [
        "set_flags",  # in the privacy block, above the action panel
        "dispose",
        "hold",
        "archive",
        "merge",
        "redact",
        "set_programmes",
        "comment",
    ]


# --- Whose name is shown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "name_shown"),
    [
        ("national_admin", True),
        ("agency_admin", False),
        ("unit_officer", False),
        ("oversight", False),
    ],
)
def test_an_anonymous_reporters_name_never_reaches_agency_staff_or_oversight(
    client, people, make, unit, citizen, who, name_shown
):
    report = make("dispositioned", anonymous=True)
    wf.report_comment(report=report, actor=citizen, body="Mohon segera ditangani ya.")
    wf.report_forward(report=report, actor=people["agency_admin"], agency_id=unit.pk)
    sign_in(client, people[who])
    for page in (
        client.get(url(report)),
        client.get(reverse("web:staff_inbox")),
        client.get(reverse("web:staff_inbox"), {"q": report.tracking_id}),
    ):
        assert page.status_code == 200
        html = page.content.decode()
        assert ("Siti Rahmawati" in html) is (
            name_shown and page.request["PATH_INFO"] == url(report)
        )
        assert "siti@example.id" not in html or who == "national_admin"
        assert "+6281234567890" not in html or who == "national_admin"
    if not name_shown:
        assert "Reporter Anonymous" in text(client.get(url(report)))


def test_the_agency_search_without_javascript_changes_nothing(client, people, make, agency):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    response = post(
        client, report, "dispose", refresh="agency", agency_q="Pekerjaan", title_text="x"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="agency_id" value="{agency.pk}"' in html
    assert "1 agency found for “Pekerjaan”." in text(response)
    assert 'class="error-summary"' not in html
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_the_agency_picker_starts_from_the_agency_suggested_on_return(client, people, make, agency):
    report = make("dispositioned")
    other = AgencyFactory(name="Pemerintah Kota Bandung")
    wf.report_forward(report=report, actor=people["agency_admin"], agency_id=other.pk)
    sign_in(client, people["national_admin"])
    html = client.get(url(report)).content.decode()
    assert f'name="agency_id" value="{other.pk}" checked> Pemerintah Kota Bandung' in html


def test_the_staff_picker_offers_no_let_the_admin_choose(client, people, make, agency):
    report = make("submitted")
    sign_in(client, people["national_admin"])
    page = client.get(url(report))
    html = page.content.decode()
    assert "No agency chosen" in html
    assert "let the LAPOR! administrator choose" not in html
    assert 'hx-vals="{&quot;staff&quot;: &quot;1&quot;}"' in html
    choices = client.get(reverse("web:agency_suggestions"), {"agency_q": "Pekerjaan", "staff": "1"})
    assert "No agency chosen" in text(choices)
    assert agency.name in text(choices)
    public = client.get(reverse("web:agency_suggestions"), {"agency_q": "Pekerjaan"})
    assert "let the LAPOR! administrator choose" in text(public)
