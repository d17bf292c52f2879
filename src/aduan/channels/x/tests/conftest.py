from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from .fake_x import FakeX, fake_x_start

PAYLOADS = Path(__file__).parent / "payloads"
ACCOUNT_ID = "1708000000000000001"
CONSUMER_SECRET = "test-consumer-secret-4fa8b1c2"
ACCESS_TOKEN = "test-user-context-token"
SITE_URL = "https://aduan.example.go.id"
# The hosts X serves media from, in the recorded payloads; the loader points them at the
# fake server so that the download is real.
MEDIA_HOSTS = ("https://pbs.twimg.com", "https://video.twimg.com", "https://ton.twitter.com")


@pytest.fixture(scope="session")
def _fake_server():
    fake, server = fake_x_start(token=ACCESS_TOKEN, account_id=ACCOUNT_ID)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_x(_fake_server, settings) -> FakeX:
    """The fake X, emptied, and the X settings pointing at it."""
    _fake_server.requests.clear()
    _fake_server.media.clear()
    _fake_server.failures.clear()
    settings.ADUAN_X_API_BASE_URL = _fake_server.base_url
    settings.ADUAN_X_CONSUMER_SECRET = CONSUMER_SECRET
    settings.ADUAN_X_ACCESS_TOKEN = ACCESS_TOKEN
    settings.ADUAN_X_ACCOUNT_ID = ACCOUNT_ID
    settings.ADUAN_X_HANDLE = "lapor1708"
    settings.SITE_URL = SITE_URL
    return _fake_server


def payload_bytes(name: str, fake: FakeX) -> bytes:
    text = (PAYLOADS / name).read_text()
    for host in MEDIA_HOSTS:
        text = text.replace(host, fake.base_url)
    return text.encode()


def payload(name: str, fake: FakeX) -> dict:
    return json.loads(payload_bytes(name, fake))


def sign(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    """What X puts in x-twitter-webhooks-signature (and, over the crc_token, answers)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


URL = "/kanal/x/webhook/"


def post(client, body: bytes | dict, *, signature: str | None = "sign"):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    headers = {}
    if signature == "sign":
        headers["x-twitter-webhooks-signature"] = sign(body)
    elif signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    return client.post(URL, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Post to the webhook and run what it queued on commit (the replies), like a worker."""

    def run(client, body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return run
