from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.accounts.tests.factories import PASSWORD, AgencyAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.mail.delivery import (
    MAX_ATTEMPTS,
    mail_replies_send_pending,
    mail_reply_deliver,
    reply_message_id,
)
from aduan.channels.mail.models import MailReply, ReplyState
from aduan.channels.mail.services import mail_receive, mail_receive_oversize
from aduan.channels.mail.thread import thread_answers
from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.core.retry import BACKOFF
from aduan.reports.models import Channel, EventAction, Report, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory, pdf_bytes
from aduan.workflow.services import report_comment

from .conftest import BODY, INTAKE, TITLE, jpeg_with_gps, mail, raw, replying_to, sent_about

pytestmark = pytest.mark.django_db


def confirm_link(body: str) -> str:
    match = re.search(r"https://aduan\.test(/akun/\S+)", body)
    assert match, body
    return match.group(1)


# --- New reports ----------------------------------------------------------------------


def test_an_unknown_sender_gets_an_unconfirmed_account_and_an_answer_without_content(
    receive, mailoutbox
):
    message = receive(mail(sender="Budi <Budi@Warga.test>"))
    report = Report.objects.get()
    assert message.status == InboundStatus.ACCEPTED
    assert message.report == report
    assert report.channel == Channel.EMAIL
    assert report.title == TITLE
    assert report.body == BODY
    assert report.anonymous  # a forged From must not put a real name on a report
    assert not report.confidential
    assert report.status == Status.SUBMITTED
    assert report.due_at is not None  # the verification clock runs as for a web report
    user = report.reporter
    assert user.email == "budi@warga.test"
    assert not user.has_usable_password()
    assert not EmailAddress.objects.get(user=user).verified
    identity = ChannelIdentity.objects.get(user=user)
    assert (identity.channel, identity.address, identity.verified_at) == (
        "email",
        "budi@warga.test",
        None,
    )
    [answer] = mailoutbox
    assert answer.to == ["budi@warga.test"]
    assert answer.reply_to == [INTAKE]
    assert answer.subject.startswith(f"[{report.tracking_id}] ")
    assert report.tracking_id in answer.body
    assert "/akun/confirm-email/" in answer.body
    assert "forged" in answer.body
    # Whoever reads this may not be who wrote the report: none of its content.
    assert TITLE not in answer.body + answer.subject
    assert "berlubang" not in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    reply = MailReply.objects.get()
    assert reply.state == ReplyState.SENT
    assert answer.extra_headers["Message-ID"] == reply_message_id(reply)
    assert answer.extra_headers["In-Reply-To"] == message.external_id


def test_the_same_message_delivered_twice_acts_once(receive, mailoutbox):
    message = mail()
    first = receive(message)
    second = receive(message)
    assert second.pk == first.pk
    assert Report.objects.count() == 1
    assert User.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_confirmed_sender_gets_the_report_under_their_account_and_its_details(
    receive, mailoutbox
):
    citizen = UserFactory(email="siti@warga.test", language="en")
    receive(mail(sender="Siti <SITI@warga.test>"))
    report = Report.objects.get()
    assert report.reporter == citizen
    assert report.anonymous
    assert User.objects.count() == 1
    [answer] = mailoutbox
    assert TITLE in answer.body
    assert f"https://aduan.test/lacak/{report.tracking_id}/" in answer.body
    assert "confirm-email" not in answer.body
    assert answer.subject == f"[{report.tracking_id}] Report received"


def test_rahasia_in_the_subject_files_a_confidential_report(receive):
    receive(mail(subject=f"[RAHASIA] {TITLE}"))
    report = Report.objects.get()
    assert report.confidential
    assert report.title == TITLE


@pytest.mark.parametrize(
    ("subject", "text", "problem"),
    [
        ("Jalan", BODY, "Subject: The title needs at least 10 characters."),
        ("J" * 151, BODY, "Subject: The title can have at most 150 characters."),
        (TITLE, "Tolong.", "Message text: Describe what happened in at least 30 characters."),
        (TITLE, "> only a quote of our mail\n-- \nBudi", "Message text:"),
    ],
)
def test_a_mail_that_cannot_be_a_report_is_answered_and_creates_nothing(
    receive, mailoutbox, subject, text, problem
):
    message = receive(mail(subject=subject, text=text))
    assert message.status == InboundStatus.REJECTED
    assert not Report.objects.exists()
    assert not User.objects.exists()  # no account for a message that made nothing
    [answer] = mailoutbox
    assert problem in answer.body
    assert "10 to 150 characters" in answer.body


def test_attachments_are_checked_like_uploads_and_refused_ones_are_listed(
    receive, mailoutbox, settings
):
    settings.ADUAN_ATTACHMENT_MAX_COUNT = 2
    UserFactory(email="budi@warga.test", language="en")
    photo = jpeg_with_gps()
    receive(
        mail(
            attachments=[
                ("foto.jpg", photo, "image/jpeg"),
                ("surat.jpg", b"<html><body>bukan foto</body></html>", "image/jpeg"),
                ("skrip.pdf", pdf_bytes(open_action_js=True), "application/pdf"),
                ("dokumen.pdf", pdf_bytes(author="Budi Santoso"), "application/pdf"),
                ("lagi.pdf", pdf_bytes(), "application/pdf"),
            ]
        )
    )
    report = Report.objects.get()
    stored = list(report.attachments.order_by("id"))
    assert [a.original_name for a in stored] == ["foto.jpg", "dokumen.pdf"]
    data = stored[0].file.read()
    assert data.startswith(b"\xff\xd8")
    assert b"SERIAL-12345" not in data
    assert b"GPS" not in data
    # The PDF went through the same check: parsed, and stored without its author.
    assert b"Budi Santoso" not in stored[1].file.read()
    [answer] = mailoutbox
    assert "These attachments were not accepted:" in answer.body
    assert "surat.jpg is not accepted" in answer.body
    assert "skrip.pdf: the PDF file contains JavaScript, which is not accepted." in answer.body
    assert "lagi.pdf: a report can have at most 2 attachments." in answer.body


def test_submissions_by_mail_share_the_accounts_rate_limit(receive, mailoutbox, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "2/h"
    UserFactory(email="budi@warga.test")
    for _ in range(3):
        receive(mail())
    assert Report.objects.count() == 2
    assert InboundMessage.objects.filter(status=InboundStatus.REJECTED).count() == 1
    assert len(mailoutbox) == 3


def test_a_flood_from_new_addresses_is_limited_per_domain_and_in_all_without_answers(
    receive, mailoutbox, settings
):
    """Each mail from an unknown address makes an account and a public report, and From
    is anyone's to write: a forged flood is cut off, and answered with silence (no
    backscatter to the addresses it names)."""
    settings.ADUAN_MAIL_NEW_SENDER_RATE_DOMAIN = "2/h"
    settings.ADUAN_MAIL_NEW_SENDER_RATE = "4/h"  # every new-sender mail counts, refused too
    for n in range(3):
        receive(mail(sender=f"warga{n}@banjir.test"))
    assert Report.objects.count() == 2
    assert len(mailoutbox) == 2
    refused = InboundMessage.objects.get(status=InboundStatus.REJECTED)
    assert (refused.detail, refused.reply) == ("new senders rate limited", "")
    assert not MailReply.objects.filter(inbound=refused).exists()
    assert not User.objects.filter(email="warga2@banjir.test").exists()
    receive(mail(sender="siti@lain.test"))  # another domain: within the global limit
    receive(mail(sender="andi@lain.test"))  # over the global limit
    assert Report.objects.count() == 3
    # Known accounts are not counted here (they have their own per-account limit).
    UserFactory(email="budi@warga.test")
    receive(mail())
    assert Report.objects.count() == 4


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("budi@warga.test", {"Auto-Submitted": "auto-replied"}),
        ("MAILER-DAEMON@mx.warga.test", {}),
        ("not an address", {}),
        (INTAKE, {}),
        ("noreply@aduan.test", {}),
    ],
)
def test_automatic_or_senderless_mail_is_ignored_without_an_answer(
    receive, mailoutbox, sender, headers
):
    message = receive(mail(sender=sender, headers=headers))
    assert message.status == InboundStatus.IGNORED
    assert not Report.objects.exists()
    assert mailoutbox == []


def test_the_answer_goes_to_the_from_address_never_to_reply_to(receive, mailoutbox):
    receive(mail(sender="budi@warga.test", headers={"Reply-To": "penipu@evil.test"}))
    [answer] = mailoutbox
    assert answer.to == ["budi@warga.test"]
    assert "penipu" not in str(answer.message())


def test_a_deactivated_account_cannot_report_by_mail(receive, mailoutbox):
    UserFactory(email="budi@warga.test", is_active=False, language="en")
    message = receive(mail())
    assert message.status == InboundStatus.REJECTED
    assert not Report.objects.exists()
    assert "belongs to a deactivated account" in mailoutbox[0].body


# --- Replies --------------------------------------------------------------------------


@pytest.fixture
def agency():
    return AgencyFactory()


@pytest.fixture
def citizen():
    return UserFactory(email="siti@warga.test", language="en")


def test_a_reply_to_a_notification_becomes_a_comment(
    receive, mailoutbox, citizen, agency, django_capture_on_commit_callbacks
):
    report = ReportFactory(reporter=citizen, agency=agency, status=Status.IN_PROGRESS)
    staff = AgencyAdminFactory(agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        report_comment(report=report, actor=staff, body="Bisa kirim foto lokasinya?")
    [notification] = mailoutbox
    assert notification.reply_to == [INTAKE]
    reply = mail(
        sender="siti@warga.test",
        subject="Re: " + notification.subject,
        text="Foto terlampir, lokasinya di depan gerbang.\n\nOn Mon, Aduan wrote:\n> Bisa kirim",
        attachments=[("lokasi.jpg", jpeg_with_gps(), "image/jpeg")],
        headers=replying_to(notification.extra_headers["Message-ID"]),
    )
    message = receive(reply)
    assert message.status == InboundStatus.ACCEPTED, message.reply
    event = ReportEvent.objects.filter(report=report).latest("id")
    assert event.action == EventAction.COMMENTED
    assert event.actor == citizen
    assert event.note == "Foto terlampir, lokasinya di depan gerbang."
    assert report.attachments.get().event == event
    assert Report.objects.get(pk=report.pk).status == Status.IN_PROGRESS
    answer = mailoutbox[-1]
    assert answer.subject == f"[{report.tracking_id}] Message added"
    assert f"Your comment was added to report {report.tracking_id}." in answer.body


def test_a_reply_to_a_response_is_the_reporters_answer(receive, mailoutbox, citizen, agency):
    report = ReportFactory(reporter=citizen, agency=agency, status=Status.RESPONDED)
    receive(
        mail(
            sender="siti@warga.test",
            subject=f"Re: [{report.tracking_id}] Report received",
            text="Belum selesai, lubangnya masih ada.",
            headers=replying_to(sent_about(report, citizen)),
        )
    )
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    event = report.events.latest("id")
    assert (event.action, event.actor, event.note) == (
        EventAction.ANSWERED,
        citizen,
        "Belum selesai, lubangnya masih ada.",
    )
    assert "Your answer was added" in mailoutbox[-1].body


@pytest.mark.parametrize("whose", ["someone_else", "missing", "unknown_sender"])
def test_a_reply_about_a_report_that_is_not_the_senders_changes_nothing(
    receive, mailoutbox, citizen, agency, whose
):
    other = ReportFactory(agency=agency, status=Status.IN_PROGRESS)
    tracking_id = "ABCDE23456" if whose == "missing" else other.tracking_id
    sender = "orang.baru@warga.test" if whose == "unknown_sender" else "siti@warga.test"
    events = ReportEvent.objects.count()
    message = receive(
        mail(sender=sender, subject=f"Re: [{tracking_id}]", text="Saya ikut berkomentar.")
    )
    assert message.status == InboundStatus.REJECTED
    assert ReportEvent.objects.count() == events
    assert User.objects.filter(email="orang.baru@warga.test").count() == 0
    [answer] = mailoutbox
    assert f"could not find report {tracking_id}" in answer.body
    assert other.title not in answer.body


def test_a_reply_from_an_unconfirmed_address_is_not_added(receive, mailoutbox, agency):
    receive(mail(sender="budi@warga.test"))
    report = Report.objects.get()
    events = report.events.count()
    message = receive(
        mail(
            sender="budi@warga.test",
            subject=f"Re: [{report.tracking_id}] Laporan diterima",
            text="Saya menambahkan keterangan baru.",
            headers=replying_to(mailoutbox[0].extra_headers["Message-ID"]),
        )
    )
    assert message.status == InboundStatus.REJECTED
    assert message.detail == "unconfirmed sender"
    assert report.events.count() == events
    assert "/akun/confirm-email/" in mailoutbox[-1].body


def test_a_reply_to_a_closed_report_is_answered_with_the_reason(
    receive, mailoutbox, citizen, agency
):
    report = ReportFactory(reporter=citizen, agency=agency, status=Status.CLOSED)
    message = receive(
        mail(
            sender="siti@warga.test",
            subject=f"Re: [{report.tracking_id}]",
            text="Terima kasih.",
            headers=replying_to(sent_about(report, citizen)),
        )
    )
    assert message.status == InboundStatus.REJECTED
    assert "“Comment” is not possible while the report is “Closed”." in mailoutbox[-1].body


def test_a_reply_without_the_thread_reference_is_recorded_logged_and_answered(
    receive, mailoutbox, citizen, agency, caplog
):
    report = ReportFactory(reporter=citizen, agency=agency, status=Status.RESPONDED)
    events = report.events.count()
    message = receive(
        mail(
            sender="siti@warga.test",
            subject=f"Re: [{report.tracking_id}] Report received",
            text="Belum selesai, lubangnya masih ada.",
            attachments=[("lokasi.jpg", jpeg_with_gps(), "image/jpeg")],
        )
    )
    assert (message.status, message.detail, message.report) == (
        InboundStatus.REJECTED,
        "reply without a valid thread reference",
        report,
    )
    report.refresh_from_db()
    assert report.status == Status.RESPONDED
    assert report.events.count() == events
    assert not report.attachments.exists()
    [logged] = [r for r in caplog.records if r.name == "aduan.channels.mail.services"]
    assert logged.levelname == "WARNING"
    assert report.tracking_id in logged.getMessage()
    assert "reply without a valid thread reference" in logged.getMessage()
    [answer] = mailoutbox
    assert answer.to == ["siti@warga.test"]
    assert "If you did not write to us, ignore this message." in answer.body
    assert message.reply == answer.body
    # The answer is about the report to its reporter: replying to it is the way in.
    assert thread_answers(
        references=[answer.extra_headers["Message-ID"]], report_id=report.pk, sender_id=citizen.pk
    )


def test_answers_carry_the_thread_tag_only_about_the_senders_own_report(
    receive, mailoutbox, citizen, agency
):
    receive(mail(sender="siti@warga.test"))
    report = Report.objects.get()
    other = ReportFactory(agency=agency, status=Status.IN_PROGRESS)
    receive(mail(sender="siti@warga.test", subject=f"Re: [{other.tracking_id}]"))
    received, refused = (m.extra_headers["Message-ID"] for m in mailoutbox)
    assert received == MailReply.objects.get(inbound__report=report).message_id
    assert thread_answers(references=[received], report_id=report.pk, sender_id=citizen.pk)
    for report_id, user_id in [(other.pk, citizen.pk), (other.pk, other.reporter_id)]:
        assert not thread_answers(references=[refused], report_id=report_id, sender_id=user_id)
    assert refused.count(".") == 2  # <reply.{digest}@aduan.test>: no tag at all


def test_an_answer_written_before_tags_existed_keeps_its_old_message_id(receive, mailoutbox):
    receive(mail())
    reply = MailReply.objects.get()
    MailReply.objects.filter(pk=reply.pk).update(message_id="")
    reply.refresh_from_db()
    digest = hashlib.sha256(f"mail-reply:{reply.inbound_id}".encode()).hexdigest()[:40]
    assert reply_message_id(reply) == f"<reply.{digest}@aduan.test>"


# --- Confirming the address -----------------------------------------------------------


def _password_by_reset(client, mailoutbox, address: str, password: str) -> None:
    """allauth's "Forgot password": the link goes to ``address``, the form sets it."""
    mailoutbox.clear()
    client.post(reverse("account_reset_password"), {"email": address})
    [reset] = mailoutbox
    reset_path = re.search(r"https?://[^/]+(/\S+)", reset.body).group(1)
    form_path = client.get(reset_path, follow=True).redirect_chain[-1][0]
    client.post(form_path, {"password1": password, "password2": password})


def test_confirming_the_link_opens_the_account_and_the_report(receive, mailoutbox, client):
    receive(mail(sender="budi@warga.test", subject=f"[RAHASIA] {TITLE}"))
    report = Report.objects.get()
    user = report.reporter
    link = confirm_link(mailoutbox[0].body)
    track = reverse("web:track_detail", args=[report.tracking_id])
    password = "Kata-Sandi-Baru-99"

    # Before confirming: even with a password (reset mails do reach the address), the
    # sign-in stops at "confirm your address" and the report stays hidden.
    assert client.get(track).status_code == 404
    _password_by_reset(client, mailoutbox, "budi@warga.test", password)
    assert User.objects.get(pk=user.pk).check_password(password)
    client.post(reverse("account_login"), {"login": "budi@warga.test", "password": password})
    assert "_auth_user_id" not in client.session
    assert client.get(track).status_code == 404

    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    assert ChannelIdentity.objects.get(user=user).verified_at is not None

    # After confirming, "Forgot password" gives the account a password that signs in.
    _password_by_reset(client, mailoutbox, "budi@warga.test", password)
    assert client.login(email="budi@warga.test", password=password)
    page = client.get(track)
    assert page.status_code == 200
    assert TITLE in page.content.decode()


def test_confirming_another_account_s_address_leaves_this_identity_unconfirmed(receive, client):
    receive(mail(sender="budi@warga.test"))
    other = UserFactory(email="lain@warga.test", password=PASSWORD)
    address = EmailAddress.objects.get(user=other)
    EmailAddress.objects.filter(pk=address.pk).update(verified=False)
    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    assert EmailAddress.objects.get(pk=address.pk).verified
    assert ChannelIdentity.objects.get().verified_at is None


# --- Oversize and delivery ------------------------------------------------------------


def test_an_oversize_mail_is_answered_from_its_headers(
    mailoutbox, django_capture_on_commit_callbacks
):
    big = raw(mail(attachments=[("besar.pdf", b"%PDF-" + b"x" * 3_000_000, "application/pdf")]))
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_receive(raw=big)
    assert message.status == InboundStatus.REJECTED
    assert message.detail.startswith("too large")
    assert not Report.objects.exists()
    [answer] = mailoutbox
    assert answer.to == ["budi@warga.test"]
    assert "too large" in answer.subject
    assert "more than the 2.0\xa0MB we accept" in answer.body
    with django_capture_on_commit_callbacks(execute=True):
        again = mail_receive_oversize(headers=big[: big.index(b"\r\n\r\n") + 4], size=len(big))
    assert again.pk == message.pk
    assert len(mailoutbox) == 1


def test_a_refused_answer_is_retried_then_given_up(receive, settings, monkeypatch):
    calls = []

    def refuse(self, fail_silently=False):
        calls.append(self)
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(django_mail.EmailMessage, "send", refuse)
    receive(mail())
    reply = MailReply.objects.get()
    assert reply.state == ReplyState.PENDING
    assert reply.attempts == 1
    assert "smtp down" in reply.last_error
    assert reply.next_attempt_at > reply.created_at
    # Not due yet: the sweep leaves it.
    assert mail_replies_send_pending() == {}
    for attempt in range(2, MAX_ATTEMPTS + 1):
        MailReply.objects.filter(pk=reply.pk).update(next_attempt_at=reply.created_at)
        outcome = mail_replies_send_pending()
        assert outcome == ({"failed": 1} if attempt == MAX_ATTEMPTS else {"retry": 1})
    assert MailReply.objects.get().state == ReplyState.FAILED
    assert len(calls) == MAX_ATTEMPTS
    # Every attempt is the same e-mail: one Message-ID, recognisable as a duplicate.
    assert {call.extra_headers["Message-ID"] for call in calls} == {reply.message_id}
    assert mail_reply_deliver(reply_id=reply.pk) == "not_claimed"


def test_a_refused_answer_waits_on_the_projects_retry_schedule(receive, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(django_mail.EmailMessage, "send", refuse)
    start = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        receive(mail())
        reply = MailReply.objects.get()
        for wait in BACKOFF:
            assert reply.state == ReplyState.PENDING
            assert reply.next_attempt_at == timezone.now() + wait
            traveller.move_to(reply.next_attempt_at - dt.timedelta(seconds=1))
            assert mail_replies_send_pending() == {}  # not due yet
            traveller.move_to(reply.next_attempt_at)
            outcome = mail_replies_send_pending()
            reply.refresh_from_db()
        assert outcome == {"failed": 1}
        assert (reply.state, reply.attempts) == (ReplyState.FAILED, MAX_ATTEMPTS)
        assert timezone.now() == start + sum(BACKOFF, dt.timedelta())
