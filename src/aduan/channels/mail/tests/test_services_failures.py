"""Mail that used to break the intake: the transaction rolled back, the SMTP peer was told
to try again later (451) and IMAP left the message unread, so the same mail failed on
every attempt and nobody was answered."""

from __future__ import annotations

from email import policy

import pytest
from allauth.account.models import EmailAddress

from aduan.accounts.models import User
from aduan.channels.mail.models import MailReply
from aduan.channels.mail.services import mail_receive
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.reports.models import Report, Status
from aduan.reports.tests.factories import ReportFactory

from .conftest import mail

pytestmark = pytest.mark.django_db


def raw(message) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    def run(message) -> InboundMessage:
        with django_capture_on_commit_callbacks(execute=True):
            return mail_receive(raw=raw(message))

    return run


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
