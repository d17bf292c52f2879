"""A post's media, fetched by a worker after its report exists (``x_media_attach_run``):
which URLs it fetches at all, and what becomes of a message that never gets its media."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.x import client as x_client
from aduan.channels.x import services, tasks
from aduan.notifications.models import Notification

from .conftest import ACCESS_TOKEN, payload, payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(client, fake_x, deliver, monkeypatch):
    """A mention with two photos, its report made and its media step not yet run."""
    monkeypatch.setattr(services, "_media_queue", lambda message: None)
    deliver(client, payload_bytes("mention_photo.json", fake_x))
    message = InboundMessage.objects.get()
    assert message.status == InboundStatus.PENDING
    return message


@pytest.fixture
def downloads(monkeypatch):
    """Every request the media step makes, refused before it leaves."""
    made: list[tuple[str, dict]] = []

    def get(url, *, headers=None, **kwargs):
        made.append((url, dict(headers or {})))
        raise x_client.requests.ConnectionError("not in a test")

    monkeypatch.setattr(x_client.requests, "get", get)
    return made


# What Python's urlsplit reads as one of X's hosts, while requests (urllib3) connects
# elsewhere: a backslash ends the authority for urllib3 and not for urlsplit. With
# ton.twitter.com the download would also carry the account's token.
DISGUISED = [
    "https://evil.example\\@ton.twitter.com/1.1/ton/data/dm/1/2/x.jpg",
    "https://evil.example\\@pbs.twimg.com/media/x.jpg",
    "https://evil.example\\@video.twimg.com/x.mp4",
    # Never part of a URL X gives: user info and ports.
    "https://user:password@pbs.twimg.com/media/x.jpg",
    "https://pbs.twimg.com:8443/media/x.jpg",
]


@pytest.mark.parametrize("url", DISGUISED)
def test_a_url_read_as_another_host_by_the_http_client_is_not_x(url, fake_x):
    assert not x_client.media_allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://pbs.twimg.com/media/GlSampahKali.jpg",
        "https://PBS.twimg.com/media/GlSampahKali.jpg",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/640x360/a.mp4?tag=12",
        "https://ton.twitter.com/1.1/ton/data/dm/1/2/a.jpg",
    ],
)
def test_x_media_urls_are_allowed(url, fake_x):
    assert x_client.media_allowed(url)


@pytest.mark.parametrize("url", DISGUISED[:3])
def test_the_media_step_sends_no_request_and_no_token_to_a_disguised_host(pending, downloads, url):
    InboundMessage.objects.filter(pk=pending.pk).update(pending_media=[[url, "x.jpg"]])
    assert services.x_media_attach_run(message_id=pending.pk) == 0
    assert not any(ACCESS_TOKEN in str(headers) for _url, headers in downloads)
    assert downloads == []
    pending.refresh_from_db()
    assert pending.status == InboundStatus.ACCEPTED
    assert pending.reply.startswith("1 ")  # "1 attachment could not be accepted …"


# --- A message whose media never come -------------------------------------------------------


def _age(message: InboundMessage, delta: dt.timedelta) -> None:
    InboundMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - delta)


def test_a_media_step_that_always_fails_is_given_up_with_a_receipt(pending, monkeypatch):
    """Enqueued again every minute while it fails, forever, and always first in line
    (oldest first, at most ``limit``): a hundred such messages would hold back every
    newer one. After ``MEDIA_GIVE_UP_AFTER`` the message is settled without its media."""
    runs: list[int] = []

    def broken(*, message_id: int) -> int:
        runs.append(message_id)
        raise RuntimeError("storage away")

    monkeypatch.setattr(services, "x_media_attach_run", broken)
    monkeypatch.setattr(tasks, "x_media_attach_run", broken)
    _age(pending, services.MEDIA_REQUEUE_AFTER + dt.timedelta(minutes=1))
    assert services.x_media_requeue() == 1
    assert runs == [pending.pk]
    pending.refresh_from_db()
    assert pending.status == InboundStatus.PENDING  # still worth another try

    _age(pending, services.MEDIA_GIVE_UP_AFTER + dt.timedelta(minutes=1))
    assert services.x_media_requeue() == 0
    assert runs == [pending.pk]  # not tried again
    pending.refresh_from_db()
    assert (pending.status, pending.pending_media) == (InboundStatus.ACCEPTED, [])
    assert pending.reply.startswith("2 ")  # "2 attachments could not be accepted …"
    assert pending.report.tracking_id in pending.reply
    receipt = Notification.objects.get(channel="x", report=pending.report)
    assert receipt.body == pending.reply
    assert services.x_media_requeue() == 0  # settled once


def test_given_up_messages_do_not_hold_back_newer_ones(client, fake_x, deliver, monkeypatch):
    monkeypatch.setattr(services, "_media_queue", lambda message: None)
    deliver(client, payload_bytes("mention_photo.json", fake_x))
    old = InboundMessage.objects.get()
    _age(old, services.MEDIA_GIVE_UP_AFTER + dt.timedelta(hours=1))
    body = payload("dm_photo.json", fake_x)
    deliver(client, body)
    new = InboundMessage.objects.exclude(pk=old.pk).get()
    _age(new, services.MEDIA_REQUEUE_AFTER + dt.timedelta(minutes=1))
    enqueued: list[int] = []
    monkeypatch.setattr(
        tasks, "x_media_attach_run", lambda *, message_id: enqueued.append(message_id)
    )
    assert services.x_media_requeue(limit=1) == 0  # the old one settled, out of the line
    assert services.x_media_requeue(limit=1) == 1
    assert enqueued == [new.pk]
    old.refresh_from_db()
    assert old.status == InboundStatus.ACCEPTED


def test_a_pending_message_whose_report_is_gone_is_failed_not_retried(pending):
    InboundMessage.objects.filter(pk=pending.pk).update(report=None)
    assert services.x_media_attach_run(message_id=pending.pk) == 0
    pending.refresh_from_db()
    assert pending.status == InboundStatus.FAILED
    _age(pending, services.MEDIA_REQUEUE_AFTER + dt.timedelta(minutes=1))
    assert services.x_media_requeue() == 0
