"""Attachment downloads and thumbnails follow the visibility of their report (and a desk
note's files, of the note): the same 404 otherwise."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from aduan.reports.models import Attachment, AttachmentState, EventAction
from aduan.reports.tests.factories import (
    PDF_BYTES,
    AttachmentFactory,
    ReportEventFactory,
    ReportFactory,
)

from .helpers import picture
from .test_tracking import CONFIDENTIAL_ACCESS

pytestmark = pytest.mark.django_db


def _download(client, viewer, attachment):
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("web:attachment_download", args=[attachment.pk]))


@pytest.mark.parametrize("viewer_name", list(CONFIDENTIAL_ACCESS))
@pytest.mark.parametrize("confidential", [False, True])
def test_download_matrix(client, viewers, citizen, agency, viewer_name, confidential):
    report = ReportFactory(
        verified=True, reporter=citizen, agency=agency, confidential=confidential
    )
    attachment = AttachmentFactory(report=report, original_name="bukti pungli.pdf")
    response = _download(client, viewers[viewer_name], attachment)

    if confidential and not CONFIDENTIAL_ACCESS[viewer_name]:
        assert response.status_code == 404
        assert b"%PDF" not in response.content
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bukti pungli.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_missing_attachment_is_404(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("web:attachment_download", args=[999_999])).status_code == 404


def test_archived_report_attachment_only_for_its_reporter(client, citizen, other_citizen):
    attachment = AttachmentFactory(report=ReportFactory(reporter=citizen, status="archived"))
    assert _download(client, other_citizen, attachment).status_code == 404
    assert _download(client, citizen, attachment).status_code == 200


def test_attachment_whose_file_is_gone_is_404(client, citizen):
    attachment = AttachmentFactory(report=ReportFactory(reporter=citizen))
    attachment.file.storage.delete(attachment.file.name)
    assert _download(client, citizen, attachment).status_code == 404


def test_tracking_page_links_the_attachments_only_when_visible(client, citizen, other_citizen):
    report = ReportFactory(reporter=citizen, confidential=True)
    attachment = AttachmentFactory(report=report, original_name="foto-jalan.jpg")
    client.force_login(citizen)
    html = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert reverse("web:attachment_download", args=[attachment.pk]) in html
    assert "foto-jalan.jpg" in html


# --- Thumbnails: the same rule as the file -------------------------------------------------


def _thumbnail(client, viewer, attachment):
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("web:attachment_thumbnail", args=[attachment.pk]))


@pytest.mark.parametrize("viewer_name", list(CONFIDENTIAL_ACCESS))
@pytest.mark.parametrize("confidential", [False, True])
def test_thumbnail_matrix(client, viewers, citizen, agency, viewer_name, confidential):
    report = ReportFactory(
        verified=True, reporter=citizen, agency=agency, confidential=confidential
    )
    attachment = picture(report, size=(800, 600))
    response = _thumbnail(client, viewers[viewer_name], attachment)

    if confidential and not CONFIDENTIAL_ACCESS[viewer_name]:
        assert response.status_code == 404
        assert b"WEBP" not in response.content
        return
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("WEBP", (320, 240))
    assert response["Content-Type"] == "image/webp"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")


def test_a_file_of_a_note_between_desks_only_for_those_who_handle_it(
    client, viewers, citizen, agency
):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency)
    note = ReportEventFactory(report=report, action=EventAction.NOTE, is_public=False)
    attachment = picture(report, actor=viewers["agency_admin"], event=note)
    for name in ("anonymous", "owner", "other_citizen", "other_agency_admin"):
        assert _thumbnail(client, viewers[name], attachment).status_code == 404, name
        assert _download(client, viewers[name], attachment).status_code == 404, name
    for name in ("agency_admin", "national_admin"):
        assert _thumbnail(client, viewers[name], attachment).status_code == 200, name
        assert _download(client, viewers[name], attachment).status_code == 200, name


def test_no_thumbnail_of_a_document_a_missing_file_or_an_unready_image(client, citizen):
    report = ReportFactory(verified=True, reporter=citizen)
    client.force_login(citizen)
    document = AttachmentFactory(report=report)
    assert _thumbnail(client, citizen, document).status_code == 404
    assert client.get(reverse("web:attachment_thumbnail", args=[999_999])).status_code == 404
    pending = picture(report)
    Attachment.every.filter(pk=pending.pk).update(state=AttachmentState.PENDING)
    assert _thumbnail(client, citizen, pending).status_code == 404
    gone = picture(report)
    gone.thumbnail.storage.delete(gone.thumbnail.name)
    assert _thumbnail(client, citizen, gone).status_code == 404
