"""Uploads and storage inspection for the web tests."""

from __future__ import annotations

import io

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aduan.reports.tests.factories import pdf_bytes


def png_upload(name: str = "foto.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg_with_gps(name: str = "rumah.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "KameraPonsel"  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 51.0), 3: "E", 4: (107.0, 36.0, 35.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def picture(report, *, actor=None, event=None, size=(48, 32)):
    """A ready photo of ``report`` (re-encoded now, with its thumbnail), optionally a file
    of ``event``."""
    from aduan.reports.attachments import attachment_store, prepare_upload

    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format="JPEG")
    prepared = prepare_upload(name="foto.jpg", chunks=[buffer.getvalue()])
    attachment = attachment_store(report=report, prepared=prepared, actor=actor or report.reporter)
    if event is not None:
        attachment.event = event
        attachment.save(update_fields=["event"])
    return attachment


def pdf_upload(name: str = "bukti.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


def stored_files(path: str = "") -> list[str]:
    """Every file in the default storage (the test settings use in-memory storage)."""
    try:
        directories, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}/{name}".lstrip("/") for name in files]
    for directory in directories:
        found.extend(stored_files(f"{path}/{directory}".lstrip("/")))
    return found
