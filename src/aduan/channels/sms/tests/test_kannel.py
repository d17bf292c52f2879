"""End to end through a real Kannel: fakesmsc (the phones) → bearerbox → smsbox → Aduan
(a live server) → the reply SMS back to fakesmsc; and Aduan → sendsms → fakesmsc."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
from aduan.channels.models import InboundMessage
from aduan.channels.sms.services import help_text
from aduan.notifications.models import Notification, NotificationState
from aduan.reports.models import Channel, Classification, EventAction, Report, Status
from aduan.workflow import services as wf

from .conftest import TOKEN
from .kannel import CONFIG, render_config


def help_id() -> str:
    """The help text as SMS users get it: in Indonesian, whatever the test's language."""
    from django.utils import translation

    with translation.override("id"):
        return help_text()


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sms_settings")]

COMPLAINT = "Lampu jalan di Jalan Merdeka mati sejak dua minggu, rawan kecelakaan malam hari."


def phone(n: int) -> str:
    """A different number per test: the rate limit counts per number."""
    return f"0812555{n:05d}"


def test_lapor_through_kannel_creates_the_report_and_replies_with_its_number(kannel):
    [reply] = kannel.exchange(f"{phone(1)} 1708 text LAPOR  {COMPLAINT}")
    report = Report.objects.get()
    assert (report.channel, report.classification, report.body) == (
        Channel.SMS,
        Classification.COMPLAINT,
        COMPLAINT,
    )
    assert report.reporter.phone == "+6281255500001"
    assert (reply.sender, reply.receiver) == ("1708", phone(1))
    assert report.tracking_id in reply.text
    assert f"CEK {report.tracking_id}" in reply.text
    message = InboundMessage.objects.get()
    assert message.reply == reply.text
    assert message.report == report


def test_a_long_text_in_two_parts_arrives_as_one_report(kannel):
    first = "LAPOR Jalan di depan SDN 3 Cibinong berlubang besar dan"
    second = " sudah tiga bulan tidak diperbaiki, sudah dua motor jatuh di sana."
    # One fakesmsc per part (given several messages, fakesmsc picks one at random).
    first_part = kannel.phones(f"{phone(2)} 1708 udh-text %05%00%03%7B%02%01 {first}")
    try:
        first_part.wait_sent(1)
    finally:
        first_part.stop()
    kannel.wait_until(lambda status: not kannel.smsc_online(status), "fakesmsc gone")
    [reply] = kannel.exchange(f"{phone(2)} 1708 udh-text %05%00%03%7B%02%02 {second}")
    report = Report.objects.get()
    assert report.body == (first + second).removeprefix("LAPOR ")
    assert report.tracking_id in reply.text


def test_cek_and_balas_round_trips(kannel):
    kannel.exchange(f"{phone(3)} 1708 text LAPOR {COMPLAINT}")
    report = Report.objects.get()
    admin, agency_admin = NationalAdminFactory(), AgencyAdminFactory()
    wf.report_dispose(report=report, actor=admin, agency_id=agency_admin.agency_id)
    wf.report_accept(report=report, actor=agency_admin)
    wf.report_respond(report=report, actor=agency_admin, body="Lampu sudah diganti kemarin sore.")

    [status] = kannel.exchange(f"{phone(3)} 1708 text cek {report.tracking_id.lower()}")
    assert report.tracking_id in status.text
    assert "Lampu sudah diganti kemarin sore." in status.text

    [answered] = kannel.exchange(
        f"{phone(3)} 1708 text BALAS {report.tracking_id} Masih mati di ujung jalan."
    )
    assert report.tracking_id in answered.text
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    event = report.events.order_by("-seq").first()
    assert (event.action, event.note) == (EventAction.ANSWERED, "Masih mati di ujung jalan.")


def test_unknown_text_gets_the_help_text(kannel):
    [reply] = kannel.exchange(f"{phone(4)} 1708 text apa ini")
    assert reply.text == help_id()
    assert not Report.objects.exists()


def test_a_gateway_retry_with_the_same_message_id_creates_one_report(kannel, live_server):
    """What smsbox does when its first get-url call failed (http-request-retry): the same
    request, the same %I. fakesmsc cannot repeat an id, so the retry is made here."""
    query = urlencode(
        {
            "token": TOKEN,
            "from": phone(5),
            "to": "1708",
            "text": f"LAPOR {COMPLAINT}",
            "id": "0b6c3f7e-8f0a-4a51-9d0e-6d8f6c1d2e3f",
        }
    )
    url = f"{live_server.url}{reverse('sms:inbound')}?{query}"
    answers = []
    for _attempt in range(2):
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            answers.append(response.read().decode())
    assert answers[0] == answers[1]
    assert Report.objects.count() == 1
    assert Report.objects.get().tracking_id in answers[0]


def test_a_status_change_reaches_the_phone_through_sendsms(kannel, settings):
    settings.ADUAN_KANNEL_SENDSMS_URL = kannel.sendsms_url
    settings.ADUAN_KANNEL_SENDSMS_PASSWORD = kannel.sendsms_password
    kannel.exchange(f"{phone(6)} 1708 text LAPOR {COMPLAINT}")
    report = Report.objects.get()
    phones = kannel.phones(count=0)
    try:
        kannel.wait_until(kannel.smsc_online, "fakesmsc connected")
        # Committed at once (a transactional test): the outbox row is delivered by the
        # task the commit enqueues (the immediate backend here, a worker in production).
        wf.report_hold(report=report, actor=NationalAdminFactory(), question="Di RT berapa?")
        [sms] = phones.wait_for(1)
    finally:
        phones.stop()
    assert (sms.sender, sms.receiver) == ("1708", "+6281255500006")
    assert report.tracking_id in sms.text
    assert "Di RT berapa?" in sms.text
    row = Notification.objects.get(channel="sms", report=report)
    assert row.state == NotificationState.SENT
    assert row.recipient.phone == sms.receiver


def test_the_shipped_configuration_has_what_aduan_relies_on():
    text = CONFIG.read_text()
    assert "%p" in text
    assert "%P" in text
    assert "%a" in text
    assert "%I" in text
    assert "/kanal/sms/masuk/" in text
    for setting in (
        "group = sendsms-user",
        "omit-empty = true",
        "sms-combine-concatenated-mo = true",
        "max-messages = 2",
    ):
        assert setting in text
    with pytest.raises(ValueError, match="not in the Kannel configuration"):
        render_config(text, {("sms-service", "no-such-key"): "x"})


def test_klaim_through_kannel_links_the_number_to_a_web_account(kannel):
    from aduan.accounts.tests.factories import UserFactory
    from aduan.channels import claim
    from aduan.channels.models import ChannelIdentity

    citizen = UserFactory(email="budi@example.id")
    _row, code = claim.claim_code_issue(user=citizen)
    [reply] = kannel.exchange(f"{phone(9)} 1708 text KLAIM {code[:4]}-{code[4:]}")
    assert (reply.sender, reply.receiver) == ("1708", phone(9))
    assert "b***@example.id" in reply.text
    assert ChannelIdentity.objects.get(address="+6281255500009").user == citizen
