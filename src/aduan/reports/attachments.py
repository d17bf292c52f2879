"""Attachments: what a reporter uploads, checked by content and stripped of metadata.

A photo's EXIF can reveal where a whistle-blower lives, so images are re-encoded from
pixels, PDFs rewritten without metadata (``pdf.py``), MP4 metadata boxes blanked, and a
file is accepted for what its bytes are. Images from a web request are only probed there
and re-encoded by a worker (``attachment_reencode``); until then they are served to
nobody. Every refusal names the file once. Details: docs/reports.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import mimetypes
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from aduan.core.errors import PayloadTooLarge, ValidationFailed

from .models import Attachment, AttachmentState, Report
from .pdf import PdfRefused, pdf_clean
from .pdf import max_pages as max_pdf_pages

logger = logging.getLogger(__name__)

ALLOWED_TYPES = ("image/jpeg", "image/png", "application/pdf", "video/mp4")
MAX_IMAGE_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb
# A PNG is decoded whole (a JPEG at the reduced size it is scaled to): 25 megapixels is
# more than any screenshot, and five 60-megapixel PNGs took a web worker 16 s.
MAX_PNG_PIXELS = 25_000_000


class DecodeBudget:
    """The pixels one request may decode across its images (``ADUAN_UPLOAD_DECODE_PIXELS``):
    the work an upload costs a web worker is bounded, however many files it carries."""

    def __init__(self, pixels: int | None = None) -> None:
        self.left = settings.ADUAN_UPLOAD_DECODE_PIXELS if pixels is None else pixels

    def take(self, pixels: int, shown: str) -> None:
        if pixels > self.left:
            raise _damaged(
                _(
                    "%(name)s: the photos sent together are too large to process; send "
                    "fewer or smaller ones."
                )
                % {"name": shown}
            )
        self.left -= pixels


# A pending image whose task has not finished by then is queued again, at most this often.
REQUEUE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
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
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
}
# Extensions a file of each type may legitimately carry (phones and scanners vary).
_NAME_ALIASES = {
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif", ".pjpeg", ".pjp"},
    "image/png": {".png"},
    "application/pdf": {".pdf"},
    "video/mp4": {".mp4", ".m4v", ".mov", ".3gp", ".3gpp"},
}
_PIL_FORMATS = {"image/jpeg": ["JPEG", "MPO"], "image/png": ["PNG"]}
# The boxes a player needs, per parent box (b"" is the file itself); every other box,
# metadata included, is blanked. Boxes that are themselves keys here are descended into.
_MP4_ALLOWED: dict[bytes, frozenset[bytes]] = {
    b"": frozenset({b"ftyp", b"moov", b"mdat"}),
    b"moov": frozenset({b"mvhd", b"trak", b"iods"}),
    b"trak": frozenset({b"tkhd", b"edts", b"mdia", b"tref"}),
    b"edts": frozenset({b"elst"}),
    b"mdia": frozenset({b"mdhd", b"hdlr", b"minf", b"elng"}),
    b"minf": frozenset({b"vmhd", b"smhd", b"dinf", b"stbl"}),
    b"dinf": frozenset({b"dref"}),
    b"stbl": frozenset(
        {
            b"stsd",
            b"stts",
            b"ctts",
            b"cslg",
            b"stsc",
            b"stsz",
            b"stz2",
            b"stco",
            b"co64",
            b"stss",
            b"stps",
            b"sdtp",
            b"sbgp",
            b"sgpd",
            b"subs",
        }
    ),
}
_AV_TRACKS = {b"vide", b"soun"}
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def _type_label(content_type: str) -> str:
    return {
        "image/jpeg": _("a JPEG image"),
        "image/png": _("a PNG image"),
        "application/pdf": _("a PDF document"),
        "video/mp4": _("an MP4 video"),
    }[content_type]


@dataclass(frozen=True)
class PreparedFile:
    """An upload that passed every check, with the bytes that will be stored."""

    name: str
    content_type: str
    data: bytes
    # An image still as sent: stored ``pending`` and re-encoded by a worker.
    pending: bool = False

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


def _base_name(name: str) -> str:
    # Browsers on Windows used to send the whole path; either separator ends a folder.
    return re.split(r"[/\\]", name or "")[-1].strip()


def _extension(name: str) -> str:
    base = _base_name(name)
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def _safe_name(name: str, content_type: str) -> str:
    base = _base_name(name)
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 else base
    stem = _UNSAFE_NAME_CHARS.sub("", "".join(c for c in stem if c.isprintable()))
    stem = stem.strip(" .")[:80] or "lampiran"
    return stem + EXTENSIONS[content_type]


def _check_name_matches(name: str, content_type: str) -> None:
    """Refuse ``bukti.jpg`` that is really a PDF: the name must not announce another type."""
    ext = _extension(name)
    if not ext or ext in _NAME_ALIASES[content_type]:
        return
    shown = _base_name(name)
    for other, aliases in _NAME_ALIASES.items():
        if ext in aliases:
            message = _("The content of %(name)s is %(actual)s, not %(claimed)s.") % {
                "name": shown,
                "actual": _type_label(content_type),
                "claimed": _type_label(other),
            }
            raise ValidationFailed(message, field_errors={"file": [message]})
    if mimetypes.guess_type(f"x{ext}")[0] is not None:
        message = _(
            "The content of %(name)s is %(actual)s, but its name says otherwise. "
            "Rename it to end in %(ext)s."
        ) % {"name": shown, "actual": _type_label(content_type), "ext": EXTENSIONS[content_type]}
        raise ValidationFailed(message, field_errors={"file": [message]})


def _damaged(message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={"file": [message]})


def _pdf_refusal(reason: str, shown: str) -> str:
    messages = {
        "damaged": _("%(name)s: the PDF file is damaged or cannot be read."),
        "encrypted": _(
            "%(name)s: the PDF file is encrypted or password-protected; send it without a password."
        ),
        "javascript": _("%(name)s: the PDF file contains JavaScript, which is not accepted."),
        "launch": _(
            "%(name)s: the PDF file contains an action that starts a program, which is not "
            "accepted."
        ),
        "embedded": _(
            "%(name)s: the PDF file contains embedded files, which are not accepted; send "
            "each file separately."
        ),
        "pages": _("%(name)s: the PDF file has more than %(n)d pages."),
    }
    return messages[reason] % {"name": shown, "n": max_pdf_pages()}


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says; as it is if that tag is unreadable
    (the broken EXIF block is dropped with the rest, so the photo itself is still fine)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception as exc:
        logger.info("EXIF orientation ignored: %r", exc)
        image.load()
        return image


@contextmanager
def _untrusted_image(data: bytes, content_type: str, shown: str) -> Iterator[Image.Image]:
    """The image opened from untrusted bytes, its pixel caps checked. Whatever fails inside,
    here or in the caller's block, refuses the file with a message the citizen can act on:
    Pillow reports damage through many exception types (OSError, SyntaxError, ValueError,
    struct.error …)."""
    too_many_pixels = _("%(name)s: the image has too many pixels.") % {"name": shown}
    try:
        with Image.open(io.BytesIO(data), formats=_PIL_FORMATS[content_type]) as image:
            pixels = image.width * image.height
            if pixels > MAX_IMAGE_PIXELS or (
                content_type == "image/png" and pixels > MAX_PNG_PIXELS
            ):
                raise _damaged(too_many_pixels)
            yield image
    except ValidationFailed:
        raise
    except Image.DecompressionBombError as exc:
        raise _damaged(too_many_pixels) from exc
    except Exception as exc:
        logger.info("image refused: %r", exc)
        raise _damaged(
            _("%(name)s: the image is damaged or not a real image.") % {"name": shown}
        ) from exc


def _reencode_image(
    data: bytes, content_type: str, shown: str, budget: DecodeBudget | None = None
) -> bytes:
    with _untrusted_image(data, content_type, shown) as probe:
        probe.verify()
    with _untrusted_image(data, content_type, shown) as image:
        # What will really be decoded: a JPEG's reduced size (draft), a PNG's whole.
        image.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        (budget or DecodeBudget()).take(image.width * image.height, shown)
        # Shrink first (JPEG decodes straight to the smaller size), then turn the
        # picture upright: the orientation tag is lost with the rest of the EXIF.
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        image.load()  # broken pixel data fails here, not in the EXIF step's fallback
        upright = _upright(image)
        if content_type == "image/jpeg" or upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            upright = upright.convert("RGB" if content_type == "image/jpeg" else "RGBA")
        # A new image built from the pixels alone carries no EXIF, XMP, ICC, comment
        # or text chunk, whatever the encoder would otherwise copy from ``info``.
        clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        if upright.mode == "P":
            clean.putpalette(upright.getpalette() or [])
            transparency = upright.info.get("transparency")
            if isinstance(transparency, int | bytes):
                clean.info["transparency"] = transparency
        out = io.BytesIO()
        if content_type == "image/jpeg":
            clean.save(out, format="JPEG", quality=85, optimize=True)
        else:
            clean.save(out, format="PNG", optimize=True)
        return out.getvalue()


THUMBNAIL_SIDE = 320  # a card's picture: sharp at twice the size a phone's card shows it


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    width: int
    height: int


def image_thumbnail(data: bytes) -> Thumbnail:
    """A WebP at most ``THUMBNAIL_SIDE`` pixels a side of an image already re-encoded (its
    bytes hold no metadata); again built from the pixels alone, so it holds none either."""
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
        pixels = image.convert("RGBA" if alpha else "RGB")
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=75, method=4)
    return Thumbnail(data=out.getvalue(), width=clean.width, height=clean.height)


def _thumbnail_store(data: bytes, content_type: str) -> dict:
    """The thumbnail fields of an attachment whose clean bytes are ``data``, its file
    written to storage; none for a file that is not an image, or whose thumbnail failed
    (the card then shows no picture: never a reason to refuse the file itself)."""
    if not content_type.startswith("image/"):
        return {}
    try:
        thumbnail = image_thumbnail(data)
    except Exception:
        logger.exception("thumbnail not made")
        return {}
    holder = Attachment()
    holder.thumbnail.save("thumbnail.webp", ContentFile(thumbnail.data), save=False)
    return {
        "thumbnail": holder.thumbnail.name,
        "thumbnail_width": thumbnail.width,
        "thumbnail_height": thumbnail.height,
    }


def _probe_image(
    data: bytes, content_type: str, shown: str, budget: DecodeBudget | None = None
) -> None:
    """The checks a web worker can afford: the header's format and dimensions (Pillow reads
    no pixel until asked), the same pixel caps and decoding budget the re-encoding obeys.
    The pixels themselves are decoded by the worker (``attachment_reencode``)."""
    with _untrusted_image(data, content_type, shown) as image:
        image.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))  # sets the size, decodes nothing
        (budget or DecodeBudget()).take(image.width * image.height, shown)


def _clean_pdf(data: bytes, shown: str) -> bytes:
    try:
        return pdf_clean(data)
    except PdfRefused as refused:
        logger.info("PDF refused: %s", refused)
        raise _damaged(_pdf_refusal(refused.reason, shown)) from refused


def _mp4_boxes(data: bytes | bytearray, start: int, end: int, *, top: bool = False):
    """Yield ``(type, header_start, payload_start, box_end)``; ``ValueError`` if broken."""
    offset = start
    while offset < end:
        if offset + 8 > end:
            raise ValueError("truncated box header")
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = bytes(data[offset + 4 : offset + 8])
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise ValueError("truncated large size")
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
            header = 16
        elif size == 0 and top:  # "to the end of the file", only for a top-level box
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError("box size out of bounds")
        if not all(32 <= byte < 127 or byte == 0xA9 for byte in kind):
            raise ValueError("box type is not a four-character code")
        yield kind, offset, offset + header, offset + size
        offset += size


def _blank_box(data: bytearray, header_start: int, payload_start: int, box_end: int) -> None:
    data[header_start + 4 : header_start + 8] = b"free"
    data[payload_start:box_end] = bytes(box_end - payload_start)


def _u32(data: bytes | bytearray, offset: int) -> int:
    if offset + 4 > len(data):
        raise ValueError("table shorter than its count")
    return int.from_bytes(data[offset : offset + 4], "big")


def _mp4_children(data: bytearray, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    return {kind: (payload, box_end) for kind, _h, payload, box_end in _mp4_boxes(data, start, end)}


def _mp4_track_chunks(data: bytearray, trak: tuple[int, int]) -> list[tuple[int, int]]:
    """The byte ranges of a track's samples, from its sample tables (stsz, stsc, stco)."""
    mdia = _mp4_children(data, *trak)[b"mdia"]
    stbl = _mp4_children(data, *_mp4_children(data, *mdia)[b"minf"])[b"stbl"]
    tables = _mp4_children(data, *stbl)
    if b"stsz" not in tables or b"stsc" not in tables:
        raise ValueError("track without sample tables")
    stsz = tables[b"stsz"][0]
    fixed_size, sample_count = _u32(data, stsz + 4), _u32(data, stsz + 8)
    sizes = [fixed_size or _u32(data, stsz + 12 + 4 * i) for i in range(sample_count)]
    if b"stco" in tables:
        stco = tables[b"stco"][0]
        offsets = [_u32(data, stco + 8 + 4 * i) for i in range(_u32(data, stco + 4))]
    elif b"co64" in tables:
        co64 = tables[b"co64"][0]
        offsets = [
            (_u32(data, co64 + 8 + 8 * i) << 32) | _u32(data, co64 + 12 + 8 * i)
            for i in range(_u32(data, co64 + 4))
        ]
    else:
        raise ValueError("track without chunk offsets")
    stsc = tables[b"stsc"][0]
    runs = [
        (_u32(data, stsc + 8 + 12 * i), _u32(data, stsc + 12 + 12 * i))
        for i in range(_u32(data, stsc + 4))
    ]
    ranges, sample = [], 0
    for chunk_number, offset in enumerate(offsets, start=1):
        per_chunk = next((n for first, n in reversed(runs) if first <= chunk_number), 0)
        length = sum(sizes[sample : sample + per_chunk])
        sample += per_chunk
        if offset + length > len(data):
            raise ValueError("chunk outside the file")
        ranges.append((offset, offset + length))
    return ranges


def _mp4_handler(data: bytearray, trak: tuple[int, int]) -> bytes:
    mdia = _mp4_children(data, *trak)[b"mdia"]
    hdlr = _mp4_children(data, *mdia)[b"hdlr"][0]
    return bytes(data[hdlr + 8 : hdlr + 12])


def _clean_mp4_box_tree(data: bytearray, start: int, end: int, parent: bytes, depth: int) -> None:
    """Blank every box the player does not need (metadata: ``udta``, ``meta``, ``uuid``,
    XMP, unknown boxes) and every track that is not picture or sound (a GPS or other
    timed-metadata track), samples included. Sizes never change, so offsets stay valid."""
    if depth > 8:
        raise ValueError("boxes nested too deep")
    allowed = _MP4_ALLOWED[parent]
    for kind, header_start, payload_start, box_end in _mp4_boxes(
        data, start, end, top=parent == b""
    ):
        if kind not in allowed:
            _blank_box(data, header_start, payload_start, box_end)
        elif kind == b"trak" and _mp4_handler(data, (payload_start, box_end)) not in _AV_TRACKS:
            for chunk_start, chunk_end in _mp4_track_chunks(data, (payload_start, box_end)):
                data[chunk_start:chunk_end] = bytes(chunk_end - chunk_start)
            _blank_box(data, header_start, payload_start, box_end)
        elif kind in _MP4_ALLOWED:
            _clean_mp4_box_tree(data, payload_start, box_end, kind, depth + 1)


def _clean_mp4(data: bytes, shown: str) -> bytes:
    """Check the box chain (``ftyp`` first, a ``moov`` and media data) and strip metadata."""
    broken = _("%(name)s: the video file is incomplete or damaged.") % {"name": shown}
    try:
        kinds = [kind for kind, *_rest in _mp4_boxes(data, 0, len(data), top=True)]
        if not kinds or kinds[0] != b"ftyp" or b"moov" not in kinds or b"mdat" not in kinds:
            raise ValueError("ftyp, moov and mdat are required")
        if b"moof" in kinds:
            # Fragmented video: samples are listed per fragment; we do not walk those.
            raise ValueError("fragmented MP4")
        cleaned = bytearray(data)
        _clean_mp4_box_tree(cleaned, 0, len(cleaned), b"", 0)
    except (ValueError, KeyError, IndexError) as exc:
        raise _damaged(broken) from exc
    return bytes(cleaned)


def prepare_upload(
    *,
    name: str,
    chunks: Iterable[bytes],
    declared_size: int | None = None,
    budget: DecodeBudget | None = None,
    defer_images: bool = False,
) -> PreparedFile:
    """Read an upload (at most the configured size), recognise it by its bytes and clean it.

    With ``defer_images`` (a web request), an image is only probed here and comes back
    ``pending``, to be re-encoded by a worker. Raises ``PayloadTooLarge`` past the limit
    (without reading more than one chunk past it) and ``ValidationFailed`` for anything
    else, with a message naming the file once.
    """
    limit = settings.ADUAN_ATTACHMENT_MAX_BYTES
    shown = _base_name(name) or _("the file")
    too_large_message = _("%(name)s is too large: each file can be at most %(size)s.") % {
        "name": shown,
        "size": filesizeformat(limit),
    }
    too_large = PayloadTooLarge(too_large_message, field_errors={"file": [too_large_message]})
    if declared_size is not None and declared_size > limit:
        raise too_large
    buffer = bytearray()
    for chunk in chunks:
        buffer.extend(chunk)
        if len(buffer) > limit:
            raise too_large
    data = bytes(buffer)
    if not data:
        raise _damaged(_("%(name)s is empty.") % {"name": shown})
    content_type = sniff_content_type(data[:64])
    if content_type is None:
        raise _damaged(
            _(
                "%(name)s is not accepted: only JPEG or PNG photos, PDF documents and "
                "MP4 videos are, recognised by their content."
            )
            % {"name": shown}
        )
    _check_name_matches(name, content_type)
    safe_name = _safe_name(name, content_type)
    if content_type.startswith("image/") and defer_images:
        _probe_image(data, content_type, shown, budget)
        return PreparedFile(name=safe_name, content_type=content_type, data=data, pending=True)
    if content_type.startswith("image/"):
        data = _reencode_image(data, content_type, shown, budget)
    elif content_type == "application/pdf":
        data = _clean_pdf(data, shown)
    else:
        data = _clean_mp4(data, shown)
    return PreparedFile(name=safe_name, content_type=content_type, data=data)


def prepare_uploaded_file(uploaded, budget: DecodeBudget | None = None) -> PreparedFile:
    """``prepare_upload`` for a Django ``UploadedFile`` (web form, API multipart): images
    are left to a worker, so a web worker never decodes pixels; the files of one request
    share one ``budget``."""
    return prepare_upload(
        name=uploaded.name,
        chunks=uploaded.chunks(),
        declared_size=uploaded.size,
        budget=budget,
        defer_images=True,
    )


def _attachment_storage():
    return Attachment._meta.get_field("file").storage


def attachment_signed_url(attachment: Attachment) -> str | None:
    """A short-lived signed URL from which the browser downloads the file under its own
    name and type, when the storage signs URLs (object storage, ``ADUAN_S3_URL_EXPIRE``);
    else None and the app sends the file itself (the local disk). Call it only after the
    permission check: whoever holds the URL may download until it expires."""
    storage = attachment.file.storage
    if not getattr(storage, "querystring_auth", False):
        return None
    return storage.url(
        attachment.file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(
                as_attachment=True, filename=attachment.original_name
            ),
            "ResponseContentType": attachment.content_type,
            "ResponseCacheControl": "private, no-store",
        },
    )


def attachment_store(*, report: Report, prepared: PreparedFile, actor) -> Attachment:
    """Write the file (and an image's thumbnail) to storage and its row to the database
    (call inside a transaction).

    A ``pending`` image is queued for re-encoding in the same transaction (with the
    database task backend the task row commits or rolls back with the attachment; the
    sweep queues again what was lost). If the row cannot be written, the file just stored
    is removed again; files of rows that are rolled back later are the caller's to remove
    (``attachments_discard`` of ``attachment_stored_names``).
    """
    attachment = Attachment(
        report=report,
        original_name=prepared.name,
        content_type=prepared.content_type,
        size=prepared.size,
        sha256=prepared.sha256,
        uploaded_by=actor,
        state=AttachmentState.PENDING if prepared.pending else AttachmentState.READY,
    )
    attachment.file.save(prepared.name, ContentFile(prepared.data), save=False)
    if not prepared.pending:
        for field, value in _thumbnail_store(prepared.data, prepared.content_type).items():
            setattr(attachment, field, value)
    try:
        attachment.save()
        if prepared.pending:
            attachments_queue([attachment])
    except BaseException:
        attachments_discard([attachment.file.name, attachment.thumbnail.name or ""])
        raise
    return attachment


def attachment_stored_names(attachment: Attachment) -> list[str]:
    """The files ``attachment_store`` wrote for ``attachment`` (the file, its thumbnail):
    what a caller whose transaction rolls back hands to ``attachments_discard``."""
    return [name for name in (attachment.file.name, attachment.thumbnail.name) if name]


def attachments_stored_names(rows: models.QuerySet[Attachment]) -> list[str]:
    """``attachment_stored_names`` of every row of ``rows``, in one query."""
    return [name for pair in rows.values_list("file", "thumbnail") for name in pair if name]


def attachments_queue(attachments: Iterable[Attachment]) -> None:
    """Ask a worker to re-encode these pending images (``reports.tasks``)."""
    from .tasks import attachment_reencode_task  # the task module imports this one

    now = timezone.now()
    for attachment in attachments:
        Attachment.every.filter(pk=attachment.pk).update(
            queued_at=now, attempts=models.F("attempts") + 1
        )
        attachment_reencode_task.enqueue(attachment.pk)


def attachment_reencode(*, attachment_id: int) -> str:
    """Re-encode one pending image and make it visible, or refuse it; the state it ends in.

    Pixels are decoded outside any transaction (on SQLite a write transaction would hold
    every writer back meanwhile); the row is then locked, and changed only if still
    pending. The sent file, with its metadata, is deleted either way: a refused image is
    not kept, and its refusal is shown to the one who uploaded it.
    """
    row = Attachment.every.filter(pk=attachment_id, state=AttachmentState.PENDING).first()
    if row is None:
        return "gone"
    with row.file.open("rb") as stored:
        original = stored.read()
    clean_name = None
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the refusal's words
            data = _reencode_image(original, row.content_type, row.original_name)
    except ValidationFailed as refused:
        changes = {"state": AttachmentState.REFUSED, "refusal": refused.message, "file": ""}
    else:
        clean = Attachment(content_type=row.content_type)
        clean.file.save(row.original_name, ContentFile(data), save=False)
        clean_name = clean.file.name
        changes = {
            "state": AttachmentState.READY,
            "file": clean_name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            **_thumbnail_store(data, row.content_type),
        }
    with transaction.atomic():
        updated = Attachment.every.filter(pk=row.pk, state=AttachmentState.PENDING).update(
            **changes
        )
    if not updated:  # another worker finished it first
        attachments_discard([clean_name or "", changes.get("thumbnail", "")])
        return "gone"
    attachments_discard([row.file.name])
    logger.info("attachment %s %s", row.pk, changes["state"])
    return str(changes["state"])


def attachments_thumbnails_make(*, batch: int = 100, after: int = 0) -> tuple[int, int | None]:
    """Make the missing thumbnails of the next ``batch`` ready images with an id above
    ``after`` (stored before thumbnails existed, or whose thumbnail failed): how many
    were made, and the last id looked at (None: no image is left). A row changed
    meanwhile keeps what it has, and the file just written is removed again."""
    rows = list(
        Attachment.objects.filter(content_type__startswith="image/", thumbnail="", pk__gt=after)
        .exclude(file="")
        .order_by("id")
        .only("id", "file", "content_type")[:batch]
    )
    made = 0
    for row in rows:
        try:
            with row.file.open("rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            logger.warning("attachment %s: file missing, no thumbnail", row.pk)
            continue
        fields = _thumbnail_store(data, row.content_type)
        if not fields:
            continue
        if Attachment.objects.filter(pk=row.pk, thumbnail="").update(**fields):
            made += 1
        else:
            attachments_discard([fields["thumbnail"]])
    return made, rows[-1].pk if rows else None


def attachments_pending_requeue(*, now, batch: int, stop_at: float) -> dict[str, int]:
    """The sweep's job: pending images whose task was lost (a worker killed, a queue
    emptied) are queued again after ``REQUEUE_AFTER``; after ``MAX_ATTEMPTS`` tries (an
    image that kills its worker each time) the image is refused."""
    stale = Attachment.every.filter(
        state=AttachmentState.PENDING, queued_at__lt=now - REQUEUE_AFTER
    ).order_by("queued_at")[:batch]
    rows = list(stale.only("pk", "attempts", "original_name", "file"))
    given_up = [row for row in rows if row.attempts >= MAX_ATTEMPTS]
    for row in given_up:
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(name)s: the image could not be processed; send it again.") % {
                "name": row.original_name
            }
        if Attachment.every.filter(pk=row.pk, state=AttachmentState.PENDING).update(
            state=AttachmentState.REFUSED, refusal=message, file=""
        ):
            attachments_discard([row.file.name])
    retried = [row for row in rows if row.attempts < MAX_ATTEMPTS]
    attachments_queue(retried)
    return {"requeued": len(retried), "refused": len(given_up)}


def attachments_discard(names: Iterable[str]) -> None:
    """Remove stored files whose rows were rolled back, so no orphan is left behind."""
    storage = _attachment_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # a file we cannot delete must not hide the original error
            logger.exception("could not delete orphan attachment %s", name)
