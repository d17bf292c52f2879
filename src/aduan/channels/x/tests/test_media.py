"""A post's media, fetched by a worker after its report exists (``x_media_attach_run``):
which URLs it fetches at all, and what becomes of a message that never gets its media."""

from __future__ import annotations

import pytest

from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.x import client as x_client
from aduan.channels.x import services

from .conftest import ACCESS_TOKEN, payload_bytes

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
