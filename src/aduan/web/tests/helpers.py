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
