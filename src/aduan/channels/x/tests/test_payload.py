"""Reading X's payloads: generated input never breaks the reader, and what it keeps."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ..payload import batch_read, report_text, title_from
from ..signature import crc_response, crc_token_acceptable, signature_valid
from .conftest import PAYLOADS, sign

ACCOUNT = "1708000000000000001"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
event_keys = st.sampled_from(
    [
        "for_user_id",
        "tweet_create_events",
        "direct_message_events",
        "tweet_delete_events",
        "users",
        "id_str",
        "user",
        "text",
        "message_create",
        "status",
        "extended_tweet",
        "truncated",
        "entities",
        "extended_entities",
        "media",
        "type",
    ]
)
shaped = st.recursive(
    st.none() | st.integers() | st.text(max_size=20) | st.just(ACCOUNT) | st.just("@lapor1708"),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(event_keys, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shaped))
def test_any_json_is_read_without_error(value):
    batch = batch_read(value, account_id=ACCOUNT, handle="lapor1708")
    for post in batch.posts:
        assert post.author_id != ACCOUNT
        assert post.kind in ("tweet", "dm")
        assert post.id.isdigit()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_titles_fit_and_come_from_the_text(text):
    body = report_text(text, handle="lapor1708")
    title = title_from(body)
    assert len(title) <= 100
    assert "@lapor1708" not in body.lower()
    flat = " ".join(body.split())
    if len(flat) >= 10:
        assert len(title) >= min(10, len(flat)) or title.endswith("…")


def test_our_handle_is_removed_but_not_a_longer_one_or_an_email():
    text = report_text(
        "@lapor1708 @Lapor1708 lapor ke @lapor17089 dan admin@lapor1708.id", handle="lapor1708"
    )
    assert text == "lapor ke @lapor17089 dan admin@lapor1708.id"


def test_the_recorded_payloads_are_read_as_expected():
    def read(name):
        return batch_read(
            json.loads((PAYLOADS / name).read_text()), account_id=ACCOUNT, handle="lapor1708"
        )

    mention = read("mention.json")
    assert [p.external_id for p in mention.posts] == ["tweet:1896780123456789012"]
    assert not mention.posts[0].in_reply_to_us  # starts with our handle, replies to nothing
    photo = read("mention_photo.json").posts[0]
    assert [m.name for m in photo.media] == ["GlSampahKali.jpg", "GlSampahKali2.jpg"]
    video = read("mention_extended.json").posts[0]
    assert [m.name for m in video.media] == ["lampu.mp4"]
    assert read("reply_thanks.json").posts[0].in_reply_to_us
    noise = read("noise.json")
    assert (noise.posts, noise.ignored) == ([], 4)
    dm = read("dm_photo.json").posts[0]
    assert dm.kind == "dm"
    assert dm.screen_name == "warga_sukajadi"
    assert dm.media[0].url.startswith("https://ton.twitter.com/")
    deletion = read("tweet_delete.json")
    assert [(d.tweet_id, d.author_id) for d in deletion.deletions] == [
        ("1896780123456789012", "1234567890123456789")
    ]


@given(st.text(max_size=300))
def test_no_acceptable_crc_token_is_a_json_document(text):
    """What makes the CRC safe to answer: nothing it answers can be posted as a batch."""
    if crc_token_acceptable(text):
        for raw in (text.encode(), text.encode("latin-1", "ignore")):
            try:
                document = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            assert not isinstance(document, (dict, list)), text


def test_a_token_outside_xs_alphabet_gets_no_crc():
    with pytest.raises(ValueError, match="not a CRC token"):
        crc_response(secret="s3cret", crc_token='{"for_user_id":"1"}')


def test_signature_helpers_agree_with_xs_formula():
    assert crc_response(secret="s3cret", crc_token="token") == sign(b"token", "s3cret")
    body = b'{"for_user_id": "1"}'
    assert signature_valid(secret="s3cret", body=body, header=sign(body, "s3cret"))
    assert not signature_valid(secret="s3cret", body=body + b" ", header=sign(body, "s3cret"))
    assert not signature_valid(secret="", body=body, header=sign(body, ""))
    assert not signature_valid(secret="s3cret", body=body, header=None)


def test_a_title_with_combining_marks_still_fits():
    body = "Jalan rusak " + "e\u0301" * 120
    assert len(title_from(body)) <= 100


# --- Characters no database stores (NUL: PostgreSQL; a lone surrogate: either driver) ----


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Cc", "Cs", "Ll", "Zs", "Nd"]), max_size=200))
def test_report_text_keeps_no_control_character_but_line_breaks_and_no_lone_surrogate(text):
    body = report_text(text, handle="lapor1708")
    assert {unicodedata.category(ch) for ch in body.replace("\n", "")} <= {"Ll", "Zs", "Nd", "So"}
    body.encode("utf-8")  # storable


def test_a_nul_or_a_lone_surrogate_in_a_dm_and_its_senders_name_is_not_kept():
    batch = json.loads((PAYLOADS / "dm.json").read_text())
    event = batch["direct_message_events"][0]
    data = event["message_create"]["message_data"]
    data["text"] = data["text"].replace("kelurahan", "kelu\x00rahan\ud800")
    batch["users"]["3334445556667778889"]["screen_name"] = "warga\x00_suka\ud800jadi"
    [post] = batch_read(batch, account_id=ACCOUNT, handle="lapor1708").posts
    assert post.text.startswith("Pungutan liar di kantor kelurahan\ufffd Sukajadi\n")
    assert post.screen_name == "warga_suka\ufffdjadi"


def test_a_nul_or_a_lone_surrogate_in_a_mention_and_its_authors_name_is_not_kept():
    batch = json.loads((PAYLOADS / "mention.json").read_text())
    tweet = copy.deepcopy(batch["tweet_create_events"][0])
    tweet["text"] = tweet["text"].replace("Jalan rusak", "Jalan\x00 ru\ud800sak")
    tweet["user"]["screen_name"] = "\x00warga_bandung\ud800"
    batch["tweet_create_events"] = [tweet]
    [post] = batch_read(batch, account_id=ACCOUNT, handle="lapor1708").posts
    assert "Jalan ru\ufffdsak" in post.text
    assert "\x00" not in post.text
    assert post.screen_name == "warga_bandung\ufffd"
    assert post.handle == "@warga_bandung\ufffd"
