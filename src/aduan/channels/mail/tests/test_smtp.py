"""End to end: the real aiosmtpd listener on a loopback port, real mail through smtplib.

The listener handles mail in its own threads with their own database connections, so
these tests commit (``transaction=True``); the answers land in Django's locmem outbox.
"""

from __future__ import annotations

import re
import smtplib
import socket
from dataclasses import dataclass
from email import policy

import pytest
from allauth.account.models import EmailAddress
from django.core import mail as django_mail
from django.core.mail import EmailMessage
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tests.factories import AgencyAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.mail.management.commands.mail_intake import host_port
from aduan.channels.mail.smtp import smtp_controller
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.reports.models import Channel, EventAction, Report, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

from .conftest import BODY, INTAKE, TITLE, jpeg_with_gps, mail, replying_to

ANSWER = "Belum selesai, lubangnya masih ada."

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def listener(settings):
    controller = smtp_controller(host="127.0.0.1", port=free_port())
    controller.start()
    django_mail.outbox = []
    yield controller
    controller.stop()


def send(listener, message, *, to: str = INTAKE) -> dict:
    with smtplib.SMTP(listener.hostname, listener.port, timeout=30) as client:
        return client.send_message(message, to_addrs=[to])


def answers() -> list:
    """The answers sent so far. Each is sent when its transaction commits, before the
    listener says 250, so it is there as soon as ``send`` returns."""
    return django_mail.outbox


def test_a_plain_mail_becomes_a_report_in_the_queue(listener):
    assert send(listener, mail()) == {}
    report = Report.objects.get()
    assert (report.channel, report.status, report.title, report.body) == (
        Channel.EMAIL,
        Status.SUBMITTED,
        TITLE,
        BODY,
    )
    assert report.due_at is not None
    [answer] = answers()
    assert answer.to == ["budi@warga.test"]
    assert report.tracking_id in answer.subject


def test_an_html_only_mail_is_read_as_text(listener):
    send(listener, mail(text=None, html=f"<p>{BODY}</p><script>x()</script>"))
    assert Report.objects.get().body == BODY


def test_a_photo_loses_its_gps_and_a_disguised_file_is_refused(listener):
    UserFactory(email="budi@warga.test", language="en")
    send(
        listener,
        mail(
            attachments=[
                ("foto.jpg", jpeg_with_gps(), "image/jpeg"),
                ("foto2.jpg", b"<html><script>x()</script></html>", "image/jpeg"),
            ]
        ),
    )
    report = Report.objects.get()
    [photo] = report.attachments.all()
    data = photo.file.read()
    assert data.startswith(b"\xff\xd8")
    assert b"SERIAL-12345" not in data
    assert b"KameraMerek" not in data
    [answer] = answers()
    assert "foto2.jpg is not accepted" in answer.body


def test_mail_for_another_recipient_is_refused_with_550(listener):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener, mail(), to="someone@elsewhere.test")
    code, text = refused.value.recipients["someone@elsewhere.test"]
    assert code == 550
    assert b"No such recipient" in text
    assert not InboundMessage.objects.exists()


def test_an_oversize_mail_declared_by_size_is_refused_with_552(listener, settings):
    big = mail(attachments=[("besar.pdf", b"%PDF-" + b"x" * 2_200_000, "application/pdf")])
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(listener, big)
    assert refused.value.smtp_code == 552
    assert b"Message too large: at most 2.0" in refused.value.smtp_error
    assert not InboundMessage.objects.exists()
    assert not Report.objects.exists()


def test_an_oversize_mail_without_a_declared_size_is_refused_after_data(listener):
    big = mail(attachments=[("besar.pdf", b"%PDF-" + b"x" * 2_200_000, "application/pdf")])
    with smtplib.SMTP(listener.hostname, listener.port, timeout=30) as client:
        client.ehlo()
        assert client.mail("budi@warga.test")[0] == 250  # no SIZE= given
        assert client.rcpt(INTAKE)[0] == 250
        code, text = client.data(big.as_bytes(policy=policy.SMTP))
    assert code == 552
    assert b"Message too large" in text
    assert not Report.objects.exists()


# --- Replies: only an answer to an e-mail we sent acts on a report -------------------------


@dataclass
class Thread:
    """A citizen's report that an agency answered by e-mail, and the e-mails around it."""

    listener: object
    citizen: User
    report: Report  # responded: the citizen's reply is their answer
    response: EmailMessage  # the response notification the citizen received
    to_staff: EmailMessage  # the staff's notification about the citizen's comment
    other_report: EmailMessage  # a notification to the citizen about another report


def _sent(to: str, tracking_id: str) -> EmailMessage:
    [sent] = [m for m in answers() if m.to == [to] and tracking_id in m.subject]
    return sent


@pytest.fixture
def thread(listener) -> Thread:
    agency = AgencyFactory()
    staff = AgencyAdminFactory(agency=agency, email="petugas@pemda.test")
    citizen = UserFactory(email="siti@warga.test", language="en")
    report = ReportFactory(reporter=citizen, agency=agency, status=Status.IN_PROGRESS)
    other = ReportFactory(reporter=citizen, agency=agency, status=Status.IN_PROGRESS)
    # Each action commits, and its notification e-mails go out on commit.
    wf.report_comment(report=report, actor=citizen, body="Lubangnya makin dalam.")
    wf.report_respond(report=report, actor=staff, body="Tim kami sudah menambal lubangnya.")
    wf.report_comment(report=other, actor=staff, body="Mohon kirim foto lokasinya.")
    return Thread(
        listener=listener,
        citizen=citizen,
        report=Report.objects.get(pk=report.pk),
        response=_sent("siti@warga.test", report.tracking_id),
        to_staff=_sent("petugas@pemda.test", report.tracking_id),
        other_report=_sent("siti@warga.test", other.tracking_id),
    )


def reply(to: EmailMessage, *, in_reply_to: str | None, text: str) -> EmailMessage:
    """What a mail program sends when Siti answers ``to``: its subject, and its
    Message-ID in In-Reply-To and References (or ``in_reply_to`` instead)."""
    return mail(
        sender="Siti <siti@warga.test>",
        subject="Re: " + to.subject,
        text=f"{text}\n\n-- \nSiti",
        headers=replying_to(in_reply_to) if in_reply_to else {},
    )


def test_a_reply_to_the_response_e_mail_is_the_reporters_answer(thread):
    assert thread.report.status == Status.RESPONDED
    message_id = thread.response.extra_headers["Message-ID"]
    send(thread.listener, reply(thread.response, in_reply_to=message_id, text=ANSWER))
    report = Report.objects.get(pk=thread.report.pk)
    assert report.status == Status.IN_PROGRESS
    event = report.events.latest("id")
    assert (event.action, event.actor_id, event.note) == (
        EventAction.ANSWERED,
        thread.citizen.pk,
        ANSWER,
    )
    assert InboundMessage.objects.get().status == InboundStatus.ACCEPTED
    assert "Your answer was added" in answers()[-1].body


def test_a_reply_naming_our_e_mail_only_in_references_is_accepted(thread):
    """Some mail programs answer a message further up the thread: the References list
    still names the e-mail we sent."""
    message = reply(thread.response, in_reply_to=None, text=ANSWER)
    message["In-Reply-To"] = "<their-own.42@warga.test>"
    message["References"] = (
        f"<first.1@warga.test> {thread.response.extra_headers['Message-ID']} "
        "<their-own.42@warga.test>"
    )
    send(thread.listener, message)
    assert Report.objects.get(pk=thread.report.pk).status == Status.IN_PROGRESS


def _made_up(thread: Thread) -> str:
    ours = thread.response.extra_headers["Message-ID"]
    prefix, _tag = ours.split("@")[0].rsplit(".", 1)
    return f"{prefix}.{'0123456789abcdef' * 2}@aduan.test>"


@pytest.mark.parametrize(
    "in_reply_to",
    [
        pytest.param(lambda t: None, id="no-thread-headers"),
        pytest.param(lambda t: t.other_report.extra_headers["Message-ID"], id="another-report"),
        pytest.param(lambda t: t.to_staff.extra_headers["Message-ID"], id="another-recipient"),
        pytest.param(_made_up, id="made-up-tag"),
        pytest.param(
            lambda t: t.response.extra_headers["Message-ID"].replace(".", ". ", 1),
            id="mangled",
        ),
    ],
)
def test_a_reply_without_our_thread_reference_changes_nothing(thread, in_reply_to):
    """The From line and the tracking id are what a forger has: the mail is refused, the
    report stays as it was, and the answer (to the real owner of the address) says how
    to add to the report."""
    events = thread.report.events.count()
    sent = len(answers())
    forged = reply(thread.response, in_reply_to=in_reply_to(thread), text=ANSWER)
    assert send(thread.listener, forged) == {}
    report = Report.objects.get(pk=thread.report.pk)
    assert report.status == Status.RESPONDED
    assert report.events.count() == events
    received = InboundMessage.objects.get()
    assert received.status == InboundStatus.REJECTED
    assert received.detail == "reply without a valid thread reference"
    [answer] = answers()[sent:]
    assert answer.to == ["siti@warga.test"]
    assert answer.subject == f"[{report.tracking_id}] Your message could not be added"
    assert (
        f"To add to report {report.tracking_id}, reply to one of the e-mails we sent you "
        "about it" in answer.body
    )
    assert f"https://aduan.test/lacak/{report.tracking_id}/" in answer.body
    assert ANSWER not in answer.body


def test_the_refusal_can_itself_be_answered_to_add_the_message(thread):
    """Our answer is an e-mail about the report to the reporter: it carries the tag too."""
    send(thread.listener, reply(thread.response, in_reply_to=None, text=ANSWER))
    assert Report.objects.get(pk=thread.report.pk).status == Status.RESPONDED
    refusal = answers()[-1]
    send(
        thread.listener,
        reply(refusal, in_reply_to=refusal.extra_headers["Message-ID"], text=ANSWER),
    )
    assert Report.objects.get(pk=thread.report.pk).status == Status.IN_PROGRESS


def test_a_reply_to_the_report_received_answer_becomes_a_comment(listener):
    UserFactory(email="budi@warga.test", language="en")
    send(listener, mail())
    report = Report.objects.get()
    [received] = answers()
    send(
        listener,
        mail(
            subject="Re: " + received.subject,
            text="Lubangnya sekarang sudah dua.",
            headers=replying_to(received.extra_headers["Message-ID"]),
        ),
    )
    event = report.events.latest("id")
    assert (event.action, event.note) == (EventAction.COMMENTED, "Lubangnya sekarang sudah dua.")


def test_the_same_message_sent_twice_makes_one_report(listener):
    message = mail()
    send(listener, message)
    send(listener, message)
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(answers()) == 1


def test_an_unknown_sender_confirms_by_link_before_seeing_the_report(listener, client):
    send(listener, mail(sender="baru@warga.test", subject=f"[RAHASIA] {TITLE}"))
    report = Report.objects.get()
    [answer] = answers()
    assert TITLE not in answer.body
    track = reverse("web:track_detail", args=[report.tracking_id])
    assert client.get(track).status_code == 404
    link = re.search(r"https://aduan\.test(/akun/confirm-email/\S+)", answer.body).group(1)
    client.post(link)
    user = report.reporter
    assert EmailAddress.objects.get(user=user).verified
    user.set_password("Kata-Sandi-Baru-99")
    user.save()
    assert client.login(email="baru@warga.test", password="Kata-Sandi-Baru-99")
    assert client.get(track).status_code == 200


def test_a_crash_while_handling_asks_the_sender_to_retry(listener, monkeypatch):
    from aduan.channels.mail import services

    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services, "report_submit", broken)
    with pytest.raises(smtplib.SMTPDataError) as failed:
        send(listener, mail())
    assert failed.value.smtp_code == 451
    # Nothing half-made: not even the message record, so the retry is handled afresh.
    assert not InboundMessage.objects.exists()
    monkeypatch.undo()
    message = mail()
    send(listener, message)
    assert InboundMessage.objects.get().status == InboundStatus.ACCEPTED


@pytest.mark.parametrize("value", ["2525", "host:", ":2525", "host:70000", "host:x"])
def test_the_command_refuses_a_bad_address(value):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="HOST:PORT"):
        host_port(value)


def test_the_command_reads_host_and_port():
    assert host_port("[::1]:2525") == ("::1", 2525)
    assert host_port("0.0.0.0:25") == ("0.0.0.0", 25)  # noqa: S104
