"""The X API v2, over plain HTTP with ``requests``.

Not tweepy: its client builds every URL on a fixed ``https://api.twitter.com`` host, while
the base URL here is a setting (a test server, a proxy, or X's next host name). Three
calls are all Aduan needs, and ``requests`` (already installed with allauth) gives
timeouts and streamed downloads with a size limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests
import urllib3
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = (5, 15)  # connect, read (seconds)
MEDIA_TIMEOUT = (5, 20)
# Where X serves media: public photos and videos, and DM attachments (which need the token).
MEDIA_HOSTS = ("pbs.twimg.com", "video.twimg.com", "ton.twitter.com")
TEXT_MAX = 280


class XApiError(Exception):
    """X refused or failed; ``retry`` says whether trying later can help."""

    def __init__(self, message: str, *, status: int | None = None, retry: bool = True):
        super().__init__(message)
        self.status = status
        self.retry = retry


class XApiUncertain(XApiError):
    """The request went out but no answer came back: X may have posted it. Not retried."""

    def __init__(self, message: str):
        super().__init__(message, retry=False)


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request provably never reached X (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0] if exc.args else None, "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


@dataclass(frozen=True)
class XConfig:
    base_url: str
    consumer_secret: str
    access_token: str
    account_id: str
    handle: str

    @property
    def receives(self) -> bool:
        """The webhook works once the consumer secret and the account are known."""
        return bool(self.consumer_secret and self.account_id)

    @property
    def sends(self) -> bool:
        return bool(self.access_token and self.account_id)


def x_config() -> XConfig:
    return XConfig(
        base_url=settings.ADUAN_X_API_BASE_URL.rstrip("/"),
        consumer_secret=settings.ADUAN_X_CONSUMER_SECRET,
        access_token=settings.ADUAN_X_ACCESS_TOKEN,
        account_id=str(settings.ADUAN_X_ACCOUNT_ID),
        handle=settings.ADUAN_X_HANDLE.lstrip("@"),
    )


def _post(path: str, body: dict, *, started: Callable[[], None]) -> dict:
    config = x_config()
    session = requests.Session()
    request = session.prepare_request(
        requests.Request(
            "POST",
            config.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {config.access_token}"},
        )
    )
    started()
    try:
        response = session.send(request, timeout=TIMEOUT)
    except requests.RequestException as exc:
        if _never_connected(exc):
            raise XApiError(f"X API unreachable: {type(exc).__name__}") from exc
        raise XApiUncertain(f"no answer from the X API: {type(exc).__name__}") from exc
    finally:
        session.close()
    if response.status_code == 429 or response.status_code >= 500:
        raise XApiError(f"X API answered {response.status_code}", status=response.status_code)
    if response.status_code >= 400:
        # 400/401/403/404: the tweet is gone, DMs are closed, the text is a duplicate, or
        # the token is wrong. Trying the same request again does not help.
        detail = response.text[:300]
        raise XApiError(
            f"X API refused ({response.status_code}): {detail}",
            status=response.status_code,
            retry=response.status_code == 401,
        )
    try:
        return response.json()
    except ValueError:
        return {}


def tweet_reply(*, text: str, in_reply_to: str, started: Callable[[], None]) -> dict:
    """Post ``text`` as a reply under the tweet ``in_reply_to``."""
    return _post(
        "/2/tweets",
        {"text": text[:TEXT_MAX], "reply": {"in_reply_to_tweet_id": in_reply_to}},
        started=started,
    )


def direct_message(*, text: str, participant_id: str, started: Callable[[], None]) -> dict:
    """Send ``text`` by DM to the X account ``participant_id``."""
    return _post(
        f"/2/dm_conversations/with/{quote(participant_id, safe='')}/messages",
        {"text": text},
        started=started,
    )


def media_allowed(url: str) -> bool:
    """Only X's own media hosts over HTTPS, or the configured API host (a test server).

    The whole authority must be the host name: no user info, no port, nothing that
    ``requests`` (urllib3) reads differently from ``urlsplit``. For urlsplit the host of
    ``https://evil.example\\@ton.twitter.com/`` is ton.twitter.com, for urllib3 it is
    evil.example, which would then get the request and the account's token."""
    if _api_host(url):
        return True
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.netloc.lower() in MEDIA_HOSTS


def media_download(url: str, *, limit: int) -> tuple[int | None, Iterator[bytes]]:
    """Open ``url`` and return its declared size and its bytes in chunks; the caller stops
    reading past its limit. Raises ``XApiError`` for a refused host or a failed request."""
    if not media_allowed(url):
        raise XApiError("media host not allowed", retry=False)
    config = x_config()
    host = urlsplit(url).hostname or ""
    headers = {}
    # DM attachments are private: X serves them only with the account's token.
    if config.access_token and (host == "ton.twitter.com" or _api_host(url)):
        headers["Authorization"] = f"Bearer {config.access_token}"
    try:
        response = requests.get(
            url, headers=headers, stream=True, timeout=MEDIA_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise XApiError(f"media unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        response.close()
        raise XApiError(f"media answered {response.status_code}", status=response.status_code)
    declared = response.headers.get("Content-Length")
    size = int(declared) if declared and declared.isdigit() else None

    def chunks() -> Iterator[bytes]:
        try:
            yield from response.iter_content(chunk_size=64 * 1024)
        except requests.RequestException as exc:
            raise XApiError(f"media download failed: {type(exc).__name__}") from exc
        finally:
            response.close()

    return size, chunks()


def _api_host(url: str) -> bool:
    parts, api = urlsplit(url), urlsplit(x_config().base_url)
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)
