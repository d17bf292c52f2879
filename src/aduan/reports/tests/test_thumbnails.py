"""The thumbnail of a ready image: made once, small, WebP, without any of the metadata."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image

from aduan.accounts.tests.factories import UserFactory
from aduan.reports.attachments import (
    THUMBNAIL_SIDE,
    attachment_reencode,
    attachment_store,
    image_thumbnail,
    prepare_upload,
)
from aduan.reports.models import Attachment, AttachmentState
from aduan.reports.orphans import orphans_sweep
from aduan.reports.tests.factories import ReportFactory, pdf_bytes

from .test_attachments import (
    SECRET_COMMENT,
    SECRET_MODEL,
    SECRET_XMP,
    jpeg_with_metadata,
)

pytestmark = pytest.mark.django_db

SECRETS = (b"Exif", SECRET_MODEL, b"WGS-84", SECRET_XMP, SECRET_COMMENT, b"acsp")


@pytest.fixture
def citizen():
    return UserFactory()


def _thumbnail_bytes(attachment: Attachment) -> bytes:
    with attachment.thumbnail.open("rb") as stored:
        return stored.read()


def test_a_thumbnail_is_small_webp_keeps_the_shape_and_holds_no_metadata():
    original = jpeg_with_metadata(size=(1600, 800))
    assert all(secret in original for secret in SECRETS)

    thumbnail = image_thumbnail(prepare_upload(name="rumah.jpg", chunks=[original]).data)

    assert (thumbnail.width, thumbnail.height) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE // 2)
    with Image.open(io.BytesIO(thumbnail.data)) as image:
        assert image.format == "WEBP"
        assert image.size == (thumbnail.width, thumbnail.height)
        assert len(image.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    for secret in (*SECRETS, b"EXIF", b"XMP ", b"ICCP"):
        assert secret not in thumbnail.data, secret


def test_a_small_image_is_not_blown_up_and_keeps_its_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (200, 30, 30, 90)).save(buffer, format="PNG")
    thumbnail = image_thumbnail(prepare_upload(name="tanda.png", chunks=[buffer.getvalue()]).data)
    assert (thumbnail.width, thumbnail.height) == (40, 30)
    with Image.open(io.BytesIO(thumbnail.data)) as image:
        assert image.mode == "RGBA"


def test_an_image_stored_ready_gets_its_thumbnail_once(citizen):
    report = ReportFactory(reporter=citizen)
    prepared = prepare_upload(name="rumah.jpg", chunks=[jpeg_with_metadata(size=(800, 600))])
    attachment = attachment_store(report=report, prepared=prepared, actor=citizen)
    attachment.refresh_from_db()
    assert attachment.thumbnail.name.endswith(".webp")
    assert (attachment.thumbnail_width, attachment.thumbnail_height) == (320, 240)
    data = _thumbnail_bytes(attachment)
    assert data.startswith(b"RIFF")
    assert data[8:12] == b"WEBP"
    assert not any(secret in data for secret in SECRETS)


def test_the_worker_makes_the_thumbnail_from_the_re_encoded_pixels(citizen):
    report = ReportFactory(reporter=citizen)
    prepared = prepare_upload(
        name="rumah.jpg", chunks=[jpeg_with_metadata(size=(640, 640))], defer_images=True
    )
    assert prepared.pending
    pending = Attachment(
        report=report,
        original_name=prepared.name,
        content_type=prepared.content_type,
        size=prepared.size,
        sha256=prepared.sha256,
        state=AttachmentState.PENDING,
    )
    pending.file.save(prepared.name, ContentFile(prepared.data))
    assert not pending.thumbnail

    assert attachment_reencode(attachment_id=pending.pk) == AttachmentState.READY

    ready = Attachment.objects.get(pk=pending.pk)
    assert (ready.thumbnail_width, ready.thumbnail_height) == (320, 320)
    assert not any(secret in _thumbnail_bytes(ready) for secret in SECRETS)


def test_a_document_has_no_thumbnail(citizen):
    prepared = prepare_upload(name="bukti.pdf", chunks=[pdf_bytes()])
    attachment = attachment_store(report=ReportFactory(), prepared=prepared, actor=citizen)
    assert not attachment.thumbnail
    assert attachment.thumbnail_width is None


def test_the_orphan_sweep_keeps_thumbnails_of_existing_rows(citizen):
    prepared = prepare_upload(name="rumah.jpg", chunks=[jpeg_with_metadata()])
    attachment = attachment_store(report=ReportFactory(), prepared=prepared, actor=citizen)
    folder = attachment.thumbnail.name.split("/")[1]
    tally = orphans_sweep(folders=[folder], remove=False)
    assert tally.files >= 1
    assert tally.orphans == 0
    assert tally.young == 0


def test_the_command_makes_the_missing_thumbnails_once(citizen):
    report = ReportFactory(reporter=citizen)
    prepared = prepare_upload(name="rumah.jpg", chunks=[jpeg_with_metadata(size=(400, 200))])
    older = [attachment_store(report=report, prepared=prepared, actor=citizen) for _ in range(3)]
    Attachment.objects.filter(pk__in=[a.pk for a in older]).update(
        thumbnail="", thumbnail_width=None, thumbnail_height=None
    )
    broken = older[1]
    broken.file.storage.delete(broken.file.name)  # a file gone: passed over, not blocking
    document = attachment_store(
        report=report, prepared=prepare_upload(name="a.pdf", chunks=[pdf_bytes()]), actor=citizen
    )
    out = io.StringIO()
    call_command("attachments_thumbnails", "--batch", "1", stdout=out)
    assert out.getvalue().endswith("2 thumbnails made.\n")
    rows = {a.pk: a for a in Attachment.objects.all()}
    for attachment in (older[0], older[2]):
        assert (rows[attachment.pk].thumbnail_width, rows[attachment.pk].thumbnail_height) == (
            320,
            160,
        )
        assert not any(secret in _thumbnail_bytes(rows[attachment.pk]) for secret in SECRETS)
    assert not rows[broken.pk].thumbnail
    assert not rows[document.pk].thumbnail
    again = io.StringIO()
    call_command("attachments_thumbnails", stdout=again)
    assert again.getvalue() == (
        f"0 thumbnails made so far (up to attachment {broken.pk})\n0 thumbnails made.\n"
    )
