"""The thread tag: what proves that a reply answers an e-mail Aduan sent about a report."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from aduan.channels.mail.parse import HEADER_MAX, REFERENCES_MAX, parse_mail
from aduan.channels.mail.thread import thread_answers, thread_message_id, thread_tag


def test_the_tag_depends_on_report_recipient_and_secret_key(settings):
    tag = thread_tag(report_id=7, recipient_id=3)
    assert re.fullmatch(r"[0-9a-f]{32}", tag)
    assert thread_tag(report_id=7, recipient_id=3) == tag
    assert thread_tag(report_id=8, recipient_id=3) != tag
    assert thread_tag(report_id=7, recipient_id=4) != tag
    # "7:31" and "73:1" must not meet.
    assert thread_tag(report_id=7, recipient_id=31) != thread_tag(report_id=73, recipient_id=1)
    settings.SECRET_KEY = "another-installation-" * 3
    assert thread_tag(report_id=7, recipient_id=3) != tag


def test_the_message_id_is_stable_and_tagged_only_about_a_report_to_a_person(settings):
    settings.SITE_URL = "https://lapor.example.id"
    digest = hashlib.sha256(b"event:12:5").hexdigest()[:40]
    tagged = thread_message_id(kind="notification", key="event:12:5", report_id=7, recipient_id=3)
    assert tagged == thread_message_id(
        kind="notification", key="event:12:5", report_id=7, recipient_id=3
    )
    tag = thread_tag(report_id=7, recipient_id=3)
    assert tagged == f"<notification.{digest}.{tag}@lapor.example.id>"
    # Without a report the form is the one used before tags existed.
    assert thread_message_id(kind="notification", key="event:12:5") == (
        f"<notification.{digest}@lapor.example.id>"
    )


def test_only_our_tag_for_this_report_and_this_sender_answers_the_thread():
    ours = thread_message_id(kind="reply", key="k", report_id=7, recipient_id=3)
    assert thread_answers(references=[ours], report_id=7, sender_id=3)
    assert thread_answers(references=["<a@b.test>", ours, "<c@d.test>"], report_id=7, sender_id=3)
    assert not thread_answers(references=[ours], report_id=8, sender_id=3)
    assert not thread_answers(references=[ours], report_id=7, sender_id=4)
    assert not thread_answers(references=[], report_id=7, sender_id=3)
    made_up = ours.replace(thread_tag(report_id=7, recipient_id=3), "0" * 32)
    assert not thread_answers(references=[made_up], report_id=7, sender_id=3)
    untagged = thread_message_id(kind="notification", key="k")
    assert not thread_answers(references=[untagged], report_id=7, sender_id=3)


def test_a_thread_started_before_a_key_rotation_still_answers(settings):
    settings.SECRET_KEY = "old-key-" * 8
    before = thread_message_id(kind="notification", key="k", report_id=7, recipient_id=3)
    settings.SECRET_KEY = "new-key-" * 8
    settings.SECRET_KEY_FALLBACKS = ["old-key-" * 8]
    assert thread_answers(references=[before], report_id=7, sender_id=3)
    settings.SECRET_KEY_FALLBACKS = []
    assert not thread_answers(references=[before], report_id=7, sender_id=3)


def test_a_tag_far_down_a_very_long_references_list_is_not_looked_for():
    ours = thread_message_id(kind="reply", key="k", report_id=7, recipient_id=3)
    noise = [f"<n{n}@warga.test>" for n in range(100)]
    assert not thread_answers(references=[*noise, ours], report_id=7, sender_id=3)
    assert thread_answers(references=[*noise[:99], ours], report_id=7, sender_id=3)


@given(st.lists(st.text(max_size=120), max_size=8))
def test_any_references_at_all_are_refused_without_raising(references):
    assert not thread_answers(references=references, report_id=7, sender_id=3)


def test_non_ascii_where_the_tag_goes_is_refused_without_raising():
    ours = thread_message_id(kind="reply", key="k", report_id=7, recipient_id=3)
    tag = thread_tag(report_id=7, recipient_id=3)
    for forged in (ours.replace(tag, "é" * 32), ours.replace(tag, tag[:-1] + "é")):
        assert not thread_answers(references=[forged], report_id=7, sender_id=3)


def _raw(**headers: str) -> bytes:
    fields = {
        "From": "budi@warga.test",
        "To": "lapor@aduan.test",
        "Subject": "Re: [ABCDE23456] Jalan rusak",
        "Message-ID": "<m1@warga.test>",
        **headers,
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"{head}\r\nIni balasan saya.\r\n".encode()


def test_huge_headers_are_read_only_up_to_a_bound():
    """Python's header parser takes time quadratic in a header's length: a 2 MB Subject or
    In-Reply-To took 20 s, a 25 MB message (within the size limit) would hold a worker
    for most of an hour. No header a mail program writes comes near the bound."""
    ours = thread_message_id(kind="reply", key="k", report_id=7, recipient_id=3)
    noise = " ".join(f"<n{n}.abcdef@warga.test>" for n in range(20_000))  # 0.5 MB
    parsed = parse_mail(
        _raw(
            Subject="Re: [ABCDE23456] " + "sangat panjang " * 30_000,
            References=f"{ours} {noise}",
            **{"In-Reply-To": noise},
        )
    )
    assert len(parsed.subject) <= HEADER_MAX
    assert parsed.tracking_id == "ABCDE23456"
    assert len(parsed.references) == REFERENCES_MAX
    assert thread_answers(references=parsed.references, report_id=7, sender_id=3) is False
    # Our tag first in References, after a normal In-Reply-To: found.
    parsed = parse_mail(_raw(References=f"{ours} {noise}", **{"In-Reply-To": ours}))
    assert thread_answers(references=parsed.references, report_id=7, sender_id=3)
