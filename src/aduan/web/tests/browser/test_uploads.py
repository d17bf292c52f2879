"""Attachments on the report form (issue #8): a file over the limit never leaves the
browser, and a form sent back with an error keeps the files, the title and the body."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aduan.reports.models import Attachment, Report

from .conftest import sign_in_as

pytestmark = pytest.mark.browser

TITLE = "Jalan berlubang di depan SD Negeri 3"
BODY = "Lubang besar di jalan depan sekolah sudah membahayakan anak-anak sejak bulan lalu."


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _fill(page, *, title: str = TITLE) -> None:
    page.get_by_label("Pengaduan").check()
    page.locator("#id_title").fill(title)
    page.locator("#id_body").fill(BODY)


def test_an_oversized_file_is_refused_before_anything_is_sent(transactional_db, page_at, settings):
    settings.ADUAN_ATTACHMENT_MAX_BYTES = 1024 * 1024
    page = page_at(360)
    sign_in_as(page, "citizen")
    page.goto("/lapor/")
    _fill(page)
    big = {"name": "video-besar.mp4", "mimeType": "video/mp4", "buffer": b"\0" * (2 * 1024 * 1024)}
    small = {"name": "foto.png", "mimeType": "image/png", "buffer": _png()}
    page.locator("#id_files").set_input_files([big, small])

    message = page.locator("#files-check")
    assert message.is_visible()
    assert "video-besar.mp4" in message.inner_text()
    assert "1 MB" in message.inner_text()
    assert page.locator("#id_files").evaluate("input => [...input.files].map(f => f.name)") == [
        "foto.png"
    ]
    with page.expect_request(lambda r: r.method == "POST" and "/lapor/" in r.url) as sent:
        page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/lapor/terkirim/**")
    assert sent.value.sizes()["requestBodySize"] < 100_000  # the 2 MB file never travelled
    assert [a.original_name for a in Attachment.objects.all()] == ["foto.png"]


def test_after_an_error_the_files_title_and_body_are_still_there(transactional_db, page_at):
    page = page_at(360)
    sign_in_as(page, "citizen")
    page.goto("/lapor/")
    _fill(page, title="Pendek")  # too short: the form comes back
    page.locator("#id_files").set_input_files(
        [{"name": "lubang.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_load_state()

    assert page.locator("#id_title_error").is_visible()
    assert page.locator("#id_title").input_value() == "Pendek"
    assert page.locator("#id_body").input_value() == BODY
    kept = page.locator("input[name=keep_upload]")
    assert kept.count() == 1
    assert kept.is_checked()
    assert "lubang.png" in page.locator(".kept-uploads").inner_text()

    page.locator("#id_title").fill(TITLE)  # fixed; the file is not chosen again
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/lapor/terkirim/**")
    report = Report.objects.get()
    assert [a.original_name for a in report.attachments.all()] == ["lubang.png"]
