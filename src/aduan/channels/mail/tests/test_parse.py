from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.channels.mail.parse import (
    REFERENCES_MAX,
    find_tracking_id,
    html_to_text,
    parse_mail,
    subject_title,
    trim_reply,
)

from .conftest import BODY, TITLE, jpeg_with_gps, mail


def raw(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


def test_a_plain_mail_gives_sender_title_text_and_message_id():
    message = mail(sender="Budi Santoso <Budi.Santoso@Warga.TEST>")
    parsed = parse_mail(raw(message))
    assert parsed.sender == "budi.santoso@warga.test"
    assert parsed.title == TITLE
    assert parsed.text == BODY
    assert parsed.message_id == message["Message-ID"]
    assert parsed.tracking_id is None
    assert not parsed.auto_generated
    assert not parsed.confidential


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: Jalan berlubang di depan sekolah", "Jalan berlubang di depan sekolah"),
        ("RE: Fwd: FW: Jalan berlubang di depan sekolah", "Jalan berlubang di depan sekolah"),
        ("Bls: Balas: Jalan berlubang di depan sekolah", "Jalan berlubang di depan sekolah"),
        ("Re[2]: Jalan berlubang di depan sekolah", "Jalan berlubang di depan sekolah"),
        ("[RAHASIA] Pungutan liar di kantor kelurahan", "Pungutan liar di kantor kelurahan"),
        ("Jalan   berlubang\tdi depan sekolah", "Jalan berlubang di depan sekolah"),
        ("Regulasi parkir liar di pasar baru", "Regulasi parkir liar di pasar baru"),
    ],
)
def test_the_title_loses_reply_prefixes_and_tags(subject, title):
    assert subject_title(subject) == title


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: [ABCDE23456] Laporan diterima", "ABCDE23456"),
        ("Re: laporan saya [abcde-23456]", "ABCDE23456"),
        ("Tambahan untuk #ABCDE23456", "ABCDE23456"),
        # Our notifications name the report bare; a reply to one carries it back.
        ("Re: Laporan ABCDE23456: Sedang ditangani", "ABCDE23456"),
        ("Bls: Report ABCDE23456: new comment", "ABCDE23456"),
        # Not a reply: a bare ten-letter word is the title, not an id.
        ("Laporan ABCDE23456 jalan rusak", None),
        # Not our alphabet (O, I, L, U, 0 and 1 are never used) or the wrong length.
        ("Re: [ABCDE2345O]", None),
        ("Re: [ABCDE2345]", None),
        ("Re: KEBAKARANHUTAN di desa kami", None),
    ],
)
def test_the_tracking_id_is_found_in_the_subject(subject, expected):
    assert find_tracking_id(subject) == expected


def test_quoted_replies_and_signatures_are_trimmed():
    text = "Terima kasih, jalannya masih rusak.\n\n--\nBudi\n0812345678\n"
    assert trim_reply(text) == "Terima kasih, jalannya masih rusak."
    gmail = (
        "Sudah saya cek, belum diperbaiki.\n\n"
        "On Mon, 3 Mar 2025 at 10:00, Aduan <noreply@aduan.test>\n"
        "wrote:\n> Laporan Anda sedang ditangani.\n"
    )
    assert trim_reply(gmail) == "Sudah saya cek, belum diperbaiki."
    indonesian = (
        "Masih sama.\n\nPada Sen, 3 Mar 2025 pukul 10.00 Aduan <noreply@aduan.test> menulis:\n"
        "> Laporan Anda sedang ditangani.\n"
    )
    assert trim_reply(indonesian) == "Masih sama."
    outlook = (
        "Belum ada perubahan.\n\n________________________________\n"
        "From: Aduan <noreply@aduan.test>\nSent: Monday\nTo: budi\nSubject: Laporan\n\nIsi lama\n"
    )
    assert trim_reply(outlook) == "Belum ada perubahan."
    outlook_no_line = "Masih rusak.\n\nFrom: Aduan\nSent: Monday\nSubject: x\n\nIsi lama"
    assert trim_reply(outlook_no_line) == "Masih rusak."
    original = "Ok.\n\n-----Original Message-----\nFrom: x\n"
    assert trim_reply(original) == "Ok."
    phone = "Lampu jalan mati.\n\nDikirim dari iPhone saya\n"
    assert trim_reply(phone) == "Lampu jalan mati."
    interleaved = "> Apakah sudah diperbaiki?\nBelum.\n> Kapan terakhir dicek?\nKemarin sore."
    assert trim_reply(interleaved) == "Belum.\nKemarin sore."


def test_a_mail_with_only_html_is_read_as_text_without_markup_or_scripts():
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        "<p>Sampah menumpuk di <b>Pasar Baru</b> &amp; sekitarnya.</p>"
        "<script>alert('x')</script><div>Sudah dua minggu.</div>"
        "<blockquote>Kutipan pesan lama</blockquote></body></html>"
    )
    parsed = parse_mail(raw(mail(text=None, html=html)))
    assert parsed.text == "Sampah menumpuk di Pasar Baru & sekitarnya.\n\nSudah dua minggu."
    assert "alert" not in parsed.text
    assert "color" not in parsed.text
    assert "Kutipan" not in parsed.text


def test_plain_text_is_preferred_over_its_html_alternative():
    parsed = parse_mail(raw(mail(text=BODY, html="<p>versi HTML yang berbeda sekali</p>")))
    assert parsed.text == BODY


def test_html_to_text_keeps_entities_decoded():
    assert html_to_text("a&lt;b &gt; c<br>d") == "a<b > c\nd"


def test_attachments_come_with_names_and_bytes():
    photo = jpeg_with_gps()
    parsed = parse_mail(
        raw(
            mail(
                attachments=[
                    ("foto.jpg", photo, "image/jpeg"),
                    ("catatan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                ]
            )
        )
    )
    assert [(a.name, a.data) for a in parsed.attachments] == [
        ("foto.jpg", photo),
        ("catatan.pdf", b"%PDF-1.4\n%%EOF\n"),
    ]
    assert parsed.text == BODY


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<warga.lists.test>"},
        {"X-Autoreply": "yes"},
    ],
)
def test_automatic_mail_is_recognised(headers):
    assert parse_mail(raw(mail(headers=headers))).auto_generated


def test_a_bounce_from_the_mailer_daemon_is_automatic():
    assert parse_mail(raw(mail(sender="MAILER-DAEMON@mx.warga.test"))).auto_generated


@pytest.mark.parametrize(
    "sender",
    ["", "not an address", "a@b.test, c@d.test", "Budi <budi@localhost>", "<@warga.test>"],
)
def test_no_single_plausible_sender_gives_an_empty_address(sender):
    message = mail()
    del message["From"]
    if sender:
        message["From"] = sender
    assert parse_mail(raw(message)).sender == ""


def test_a_message_without_message_id_is_identified_by_its_bytes():
    message = mail()
    del message["Message-ID"]
    first = parse_mail(raw(message))
    assert first.message_id.startswith("sha256:")
    assert parse_mail(raw(message)).message_id == first.message_id
    assert first.original_message_id == ""


def test_broken_headers_and_charsets_do_not_raise():
    broken = (
        b"From: =?x-unknown?q?Budi?= <budi@warga.test>\r\n"
        b"Subject: =?utf-8?b?!!!notbase64?=\r\n"
        b"Message-ID: <<<>>>\r\n"
        b"Content-Type: text/plain; charset=x-nonexistent\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"@@@ not base64 @@@\r\n"
    )
    parsed = parse_mail(broken)
    assert parsed.sender == "budi@warga.test"
    assert isinstance(parsed.text, str)


def test_the_messages_a_reply_answers_come_from_in_reply_to_and_references():
    message = mail(
        headers={
            "In-Reply-To": "<reply.abc.0123@aduan.test>",
            "References": "<first@warga.test> <notification.x.y@aduan.test>  "
            "<reply.abc.0123@aduan.test>",
        }
    )
    parsed = parse_mail(raw(message))
    assert parsed.references == (
        "<reply.abc.0123@aduan.test>",
        "<first@warga.test>",
        "<notification.x.y@aduan.test>",
    )
    assert parse_mail(raw(mail())).references == ()


def test_references_of_a_hostile_header_are_read_without_raising():
    message = mail(
        headers={
            "References": "<a@b> garbage <<c@d>> <é@x> "
            + " ".join(f"<x{n}@y>" for n in range(5000))
        }
    )
    parsed = parse_mail(raw(message))
    assert parsed.references[:2] == ("<a@b>", "<c@d>")
    assert len(parsed.references) == REFERENCES_MAX


@settings(max_examples=150, deadline=None)
@given(subject=st.text(max_size=300), body=st.text(max_size=2000))
def test_any_subject_and_body_parse_without_crashing(subject, body):
    message = EmailMessage()
    message["From"] = "budi@warga.test"
    try:
        message["Subject"] = subject
    except Exception:  # the builder refuses it (line breaks): send it raw instead
        message["Subject"] = repr(subject)
    message.set_content(body)
    parsed = parse_mail(message.as_bytes(policy=policy.SMTP))
    assert parsed.sender == "budi@warga.test"
    assert "\x00" not in parsed.text
    assert len(parsed.title) <= len(parsed.subject)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000))
def test_any_bytes_parse_without_crashing(data):
    parsed = parse_mail(data)
    assert isinstance(parsed.text, str)
    assert parsed.message_id


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000))
def test_trimming_only_removes(text):
    trimmed = trim_reply(text)
    assert len(trimmed) <= len(text)
    assert not trimmed.startswith((" ", "\n")) or not trimmed
