"""The notification channel "sms": who it reaches, what it says, and delivery through a
real smsbox's sendsms interface (and through peers that fail)."""

from __future__ import annotations

import socket
import threading

import pytest
from django.utils import translation

from aduan.accounts.tests.factories import UserFactory
from aduan.channels.services import identity_user
from aduan.channels.sms import gsm
from aduan.channels.sms.sender import SmsChannel, sms_text
from aduan.notifications.delivery import notification_deliver
from aduan.notifications.models import Notification, NotificationState
from aduan.reports.models import Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

from .conftest import E164, indonesian
from .kannel import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_settings")]

CHANNEL = SmsChannel()
SENDSMS = "http://127.0.0.1:13013/cgi-bin/sendsms"


@pytest.fixture
def sms_user(db):
    return identity_user(channel="sms", address=E164)


@pytest.fixture
def sms_report(sms_user):
    return ReportFactory(
        reporter=sms_user, status=Status.SUBMITTED, confidential=False, agency=None
    )


def sms_rows(report):
    return Notification.objects.filter(report=report, channel="sms")


# --- Who --------------------------------------------------------------------------------


def test_an_sms_only_account_is_reachable(settings, sms_user):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    assert CHANNEL.reachable([sms_user]) == {sms_user.pk}


def test_nobody_is_reachable_while_sendsms_is_not_configured(sms_user):
    assert CHANNEL.reachable([sms_user]) == set()


def test_not_a_web_account_nor_a_claimed_or_deactivated_one(settings, sms_user):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    web_user = UserFactory(phone="+6281311112222")  # a typed number proves nothing
    claimed = identity_user(channel="sms", address="+6281399998888")
    claimed.email = "klaim@example.id"
    claimed.save()
    inactive = identity_user(channel="sms", address="+6281377776666")
    inactive.is_active = False
    inactive.save()
    moved = identity_user(channel="sms", address="+6281355554444")
    moved.phone = "+6281355550000"  # the number on the account is not the proven one
    moved.save()
    assert CHANNEL.reachable([web_user, claimed, inactive, moved, sms_user]) == {sms_user.pk}


def test_web_accounts_cost_no_query(settings, django_assert_num_queries):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    users = UserFactory.create_batch(3)
    with django_assert_num_queries(0):
        assert CHANNEL.reachable(users) == set()


def test_a_status_change_writes_an_sms_row_for_the_sms_reporter_only(settings, sms_report):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    web_report = ReportFactory(status=Status.SUBMITTED)
    for report in (sms_report, web_report):
        wf.report_hold(report=report, actor=_admin(), question="Di kelurahan mana lokasinya?")
    row = sms_rows(sms_report).get()
    assert (row.recipient, row.kind, row.state) == (
        sms_report.reporter,
        "status_changed",
        NotificationState.PENDING,
    )
    assert not sms_rows(web_report).exists()


def _admin():
    from aduan.accounts.tests.factories import NationalAdminFactory

    return NationalAdminFactory()


# --- What -------------------------------------------------------------------------------


def test_the_text_carries_the_question_and_how_to_answer(settings, sms_report):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    wf.report_hold(report=sms_report, actor=_admin(), question="Di kelurahan mana lokasinya?")
    text = sms_text(sms_rows(sms_report).get())
    with translation.override("id"):
        on_hold = str(Status.ON_HOLD.label)
    assert sms_report.tracking_id in text
    assert on_hold in text
    assert "Di kelurahan mana lokasinya?" in text
    assert text.endswith(indonesian("Answer: BALAS %(id)s [message]", id=sms_report.tracking_id))


def test_a_long_note_is_cut_to_two_parts(settings, sms_report):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    wf.report_hold(report=sms_report, actor=_admin(), question="Mohon jelaskan lokasinya. " * 40)
    text = sms_text(sms_rows(sms_report).get())
    assert gsm.is_gsm(text)
    assert gsm.budget(1) < gsm.septets(text) <= gsm.budget(2)
    assert "..." in text


def test_a_confidential_report_keeps_its_text_off_the_sms(settings, sms_report):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    sms_report.confidential = True
    sms_report.save()
    wf.report_hold(report=sms_report, actor=_admin(), question="Siapa nama pelaku yang Anda lihat?")
    text = sms_text(sms_rows(sms_report).get())
    assert "pelaku" not in text
    assert sms_report.tracking_id in text


# --- How: a real smsbox -----------------------------------------------------------------


def _through(settings, kannel, password=None):
    settings.ADUAN_KANNEL_SENDSMS_URL = kannel.sendsms_url
    settings.ADUAN_KANNEL_SENDSMS_USER = "aduan"
    settings.ADUAN_KANNEL_SENDSMS_PASSWORD = password or kannel.sendsms_password


def test_delivered_through_kannel_sendsms_to_the_phone(settings, sendsms_kannel, sms_report):
    _through(settings, sendsms_kannel)
    phones = sendsms_kannel.phones(count=0)
    try:
        sendsms_kannel.wait_until(sendsms_kannel.smsc_online, "fakesmsc connected")
        wf.report_hold(report=sms_report, actor=_admin(), question="Di kelurahan mana lokasinya?")
        row = sms_rows(sms_report).get()
        assert notification_deliver(notification_id=row.pk) == "sent"
        [received] = phones.wait_for(1)
    finally:
        phones.stop()
    assert (received.sender, received.receiver) == ("1708", E164)
    assert received.text == sms_text(row)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (NotificationState.SENT, 1)
    # Never twice: the row is done, a second delivery attempt claims nothing.
    assert notification_deliver(notification_id=row.pk) == "not_claimed"


def test_kannel_refusing_the_credentials_is_retried(settings, sendsms_kannel, sms_report):
    _through(settings, sendsms_kannel, password="wrong-password")
    wf.report_hold(report=sms_report, actor=_admin(), question="Di kelurahan mana lokasinya?")
    row = sms_rows(sms_report).get()
    assert notification_deliver(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING
    assert "Authorization failed" in row.last_error
    assert row.next_attempt_at > row.created_at


def test_kannel_not_running_is_a_clean_retry(settings, sms_report):
    settings.ADUAN_KANNEL_SENDSMS_URL = f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"
    wf.report_hold(report=sms_report, actor=_admin(), question="Di kelurahan mana lokasinya?")
    row = sms_rows(sms_report).get()
    assert notification_deliver(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert (row.state, row.send_started_at) == (NotificationState.PENDING, None)
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error


def test_no_answer_after_sending_is_never_sent_again(settings, sms_report):
    """A peer that takes the request and hangs up: Kannel may have queued the SMS."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def take_and_hang_up():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)

    thread = threading.Thread(target=take_and_hang_up, daemon=True)
    thread.start()
    settings.ADUAN_KANNEL_SENDSMS_URL = (
        f"http://127.0.0.1:{listener.getsockname()[1]}/cgi-bin/sendsms"
    )
    try:
        wf.report_hold(report=sms_report, actor=_admin(), question="Di kelurahan mana lokasinya?")
        row = sms_rows(sms_report).get()
        assert notification_deliver(notification_id=row.pk) == "skipped"
    finally:
        thread.join(timeout=10)
        listener.close()
    row.refresh_from_db()
    assert row.state == NotificationState.SKIPPED
    assert row.send_started_at is not None
    assert "no answer from Kannel" in row.last_error
