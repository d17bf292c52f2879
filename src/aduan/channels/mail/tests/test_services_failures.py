"""Mail that used to break the intake: the transaction rolled back, the SMTP peer was told
to try again later (451) and IMAP left the message unread, so the same mail failed on
every attempt and nobody was answered."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from conftest import files_under

from aduan.accounts.models import User
from aduan.accounts.tests.factories import UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.mail import services
from aduan.channels.mail.models import MailReply
from aduan.channels.mail.services import mail_receive
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.reports.models import Attachment, Report, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory

from .conftest import jpeg_with_gps, mail, raw, replying_to, sent_about

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_without_allauth_address(db) -> User:
    """An account whose address is only ``User.email``: made with ``createsuperuser`` or
    by a script, never through allauth, so it has no ``EmailAddress`` row."""
    user = User.objects.create_superuser(email="admin@pemda.test", password="x" * 20, language="en")
    assert not EmailAddress.objects.filter(user=user).exists()
    return user


def test_a_new_report_from_an_account_without_an_allauth_address_is_answered(
    receive, mailoutbox, account_without_allauth_address
):
    message = receive(mail(sender="Admin <Admin@Pemda.test>"))
    assert message.status == InboundStatus.ACCEPTED
    report = Report.objects.get()
    assert report.reporter == account_without_allauth_address
    assert report.anonymous
    [answer] = mailoutbox
    assert answer.to == ["admin@pemda.test"]
    # Unproven, like any unconfirmed address: a link to confirm it, nothing of the report.
    assert "/akun/" in answer.body
    assert report.title not in answer.body
    address = EmailAddress.objects.get(user=account_without_allauth_address)
    assert (address.email, address.verified) == ("admin@pemda.test", False)


def test_a_reply_from_an_account_without_an_allauth_address_is_refused_politely(
    receive, mailoutbox, account_without_allauth_address
):
    report = ReportFactory(reporter=account_without_allauth_address, status=Status.IN_PROGRESS)
    events = report.events.count()
    message = receive(
        mail(sender="admin@pemda.test", subject=f"Re: [{report.tracking_id}] Report received")
    )
    assert message.status == InboundStatus.REJECTED
    assert message.detail == "unconfirmed sender"
    assert report.events.count() == events
    [answer] = mailoutbox
    assert "not confirmed" in answer.body
    assert MailReply.objects.get().inbound == message


# --- A rollback after the files were stored -------------------------------------------


@pytest.fixture
def answer_write_fails(monkeypatch):
    """The last write of the message's transaction fails (the database went away)."""

    def fail(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services.MailReply.objects, "create", fail)


@pytest.mark.django_db(transaction=True)
def test_a_new_report_rolled_back_at_the_end_leaves_no_photo_behind(
    disk_storage, answer_write_fails
):
    photo = [("jalan.jpg", jpeg_with_gps(), "image/jpeg")]
    with pytest.raises(RuntimeError, match="database away"):
        mail_receive(raw=raw(mail(attachments=photo)))
    assert not Report.objects.exists()
    assert not Attachment.objects.exists()
    assert not InboundMessage.objects.exists()  # the retry starts afresh
    assert files_under(disk_storage) == []


@pytest.mark.django_db(transaction=True)
def test_a_comment_rolled_back_at_the_end_leaves_no_photo_behind(disk_storage, monkeypatch):
    citizen = UserFactory(email="siti@warga.test", language="en")
    commented = ReportFactory(reporter=citizen, agency=AgencyFactory(), status=Status.IN_PROGRESS)
    answered = ReportFactory(reporter=citizen, agency=AgencyFactory(), status=Status.RESPONDED)
    before = ReportEvent.objects.count()

    def fail(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services.MailReply.objects, "create", fail)
    photo = [("lubang.jpg", jpeg_with_gps(), "image/jpeg")]
    for report in (commented, answered):
        message = mail(
            sender="siti@warga.test",
            subject=f"Re: [{report.tracking_id}] Report received",
            text="Lubangnya makin besar setelah hujan semalam.",
            attachments=photo,
            headers=replying_to(sent_about(report, citizen)),
        )
        with pytest.raises(RuntimeError, match="database away"):
            mail_receive(raw=raw(message))
    assert ReportEvent.objects.count() == before
    assert not Attachment.objects.exists()
    assert files_under(disk_storage) == []
