"""The notification channel "sms": who it reaches, what it says, and delivery through a
real smsbox's sendsms interface (and through peers that fail)."""

from __future__ import annotations

import socket
import threading

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from aduan.accounts.tests.factories import UserFactory
from aduan.channels.models import ChannelIdentity
from aduan.channels.services import identity_user
from aduan.channels.sms import gsm
from aduan.channels.sms.sender import SmsChannel, sms_text
from aduan.notifications.delivery import notification_deliver, notifications_deliver_pending
from aduan.notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationState,
)
from aduan.notifications.selectors import preference_table
from aduan.notifications.services import preference_set
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


def test_only_a_proven_number_of_an_active_account(settings, sms_user):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    web_user = UserFactory(phone="+6281311112222")  # a typed number proves nothing
    inactive = identity_user(channel="sms", address="+6281377776666")
    inactive.is_active = False
    inactive.save()
    unproven = UserFactory()
    ChannelIdentity.objects.create(
        channel="sms", address="+6281366665555", user=unproven, verified_at=None
    )
    assert CHANNEL.reachable([web_user, inactive, unproven, sms_user]) == {sms_user.pk}


def test_the_proven_number_is_used_not_the_typed_one(settings, sms_user):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    sms_user.phone = "+6281355550000"
    sms_user.save()
    assert CHANNEL._numbers([sms_user]) == {sms_user.pk: E164}


def test_one_query_for_any_number_of_users(settings, django_assert_num_queries):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    users = [identity_user(channel="sms", address=f"+62813000000{i:02d}") for i in range(5)]
    users += UserFactory.create_batch(3)
    with django_assert_num_queries(1):
        assert CHANNEL.reachable(users) == {user.pk for user in users[:5]}


def test_sms_is_on_by_default_only_for_accounts_without_e_mail(settings, sms_user):
    """An SMS-only reporter has no other way to hear back; a web user who linked a number
    also gets e-mail and chooses SMS (which costs money) per kind."""
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    linked = UserFactory()
    ChannelIdentity.objects.create(
        channel="sms", address="+6281344443333", user=linked, verified_at=timezone.now()
    )
    assert CHANNEL.enabled_by_default(sms_user) is True
    assert CHANNEL.enabled_by_default(linked) is False
    kind = NotificationKind.STATUS_CHANGED
    report = ReportFactory(reporter=linked, status=Status.SUBMITTED, agency=None)
    wf.report_hold(report=report, actor=_admin(), question="Di kelurahan mana lokasinya?")
    assert not sms_rows(report).exists()
    preference_set(user=linked, kind=kind, channel="sms", enabled=True)
    wf.report_answer(report=report, actor=linked, body="Di Kelurahan Sukajadi, dekat pasar.")
    wf.report_hold(report=report, actor=_admin(), question="Sejak kapan kejadiannya?")
    assert sms_rows(report).get().kind == kind


def test_the_settings_page_offers_sms_only_to_those_it_reaches(settings, sms_user, client):
    settings.ADUAN_KANNEL_SENDSMS_URL = SENDSMS
    web_user = UserFactory(phone="+6281311112222")
    assert "sms" not in {cell.channel for cell in preference_table(user=web_user)[0].cells}
    cells = {cell.channel: cell for cell in preference_table(user=sms_user)[0].cells}
    assert cells["sms"].enabled is True
    client.force_login(web_user)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="status_changed:email"' in page
    assert ":sms" not in page
    assert ":x" not in page
    # A forged field for a channel not offered changes nothing.
    client.post(reverse("notifications:preferences"), {"response_posted:sms": "on"})
    assert not NotificationPreference.objects.filter(user=web_user, channel="sms").exists()


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
        assert notification_deliver(notification_id=row.pk) == "uncertain"
    finally:
        thread.join(timeout=10)
        listener.close()
    row.refresh_from_db()
    # Uncertain (the staff see it apart from refusals), not skipped, never tried again.
    assert (row.state, row.attempts) == (NotificationState.UNCERTAIN, 1)
    assert row.send_started_at is not None
    assert row.last_error.startswith("delivery uncertain: no answer from Kannel")
    assert notifications_deliver_pending().get("sent", 0) == 0
