"""Images sent through the web form or the API are re-encoded by a worker, not in the
request (issue 12): the request stores them ``pending`` and nobody is served them (page,
download, API, Open311) until the task has stripped their metadata; a corrupt one is
refused and its reporter told on the report's page; the sweep queues again what was lost."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend
from PIL import Image

from aduan.api.tests.utils import bearer
from aduan.reports import attachments
from aduan.reports.models import Attachment, AttachmentState, Report
from aduan.reports.tasks import attachment_reencode_task
from aduan.workflow import services as wf

from .helpers import jpeg_with_gps, pdf_upload

pytestmark = pytest.mark.django_db

URL = reverse("web:report_new")
OPEN311 = "/open311/v2/requests"
FORM = {
    "classification": "complaint",
    "title": "Jalan berlubang di depan SD Negeri 3",
    "body": "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak bulan lalu.",
}


@pytest.fixture
def queued(settings):
    """A task backend that only records what is queued (a worker that has not run yet)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def run_queued(backend) -> list[str]:
    """What a worker does: run every queued task, in order."""
    outcomes = [attachment_reencode_task.call(*result.args) for result in backend.results]
    backend.clear()
    return outcomes


def corrupt_png(name: str = "rusak.png") -> SimpleUploadedFile:
    """A PNG whose header is sound (so the request accepts it) but whose pixel data is not
    a zlib stream: only decoding finds out."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start : start + 4])[0]
    garbage = b"\x00not zlib" * (length // 9 + 1)
    garbage = garbage[:length]
    crc = zlib.crc32(b"IDAT" + garbage).to_bytes(4, "big")
    data[start + 8 : start + 8 + length + 4] = garbage + crc
    return SimpleUploadedFile(name, bytes(data), content_type="image/png")


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name) as handle:
        return handle.read()


def submit(client, *files) -> Report:
    response = client.post(URL, {**FORM, "files": list(files)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get()


def public(report: Report, people) -> Report:
    return wf.report_dispose(
        report=report, actor=people["national_admin"], agency_id=people["agency_admin"].agency_id
    )


def test_the_request_stores_the_image_as_sent_and_serves_it_to_nobody(
    client, citizen, people, queued, monkeypatch
):
    decoded = []
    real_reencode = attachments._reencode_image
    monkeypatch.setattr(
        attachments, "_reencode_image", lambda *a, **k: decoded.append(a) or real_reencode(*a, **k)
    )
    client.force_login(citizen)
    sent = jpeg_with_gps()
    report = submit(client, sent, pdf_upload())
    assert decoded == []  # the web worker decoded no pixel

    photo = Attachment.every.get(report=report, content_type="image/jpeg")
    assert photo.state == AttachmentState.PENDING
    assert b"KameraPonsel" in stored_bytes(photo.file.name)  # as sent, still with its EXIF
    assert [r.args for r in queued.results] == [[photo.pk]]
    report = public(report, people)
    download = reverse("web:attachment_download", args=[photo.pk])
    api_file = f"/api/v1/reports/{report.tracking_id}/attachments/{photo.pk}"

    for viewer in (citizen, people["national_admin"], people["agency_admin"], None):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(download).status_code == 404
        headers = bearer(viewer) if viewer is not None else {}
        assert client.get(api_file, **headers).status_code == 404
        detail = client.get(f"/api/v1/reports/{report.tracking_id}", **headers).json()
        assert [a["content_type"] for a in detail["attachments"]] == ["application/pdf"]
    client.force_login(people["national_admin"])
    staff_page = client.get(reverse("web:staff_report", args=[report.tracking_id]))
    assert download not in staff_page.content.decode()
    open311 = client.get(f"{OPEN311}/{report.tracking_id}.json").json()
    assert open311[0]["media_url"] == ""
    client.force_login(citizen)
    page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert download not in page
    assert "rumah.jpg" in page
    assert "sedang diproses" in page  # (the sign-outs above dropped the language cookie)

    assert run_queued(queued) == ["ready"]

    photo = Attachment.objects.get(pk=photo.pk)  # the default manager now lists it
    clean = stored_bytes(photo.file.name)
    assert b"KameraPonsel" not in clean
    assert not Image.open(io.BytesIO(clean)).getexif()  # the GPS position is gone
    assert photo.size == len(clean)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == clean
    page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert download in page
    assert "sedang diproses" not in page
    open311 = client.get(f"{OPEN311}/{report.tracking_id}.json").json()
    assert open311[0]["media_url"].endswith(download)


def test_the_file_as_sent_is_deleted_once_re_encoded(client, citizen, queued):
    client.force_login(citizen)
    report = submit(client, jpeg_with_gps())
    sent_name = Attachment.every.get(report=report).file.name
    run_queued(queued)
    assert not default_storage.exists(sent_name)
    assert Attachment.objects.get(report=report).file.name != sent_name


def test_a_corrupt_image_is_refused_and_its_reporter_told_the_rest_is_kept(client, citizen, queued):
    client.force_login(citizen)
    report = submit(client, corrupt_png(), jpeg_with_gps(), pdf_upload())
    broken = Attachment.every.get(report=report, original_name="rusak.png")
    sent_name = broken.file.name

    assert sorted(run_queued(queued)) == ["ready", "refused"]

    broken.refresh_from_db()
    assert broken.state == AttachmentState.REFUSED
    assert broken.refusal == "rusak.png: gambar rusak atau bukan berkas gambar yang sah."
    assert not default_storage.exists(sent_name)  # nothing of it is kept
    assert sorted(a.original_name for a in report.attachments.all()) == ["bukti.pdf", "rumah.jpg"]
    assert Report.objects.get(pk=report.pk).title == FORM["title"]
    page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert "Not accepted: rusak.png: gambar rusak" in page
    assert reverse("web:attachment_download", args=[broken.pk]) not in page


def test_only_the_sender_is_told_of_a_pending_or_refused_file(
    client, citizen, other_citizen, people, queued
):
    client.force_login(citizen)
    report = public(submit(client, corrupt_png()), people)
    run_queued(queued)
    for viewer in (other_citizen, people["agency_admin"]):
        client.force_login(viewer)
        page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
        assert "rusak.png" not in page


def test_an_api_upload_answers_pending_and_is_re_encoded_by_the_worker(client, citizen, queued):
    client.force_login(citizen)
    report = submit(client, pdf_upload())
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/attachments",
        {"file": jpeg_with_gps("lubang.jpg")},
        **bearer(citizen),
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "pending"
    assert client.get(response.json()["url"], **bearer(citizen)).status_code == 404
    assert run_queued(queued) == ["ready"]
    assert client.get(response.json()["url"], **bearer(citizen)).status_code == 200


def test_pending_images_count_towards_the_limit(client, citizen, queued, settings):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 1
    client.force_login(citizen)
    report = submit(client, jpeg_with_gps())
    response = client.post(
        f"/api/v1/reports/{report.tracking_id}/attachments",
        {"file": pdf_upload()},
        **bearer(citizen),
    )
    assert response.status_code == 422


def test_the_sweep_queues_a_lost_task_again_and_gives_up_after_three_tries(client, citizen, queued):
    client.force_login(citizen)
    report = submit(client, jpeg_with_gps())
    queued.clear()  # the worker lost it
    photo = Attachment.every.get(report=report)
    requeue = attachments.attachments_pending_requeue
    now = timezone.now()

    assert requeue(now=now, batch=100, stop_at=0) == {"requeued": 0, "refused": 0}  # too early
    later = now + dt.timedelta(minutes=11)
    assert requeue(now=later, batch=100, stop_at=0) == {"requeued": 1, "refused": 0}
    assert [r.args for r in queued.results] == [[photo.pk]]
    queued.clear()  # lost again
    assert requeue(now=later + dt.timedelta(minutes=11), batch=100, stop_at=0)["requeued"] == 1
    queued.clear()
    outcome = requeue(now=later + dt.timedelta(minutes=22), batch=100, stop_at=0)
    assert outcome == {"requeued": 0, "refused": 1}
    photo.refresh_from_db()
    assert photo.state == AttachmentState.REFUSED
    assert photo.refusal == "rumah.jpg: gambar tidak dapat diproses; kirim lagi."
    assert not default_storage.exists(photo.file.name or "none")


def test_a_requeued_task_that_finds_the_image_done_changes_nothing(client, citizen, queued):
    client.force_login(citizen)
    report = submit(client, jpeg_with_gps())
    photo_id = Attachment.every.get(report=report).pk
    assert run_queued(queued) == ["ready"]
    name = Attachment.objects.get(pk=photo_id).file.name
    assert attachment_reencode_task.call(photo_id) == "gone"
    assert Attachment.objects.get(pk=photo_id).file.name == name


def test_staff_see_their_own_refused_response_photo_on_the_staff_page(
    client, citizen, people, queued
):
    from aduan.reports.attachments import prepare_uploaded_file

    client.force_login(citizen)
    report = public(submit(client, pdf_upload()), people)
    staff = people["agency_admin"]
    wf.report_accept(report=report, actor=staff)
    wf.report_respond(
        report=report,
        actor=staff,
        body="Lubang sudah kami tambal pada hari ini, terima kasih atas laporannya.",
        files=[prepare_uploaded_file(corrupt_png("tambal.png"))],
    )
    assert run_queued(queued) == ["refused"]

    client.force_login(staff)
    page = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    assert "tambal.png: " in page
    client.force_login(people["national_admin"])
    page = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    assert "tambal.png" not in page
