"""Mail builders and the intake settings for the e-mail channel's tests."""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from PIL import Image

from aduan.channels.mail.thread import thread_message_id

INTAKE = "lapor@aduan.test"
TITLE = "Jalan berlubang di depan SDN 3 Cibeunying"
BODY = (
    "Sudah tiga bulan jalan di depan sekolah berlubang besar. Anak-anak harus turun ke "
    "jalan raya untuk lewat. Mohon segera diperbaiki."
)


@pytest.fixture(autouse=True)
def _intake(settings):
    settings.ADUAN_MAIL_INTAKE_ADDRESS = [INTAKE]
    settings.ADUAN_MAIL_MAX_BYTES = 2 * 1024 * 1024
    settings.SITE_URL = "https://aduan.test"
    settings.DEFAULT_FROM_EMAIL = "Aduan <noreply@aduan.test>"
    # Answers to unknown senders are in the site's language; the tests read English.
    settings.LANGUAGE_CODE = "en"


def mail(
    *,
    sender: str = "Budi Santoso <budi@warga.test>",
    subject: str = TITLE,
    text: str | None = BODY,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = INTAKE
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="warga.test")
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def replying_to(message_id: str) -> dict[str, str]:
    """The headers a mail program writes when answering the e-mail ``message_id``."""
    return {"In-Reply-To": message_id, "References": message_id}


def sent_about(report, recipient) -> str:
    """The Message-ID of an e-mail Aduan sent about ``report`` to ``recipient``, for tests
    whose report comes from a factory (so no real e-mail about it exists to answer)."""
    return thread_message_id(
        kind="notification",
        key=f"test:{report.pk}:{recipient.pk}",
        report_id=report.pk,
        recipient_id=recipient.pk,
    )


def jpeg_with_gps() -> bytes:
    """A real JPEG whose EXIF block carries a GPS position and a camera serial number."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraMerek"  # Make
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = (6.0, 54.0, 0.0)
    gps[3] = "E"
    gps[4] = (107.0, 36.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(0x8825)) or b"SERIAL-12345" in data


def raw(message) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Receive a message as the intake does, and run what it queued on commit."""
    from aduan.channels.mail.services import mail_receive

    def run(message):
        with django_capture_on_commit_callbacks(execute=True):
            return mail_receive(raw=raw(message))

    return run
