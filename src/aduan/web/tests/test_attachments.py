"""Attachment downloads follow the visibility of their report: the same 404 otherwise."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.reports.tests.factories import PDF_BYTES, AttachmentFactory, ReportFactory

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
