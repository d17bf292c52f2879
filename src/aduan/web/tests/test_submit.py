"""The report form: a complete submission, and every way it can fail without storing anything."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from aduan.agencies.tests.factories import NationalAdminAgencyFactory
from aduan.core.errors import RateLimited
from aduan.reports.models import Attachment, Report, ReportEvent, Status
from aduan.reports.tests.factories import pdf_bytes

from .helpers import jpeg_with_gps, pdf_upload, png_upload, stored_files

pytestmark = pytest.mark.django_db

URL = reverse("web:report_new")
TITLE = "Jalan berlubang di depan SD Negeri 3"
BODY = "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak bulan lalu."


def valid_data(**overrides) -> dict:
    data = {
        "classification": "complaint",
        "title": TITLE,
        "body": BODY,
        "incident_date": "",
        "province": "",
        "regency": "",
        "district": "",
        "latitude": "",
        "longitude": "",
        "agency_q": "",
        "agency_id": "",
        "category_id": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def assert_nothing_stored(settings) -> None:
    """No report, event or attachment; files the form kept for the next attempt (under
    ``pending/``, ADR 0012) are the only files stored."""
    assert Report.objects.count() == 0
    assert ReportEvent.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert [name for name in stored_files() if not name.startswith("pending/")] == []
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(media.rglob("*"))


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={URL}"
    response = client.post(URL, valid_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Report.objects.count() == 0


def test_complete_submission(signed_in, citizen, region_tree, agency, category):
    data = valid_data(
        classification="aspiration",
        incident_date="2024-05-01",
        province="32",
        regency="32.73",
        district="32.73.01",
        latitude="-6.914744",
        longitude="107.609810",
        agency_id=str(agency.pk),
        category_id=str(category.pk),
        anonymous="on",
        confidential="on",
    )
    data["files"] = [jpeg_with_gps(), pdf_upload()]
    response = signed_in.post(URL, data)

    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:report_sent", args=[report.tracking_id])
    assert report.reporter == citizen
    assert report.channel == "web"
    assert report.classification == "aspiration"
    assert report.title == TITLE
    assert report.incident_date == dt.date(2024, 5, 1)
    assert report.region_id == "32.73.01"
    assert str(report.latitude) == "-6.914744"
    assert report.requested_agency == agency  # a suggestion to the national desk
    assert report.status == Status.SUBMITTED
    assert report.agency is None
    assert report.category == category
    assert report.anonymous is True
    assert report.confidential is True
    event = ReportEvent.objects.get(report=report)
    assert event.action == "submitted"
    assert event.ip_address == "127.0.0.1"
    attachments = list(report.attachments.order_by("id"))
    assert [a.content_type for a in attachments] == ["image/jpeg", "application/pdf"]
    # The files, and the photo's thumbnail (``Attachment.thumbnail``).
    assert sorted(stored_files()) == sorted(
        name for a in attachments for name in (a.file.name, a.thumbnail.name) if name
    )
    assert attachments[0].thumbnail.name.endswith(".webp")
    with default_storage.open(attachments[0].file.name) as handle:
        stored_photo = Image.open(io.BytesIO(handle.read()))
        assert not stored_photo.getexif()  # the GPS position is gone

    page = signed_in.get(response.url)
    assert report.tracking_id in page.content.decode()


def test_minimal_submission_goes_to_the_national_queue(signed_in):
    response = signed_in.post(URL, valid_data())
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.status == Status.SUBMITTED
    assert report.region is None
    assert report.requested_agency is None


def test_the_most_precise_region_is_kept(signed_in, region_tree):
    signed_in.post(URL, valid_data(province="32", regency="32.73"))
    assert Report.objects.get().region_id == "32.73"


def _now_jakarta_plus(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


INVALID_CASES = {
    "classification missing": ({"classification": ""}, "id_classification_error"),
    "classification unknown": ({"classification": "pujian"}, "id_classification_error"),
    "title too short": ({"title": "Jalan"}, "id_title_error"),
    "title too long": ({"title": "J" * 151}, "id_title_error"),
    "body too short": ({"body": "Jalannya rusak."}, "id_body_error"),
    "body too long": ({"body": "a" * 4001}, "id_body_error"),
    "date in the future": ({"incident_date": _now_jakarta_plus(3)}, "id_incident_date_error"),
    "date not a date": ({"incident_date": "kemarin"}, "id_incident_date_error"),
    "unknown province": ({"province": "99"}, "id_province_error"),
    "latitude without longitude": ({"latitude": "-6.9"}, "id_latitude_error"),
    "position outside Indonesia": (
        {"latitude": "48.85", "longitude": "2.35"},
        "id_latitude_error",
    ),
    "latitude not a number": ({"latitude": "enam", "longitude": "107.6"}, "id_latitude_error"),
    "unknown agency": ({"agency_id": "999999"}, "agency-picker-error"),
    "unknown category": ({"category_id": "999999"}, "id_category_id_error"),
}


@pytest.mark.parametrize("case", list(INVALID_CASES))
def test_each_invalid_field_is_reported_next_to_it(signed_in, settings, region_tree, case):
    overrides, error_id = INVALID_CASES[case]
    data = valid_data(**{"body": BODY + " Mohon segera diperbaiki.", **overrides})
    data["files"] = [png_upload()]
    response = signed_in.post(URL, data)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="{error_id}"' in html
    assert 'role="alert"' in html  # the summary is announced
    if error_id.startswith("id_") and error_id != "id_classification_error":
        widget = html.split(f'id="{error_id.removesuffix("_error")}"')[0].rsplit("<", 1)[1]
        assert error_id in widget  # aria-describedby points at the message
        assert 'aria-invalid="true"' in widget
    # What was typed is still there, and so is the file (kept for the next attempt).
    if "title" not in overrides:
        assert f'value="{TITLE}"' in html
    assert data["body"][:30] in html
    assert 'name="keep_upload"' in html
    assert 'class="notice"' not in html
    assert_nothing_stored(settings)


def test_every_problem_is_reported_at_once(signed_in, settings):
    response = signed_in.post(URL, valid_data(classification="", title="Pendek", body="Singkat"))
    html = response.content.decode()
    for error_id in ("id_classification_error", "id_title_error", "id_body_error"):
        assert f'id="{error_id}"' in html
    assert 'value="Pendek"' in html
    assert ">\nSingkat</textarea>" in html
    assert_nothing_stored(settings)


def test_an_agency_that_does_not_take_reports_is_refused(signed_in, settings):
    admin_agency = NationalAdminAgencyFactory()
    response = signed_in.post(URL, valid_data(agency_id=str(admin_agency.pk)))
    assert response.status_code == 422
    assert 'id="agency-picker-error"' in response.content.decode()
    assert_nothing_stored(settings)


def test_a_file_that_is_not_accepted(signed_in, settings):
    data = valid_data()
    data["files"] = [
        png_upload(),
        SimpleUploadedFile("catatan.txt", b"bukan gambar", content_type="image/png"),
    ]
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_files_error"' in html
    assert "catatan.txt" in html
    assert f'value="{TITLE}"' in html
    assert_nothing_stored(settings)


def test_a_damaged_file_and_a_bad_title_are_both_reported(signed_in, settings):
    data = valid_data(title="Pendek")
    data["files"] = [SimpleUploadedFile("rusak.pdf", b"%PDF-1.4 terpotong", "application/pdf")]
    html = signed_in.post(URL, data).content.decode()
    assert 'id="id_files_error"' in html
    assert 'id="id_title_error"' in html
    assert_nothing_stored(settings)


def test_too_many_files(signed_in, settings):
    data = valid_data()
    data["files"] = [png_upload(f"foto{n}.png") for n in range(6)]
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    assert 'id="id_files_error"' in response.content.decode()
    assert_nothing_stored(settings)


def test_a_file_too_large(signed_in, settings):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = valid_data()
    data["files"] = [pdf_upload(), SimpleUploadedFile("besar.pdf", b"%PDF-" + b"0" * 1024 * 1024)]
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_files_error"' in html
    assert "besar.pdf" in html
    assert_nothing_stored(settings)


def test_rate_limit_answers_429_with_a_message(signed_in, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "1/h"
    assert signed_in.post(URL, valid_data()).status_code == 302
    data = valid_data(title="Laporan kedua tentang jalan yang sama")
    data["files"] = [png_upload()]
    response = signed_in.post(URL, data)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert str(RateLimited.default_message) in html
    assert 'role="alert"' in html
    assert 'value="Laporan kedua tentang jalan yang sama"' in html
    assert Report.objects.count() == 1
    assert Attachment.objects.count() == 0
    assert [name.split("/")[0] for name in stored_files()] == ["pending"]  # kept for later
    assert 'name="keep_upload"' in html


def test_without_javascript_the_region_picker_reloads_the_form(signed_in, settings, region_tree):
    data = valid_data(title="Pendek", province="32", refresh="region")
    response = signed_in.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="32.73">Kota Bandung</option>' in html  # the next level is loaded
    assert 'value="Pendek"' in html  # what was typed is kept
    assert 'class="error"' not in html  # and not judged yet
    assert_nothing_stored(settings)


def test_without_javascript_the_agency_search_reloads_the_form(signed_in, settings, agency):
    response = signed_in.post(URL, valid_data(agency_q="pekerjaan", refresh="agency"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="agency_id" value="{agency.pk}"' in html
    assert_nothing_stored(settings)


def test_a_nul_in_the_agency_search_is_no_error_page(signed_in, settings, agency):
    for data in (
        valid_data(agency_q="peker\x00jaan", refresh="agency"),
        valid_data(agency_q="a\x00b"),
    ):
        response = signed_in.post(URL, data)
        assert response.status_code in (200, 302, 422)
    assert (
        f'name="agency_id" value="{agency.pk}"'
        in signed_in.post(
            URL, valid_data(agency_q="peker\x00jaan", refresh="agency")
        ).content.decode()
    )


def test_a_chosen_agency_stays_chosen_after_an_error(signed_in, agency):
    html = signed_in.post(URL, valid_data(title="Pendek", agency_id=str(agency.pk))).content
    assert f'name="agency_id" value="{agency.pk}" checked'.encode() in html


def test_no_orphan_file_on_disk_when_storing_fails_halfway(signed_in, settings, disk_storage):
    """The first file is written, the second fails: the row is rolled back and the first file
    removed, so nothing is left on disk. (A worker queue, as in production: the tests'
    immediate backend would re-encode the photo inside the transaction that fails.)"""
    from unittest import mock

    from aduan.workflow.services import intake as services

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    real_store = services.attachment_store

    def files_on_disk() -> list:
        return [path for path in disk_storage.rglob("*") if path.is_file()]

    calls = []

    def store_then_fail(**kwargs):
        calls.append(kwargs["prepared"].name)
        if len(calls) == 2:
            assert files_on_disk(), "the first file should be on disk by now"
            raise OSError("disk full")
        return real_store(**kwargs)

    data = valid_data()
    data["files"] = [png_upload(), pdf_upload()]
    with (
        mock.patch.object(services, "attachment_store", side_effect=store_then_fail),
        pytest.raises(OSError, match="disk full"),
    ):
        signed_in.post(URL, data)
    assert len(calls) == 2
    assert Report.objects.count() == 0
    assert files_on_disk() == []


def test_files_land_on_disk_under_media_root(signed_in, disk_storage):
    data = valid_data()
    data["files"] = [png_upload()]
    assert signed_in.post(URL, data).status_code == 302
    on_disk = sorted((p for p in disk_storage.rglob("*") if p.is_file()), key=lambda p: p.suffix)
    assert [p.suffix for p in on_disk] == [".png", ".webp"]  # the photo and its thumbnail
    assert "foto" not in on_disk[0].name  # stored under a random name


def test_refused_files_are_named_once_and_pdfs_are_checked(signed_in, settings):
    data = valid_data()
    data["files"] = [
        SimpleUploadedFile("malware.jpg", b"MZ\x90\x00\x03" + bytes(60), "image/jpeg"),
        SimpleUploadedFile("skrip.pdf", pdf_bytes(open_action_js=True), "application/pdf"),
    ]
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    [field_error] = re.findall(r'<p class="error" id="id_files_error">(.*?)</p>', html, re.S)
    assert "malware.jpg is not accepted: only JPEG or PNG photos" in field_error
    assert field_error.count("malware.jpg") == 1
    assert "skrip.pdf: the PDF file contains JavaScript, which is not accepted." in field_error
    assert field_error.count("skrip.pdf") == 1
    assert_nothing_stored(settings)


def test_a_pdf_from_the_form_is_stored_without_its_author(signed_in):
    data = valid_data()
    data["files"] = [SimpleUploadedFile("surat.pdf", pdf_bytes(author="Siti Rahmawati"))]
    assert signed_in.post(URL, data).status_code == 302
    attachment = Attachment.objects.get()
    stored = attachment.file.read()
    assert b"Siti Rahmawati" not in stored
    assert attachment.size == len(stored)
