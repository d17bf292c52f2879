"""Uploaded PDFs: parsed with qpdf (pikepdf), refused when active or unreadable, and
stored as rewritten without their metadata.

A PDF's document information dictionary and XMP packet name its author (often the
reporter's own account name) and the software and machine that made it; JavaScript,
launch actions and embedded files make it a carrier for code. So every PDF is opened by
a real parser and refused if it does not parse, is encrypted (we could not inspect it),
or carries any of those; what passes is written again without ``/Info`` and without
any ``/Metadata`` or ``/PieceInfo`` entry, and the rewritten bytes are what is stored.
Streams are copied, not decoded, so a compressed bomb is never inflated here.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pikepdf
from django.conf import settings

logger = logging.getLogger(__name__)

# Objects beyond this are not a document a citizen scanned or an office wrote (500 pages
# of text take a few thousand); refuse before walking them, the walk costs per object.
MAX_OBJECTS = 50_000
# Keys whose presence anywhere makes the file active content.
_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA"})  # XFA forms run their own scripts
_EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
# Entries that carry metadata (XMP on the document, pages or images; private app data).
_METADATA_KEYS = ("/Metadata", "/PieceInfo")


class PdfRefused(Exception):
    """Why a PDF is refused; ``reason`` is one of ``REASONS``."""

    REASONS = ("damaged", "encrypted", "javascript", "launch", "embedded", "pages")

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in self.REASONS
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def max_pages() -> int:
    return settings.ADUAN_PDF_MAX_PAGES


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary | pikepdf.Stream]:
    """Every dictionary and stream of the file, indirect or nested directly in another:
    each indirect object once (through ``pdf.objects``), direct ones by descending into
    them without following references (those are visited as objects of their own)."""
    containers = (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)
    for root in [pdf.trailer, *pdf.objects]:
        pending = [root]
        while pending:
            obj = pending.pop()
            if isinstance(obj, pikepdf.Array):
                children = list(obj)
            elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                yield obj
                children = [obj.get(key) for key in obj]
            else:
                continue
            pending.extend(
                child
                for child in children
                if isinstance(child, containers) and not child.is_indirect
            )


def _refuse_active_content_and_strip_metadata(pdf: pikepdf.Pdf) -> None:
    """One pass over the file (the walk is what costs): refuse active content, and
    collect the metadata entries, removed once the whole file has passed."""
    holders = []
    for obj in _dictionaries(pdf):
        keys = set(obj.keys())
        action = obj.get("/S")
        if keys & _SCRIPT_KEYS or action == pikepdf.Name.JavaScript:
            raise PdfRefused("javascript")
        if action == pikepdf.Name.Launch:
            raise PdfRefused("launch")
        if keys & _EMBEDDED_KEYS or obj.get("/Subtype") == pikepdf.Name.FileAttachment:
            raise PdfRefused("embedded")
        if not keys.isdisjoint(_METADATA_KEYS):
            holders.append(obj)
    for obj in holders:
        for key in _METADATA_KEYS:
            if key in obj:
                del obj[key]
    # The trailer keeps only the catalogue: /Info goes, and so does anything else a
    # writer put there (qpdf writes /Size and /ID itself).
    for key in list(pdf.trailer.keys()):
        if key != "/Root":
            del pdf.trailer[key]


def pdf_clean(data: bytes) -> bytes:
    """The PDF rewritten without metadata; ``PdfRefused`` when it may not be stored."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfRefused("encrypted") from exc
    except Exception as exc:  # qpdf reports damage as PdfError, and some as others
        raise PdfRefused("damaged", repr(exc)) from exc
    with pdf:
        try:
            if pdf.is_encrypted:  # opened with an empty user password: still encrypted
                raise PdfRefused("encrypted")
            # /Size first: it costs nothing, while counting the objects wraps each.
            if int(pdf.trailer.get("/Size", 0)) > MAX_OBJECTS or len(pdf.objects) > MAX_OBJECTS:
                raise PdfRefused("damaged", "too many objects")
            pages = len(pdf.pages)
            if pages == 0:
                raise PdfRefused("damaged", "no pages")
            if pages > max_pages():
                raise PdfRefused("pages")
            _refuse_active_content_and_strip_metadata(pdf)
            out = io.BytesIO()
            # A fixed /ID from the content: the original's may identify the machine.
            pdf.save(out, deterministic_id=True)
        except PdfRefused:
            raise
        except Exception as exc:  # a damaged object found only when it is read
            raise PdfRefused("damaged", repr(exc)) from exc
    return out.getvalue()
