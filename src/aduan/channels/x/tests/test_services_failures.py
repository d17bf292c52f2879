"""When the transaction of an X post fails after its media were stored: a rollback removes
rows, not files, so the files are deleted by the service."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import FileSystemStorage, storages
from PIL import Image

from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.x import services
from aduan.reports.models import Attachment, Report

from .conftest import payload_bytes, post


@pytest.fixture
def disk_storage(settings, tmp_path):
    """Files on disk, to see what a rollback leaves behind (tests otherwise keep them in
    memory)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    assert isinstance(storages["default"], FileSystemStorage)
    return settings.MEDIA_ROOT


def files_under(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def two_photos(fake_x):
    fake_x.serve_media("/media/GlSampahKali.jpg", jpeg((200, 30, 30)))
    fake_x.serve_media("/media/GlSampahKali2.jpg", jpeg((30, 200, 30)))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_photos")
def test_the_photos_of_a_mention_are_stored_on_disk(client, fake_x, disk_storage):
    response = post(client, payload_bytes("mention_photo.json", fake_x))
    assert response.json()["accepted"] == 1
    report = Report.objects.get()
    assert {str(path.relative_to(disk_storage)) for path in files_under(disk_storage)} == {
        attachment.file.name for attachment in report.attachments.all()
    }
    assert len(files_under(disk_storage)) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_photos")
def test_a_report_rolled_back_after_its_photos_were_stored_leaves_no_file(
    client, fake_x, disk_storage, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("database away")

    # The reply's outbox row: the last write of the report's transaction.
    monkeypatch.setattr(services.Notification.objects, "create", fail)
    response = post(client, payload_bytes("mention_photo.json", fake_x))
    assert response.status_code == 200
    assert response.json()["failed"] == 1
    assert not Report.objects.exists()
    assert not Attachment.objects.exists()
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.FAILED
    assert message.report is None
    assert files_under(disk_storage) == []
