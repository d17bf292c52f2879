"""Attachments: what a reporter uploads, checked by content and stripped of metadata.

A photo's EXIF block can carry the GPS position of the reporter's house and the serial
number of their phone: for a whistle-blower that is an identity leak. Images are
therefore decoded and re-encoded from pixels only, and a file is accepted for what its
bytes are (JPEG, PNG, PDF, MP4), never for what its name or the browser claims.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from aduan.core.errors import PayloadTooLarge, ValidationFailed

from .models import Attachment, Report

logger = logging.getLogger(__name__)

ALLOWED_TYPES = ("image/jpeg", "image/png", "application/pdf", "video/mp4")
MAX_IMAGE_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb
MAX_IMAGE_SIDE = 4096  # re-encoded images are scaled down to this: enough for evidence
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # Pillow then refuses bombs with an error
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"dash",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"qt  ",
}


@dataclass(frozen=True)
class PreparedFile:
    """An upload that passed every check, with the bytes that will be stored."""

    name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff_content_type(head: bytes) -> str | None:
    """The type the bytes themselves declare, for the four types we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    return None


def _safe_name(name: str, content_type: str) -> str:
    base = os.path.basename(name or "").strip() or "lampiran"
    stem = os.path.splitext(base)[0][:80] or "lampiran"
    ext = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "application/pdf": ".pdf",
        "video/mp4": ".mp4",
    }
    return "".join(c for c in stem if c.isprintable() and c not in '/\\:*?"<>|') + ext[content_type]


def _reencode_image(data: bytes, content_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationFailed(field_errors={"file": [_("The image is too large.")]})
            # Turn the picture upright first: the orientation tag goes with the rest of EXIF.
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            if content_type == "image/jpeg" or image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGB" if content_type == "image/jpeg" else "RGBA")
            # A new image built from the pixels alone carries no EXIF, XMP, ICC, comment
            # or text chunk, whatever the encoder would otherwise copy from ``info``.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode == "P":
                clean.putpalette(image.getpalette() or [])
                if "transparency" in image.info:
                    clean.info["transparency"] = image.info["transparency"]
            out = io.BytesIO()
            if content_type == "image/jpeg":
                clean.save(out, format="JPEG", quality=85, optimize=True)
            else:
                clean.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(
            field_errors={"file": [_("The image is damaged or not a real image.")]}
        ) from exc


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationFailed(field_errors={"file": [_("The PDF file is incomplete or damaged.")]})


def _check_mp4(data: bytes) -> None:
    """Walk the top-level boxes: a real MP4 is a chain of boxes with a ``moov`` among them."""
    offset, seen = 0, set()
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if size == 1 and offset + 16 <= len(data):
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        if size < 8 or not kind.isascii():
            break
        seen.add(kind)
        offset += size
    if b"moov" not in seen or offset != len(data):
        raise ValidationFailed(
            field_errors={"file": [_("The video file is incomplete or damaged.")]}
        )


def prepare_upload(
    *, name: str, chunks: Iterable[bytes], declared_size: int | None = None
) -> PreparedFile:
    """Read an upload (at most the configured size), recognise it by its bytes and clean it.

    Raises ``PayloadTooLarge`` past the limit and ``ValidationFailed`` for anything else.
    """
    limit = settings.ADUAN_ATTACHMENT_MAX_BYTES
    too_large = PayloadTooLarge(
        _("Each file can be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
        field_errors={
            "file": [_("Each file can be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]
        },
    )
    if declared_size is not None and declared_size > limit:
        raise too_large
    buffer = bytearray()
    for chunk in chunks:
        buffer.extend(chunk)
        if len(buffer) > limit:
            raise too_large
    data = bytes(buffer)
    if not data:
        raise ValidationFailed(field_errors={"file": [_("The file is empty.")]})
    content_type = sniff_content_type(data[:64])
    if content_type is None:
        raise ValidationFailed(
            field_errors={
                "file": [_("Only JPEG or PNG photos, PDF documents and MP4 videos are accepted.")]
            }
        )
    if content_type.startswith("image/"):
        data = _reencode_image(data, content_type)
    elif content_type == "application/pdf":
        _check_pdf(data)
    else:
        _check_mp4(data)
    return PreparedFile(name=_safe_name(name, content_type), content_type=content_type, data=data)


def prepare_uploaded_file(uploaded) -> PreparedFile:
    """``prepare_upload`` for a Django ``UploadedFile`` (web form, API multipart)."""
    return prepare_upload(name=uploaded.name, chunks=uploaded.chunks(), declared_size=uploaded.size)


def attachment_store(*, report: Report, prepared: PreparedFile, actor) -> Attachment:
    """Write the file to storage and its row to the database (call inside a transaction)."""
    attachment = Attachment(
        report=report,
        original_name=prepared.name,
        content_type=prepared.content_type,
        size=prepared.size,
        sha256=prepared.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(prepared.name, ContentFile(prepared.data), save=False)
    attachment.save()
    return attachment


def attachments_discard(names: Iterable[str]) -> None:
    """Remove stored files whose rows were rolled back, so no orphan is left behind."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file we cannot delete must not hide the original error
            logger.exception("could not delete orphan attachment %s", name)
