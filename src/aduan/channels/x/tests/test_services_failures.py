"""An X post's photos on real disk storage: stored with the report, and removed again when
the transaction that stored them fails (a rollback removes rows, not files)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from conftest import files_under
from django.utils import timezone
from PIL import Image

from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.x import services
from aduan.reports.attachments import attachments_stored_names
from aduan.reports.models import Attachment, Report

from .conftest import payload_bytes, post


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
    assert {str(path.relative_to(disk_storage)) for path in files_under(disk_storage)} == set(
        attachments_stored_names(report.attachments.all())
    )
    assert len(files_under(disk_storage)) == 4  # two photos, each with its thumbnail


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_photos")
def test_a_failed_media_step_leaves_no_file_and_is_retried_by_the_sweep(
    client, fake_x, disk_storage, monkeypatch
):
    """The report is made in X's request; its photos in a task. When the task's
    transaction fails after the photos were stored (here the receipt's outbox row), the
    files go, the message stays pending, and the sweep enqueues it again later."""
    real_create = services.Notification.objects.create

    def fail(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services.Notification.objects, "create", fail)
    response = post(client, payload_bytes("mention_photo.json", fake_x))
    assert response.json()["accepted"] == 1
    report = Report.objects.get()
    assert not Attachment.objects.exists()
    message = InboundMessage.objects.get()
    assert (message.status, message.report, message.reply) == (InboundStatus.PENDING, report, "")
    assert len(message.pending_media) == 2
    assert files_under(disk_storage) == []

    monkeypatch.setattr(services.Notification.objects, "create", real_create)
    assert services.x_media_requeue() == 0  # too early: its own task may still come
    later = timezone.now() + services.MEDIA_REQUEUE_AFTER + dt.timedelta(seconds=1)
    with time_machine.travel(later):
        assert services.x_media_requeue() == 1
    message.refresh_from_db()
    assert (message.status, message.pending_media) == (InboundStatus.ACCEPTED, [])
    assert report.attachments.count() == 2
    assert len(files_under(disk_storage)) == 4  # with their thumbnails
    assert report.tracking_id in message.reply
    assert len(fake_x.tweets) == 1  # the receipt, once


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_photos")
def test_the_media_step_run_twice_attaches_once(client, fake_x, disk_storage, monkeypatch):
    monkeypatch.setattr(services, "_media_queue", lambda message: None)  # a lost task
    post(client, payload_bytes("mention_photo.json", fake_x))
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.PENDING
    assert services.x_media_attach_run(message_id=message.pk) == 2
    assert services.x_media_attach_run(message_id=message.pk) == 0
    assert Attachment.objects.count() == 2
    assert len(files_under(disk_storage)) == 4  # with their thumbnails
    assert len(fake_x.tweets) == 1
