"""Reading Account Activity API batches: what is a mention, a DM, a deletion, or noise.

Pure functions over the decoded JSON, so that any shape X (or an attacker holding no
secret, which the signature check has already stopped) might send is handled here and
tested with generated input. Nothing here touches the database.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.text import Truncator

from aduan.channels.services import clean_text

logger = logging.getLogger(__name__)

TITLE_WANTED = 100  # a title is the text's first line, cut to this many characters
_ID = re.compile(r"^[0-9]{1,30}$")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w{1,15})+\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class Media:
    url: str
    name: str


@dataclass(frozen=True)
class Post:
    """A mention or a direct message addressed to our account."""

    kind: str  # "tweet" or "dm"
    id: str
    author_id: str
    screen_name: str
    text: str
    media: tuple[Media, ...] = ()
    in_reply_to_us: bool = False

    @property
    def external_id(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def handle(self) -> str:
        return f"@{self.screen_name}" if self.screen_name else ""


@dataclass(frozen=True)
class Deletion:
    tweet_id: str
    author_id: str


@dataclass
class Batch:
    posts: list[Post] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0


def _id(value: Any) -> str | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if _ID.match(text) else None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _screen_name(value: Any) -> str:
    return clean_text(value, one_line=True)[:50] if isinstance(value, str) else ""


def _media_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1][:100] or "lampiran"


def _media_of(item: dict) -> Media | None:
    """A photo's URL, or a video's (and GIF's) best MP4 variant."""
    kind = item.get("type")
    if kind == "photo":
        url = item.get("media_url_https")
    elif kind in ("video", "animated_gif"):
        variants = [
            variant
            for variant in _list(_dict(item.get("video_info")).get("variants"))
            if isinstance(variant, dict) and variant.get("content_type") == "video/mp4"
        ]
        best = max(
            variants,
            key=lambda v: v.get("bitrate") if isinstance(v.get("bitrate"), int) else 0,
            default={},
        )
        url = best.get("url")
    else:
        return None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return Media(url=url, name=_media_name(url))


def _media_links(items: list) -> tuple[tuple[Media, ...], list[str]]:
    """The media of a tweet or DM, and the t.co links X put in the text for them."""
    media, links = [], []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("url"), str):
            links.append(item["url"])
        found = _media_of(item)
        if found is not None and found not in media:
            media.append(found)
    return tuple(media), links


def report_text(text: str, *, handle: str, links: Sequence[str] = ()) -> str:
    """The text without X's media links and, for a tweet (``handle`` given), without the
    reply's leading @names and our handle."""
    # JSON may carry NUL and lone surrogates ("\u0000", "\ud800"); no database stores them.
    text = clean_text(html.unescape(text or ""))
    for link in links:
        text = text.replace(link, " ")
    if handle:
        text = _LEADING_MENTIONS.sub("", text)
        text = re.sub(rf"(?<![\w@])@{re.escape(handle)}\b", " ", text, flags=re.IGNORECASE)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def title_from(body: str) -> str:
    """The first words of the text: its first line, cut at a word near TITLE_WANTED."""
    first_line = next((line for line in body.split("\n") if line.strip()), "")
    title = " ".join(first_line.split())
    if len(title) < 10:
        title = " ".join(body.split())
    short = Truncator(title).chars(TITLE_WANTED)
    # Truncator does not count combining marks; the database counts every code point.
    return short if len(short) <= TITLE_WANTED else title[: TITLE_WANTED - 1] + "…"


def _mentions_us(text: str, entities: dict, *, account_id: str, handle: str) -> bool:
    for mention in _list(entities.get("user_mentions")):
        if isinstance(mention, dict) and _id(mention.get("id_str")) == account_id:
            return True
    return bool(
        handle and re.search(rf"(?<![\w@])@{re.escape(handle)}\b", text, flags=re.IGNORECASE)
    )


def _tweet(tweet: Any, batch: Batch, *, account_id: str, handle: str) -> None:
    tweet = _dict(tweet)
    user = _dict(tweet.get("user"))
    tweet_id, author_id = _id(tweet.get("id_str")), _id(user.get("id_str"))
    if tweet_id is None or author_id is None:
        batch.malformed += 1
        logger.warning("x webhook: tweet event without ids skipped")
        return
    if "retweeted_status" in tweet or author_id == account_id:
        batch.ignored += 1  # a retweet says nothing new; our own tweets are our replies
        return
    extended = _dict(tweet.get("extended_tweet")) if tweet.get("truncated") else {}
    source = extended or tweet
    text = source.get("full_text") or source.get("text") or ""
    if not isinstance(text, str):
        batch.malformed += 1
        return
    entities = _dict(source.get("entities"))
    if not _mentions_us(text, entities, account_id=account_id, handle=handle):
        batch.ignored += 1
        return
    media_items = _list(_dict(source.get("extended_entities")).get("media")) or _list(
        entities.get("media")
    )
    media, links = _media_links(media_items)
    screen_name = _screen_name(user.get("screen_name"))
    batch.posts.append(
        Post(
            kind="tweet",
            id=tweet_id,
            author_id=author_id,
            screen_name=screen_name,
            text=report_text(text, handle=handle, links=links),
            media=media,
            # A reply to one of our tweets (a tweet merely starting with @lapor1708 has
            # our id as in_reply_to_user_id too, but no status id).
            in_reply_to_us=_id(tweet.get("in_reply_to_user_id_str")) == account_id
            and _id(tweet.get("in_reply_to_status_id_str")) is not None,
        )
    )


def _direct_message(event: Any, users: dict, batch: Batch, *, account_id: str) -> None:
    event = _dict(event)
    if event.get("type") != "message_create":
        batch.ignored += 1
        return
    create = _dict(event.get("message_create"))
    message_id, sender_id = _id(event.get("id")), _id(create.get("sender_id"))
    recipient_id = _id(_dict(create.get("target")).get("recipient_id"))
    data = _dict(create.get("message_data"))
    text = data.get("text", "")
    if message_id is None or sender_id is None or not isinstance(text, str):
        batch.malformed += 1
        logger.warning("x webhook: DM event without ids or text skipped")
        return
    if sender_id == account_id or recipient_id != account_id:
        batch.ignored += 1  # our own replies come back as events too
        return
    attachment = _dict(data.get("attachment"))
    media_items = [attachment.get("media")] if attachment.get("type") == "media" else []
    media, links = _media_links(media_items)
    screen_name = _screen_name(_dict(users.get(sender_id)).get("screen_name"))
    batch.posts.append(
        Post(
            kind="dm",
            id=message_id,
            author_id=sender_id,
            screen_name=screen_name,
            text=report_text(text, handle="", links=links),
            media=media,
        )
    )


def _deletion(event: Any, batch: Batch) -> None:
    status = _dict(_dict(event).get("status"))
    tweet_id, author_id = _id(status.get("id")), _id(status.get("user_id"))
    if tweet_id is None or author_id is None:
        batch.malformed += 1
        return
    batch.deletions.append(Deletion(tweet_id=tweet_id, author_id=author_id))


def batch_read(payload: Any, *, account_id: str, handle: str) -> Batch:
    """Every event of one webhook POST that concerns ``account_id``, sorted by kind."""
    batch = Batch()
    payload = _dict(payload)
    if _id(payload.get("for_user_id")) != account_id:
        batch.ignored += 1
        logger.warning("x webhook: batch for another account ignored")
        return batch
    for tweet in _list(payload.get("tweet_create_events")):
        _tweet(tweet, batch, account_id=account_id, handle=handle)
    users = _dict(payload.get("users"))
    for event in _list(payload.get("direct_message_events")):
        _direct_message(event, users, batch, account_id=account_id)
    for event in _list(payload.get("tweet_delete_events")):
        _deletion(event, batch)
    return batch
