"""Who may read the messages a report came in with, and how much of the sender they see."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.contrib.auth.models import AnonymousUser

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.channels.mail.services import mail_receive
from aduan.channels.models import IdentityKind, InboundMessage, InboundStatus
from aduan.channels.selectors import inbound_messages_for_report, mask_email
from aduan.channels.services import identity_user, inbound_finish, inbound_receive
from aduan.channels.sms.services import sms_receive
from aduan.reports.models import Report
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"
MASKED_PHONE = "+62812••••7890"
# Every way the number could show: E.164, without the plus, national, its last digits.
PHONE_TRACES = ("+6281234567890", "6281234567890", "081234567890", "34567890")
COMPLAINT = "Jalan rusak parah di depan Pasar Cibinong, sudah tiga bulan tidak diperbaiki."


@pytest.fixture
def people(db):
    agency = AgencyFactory(name="Kementerian Pekerjaan Umum")
    unit = UnitFactory(parent=agency, name="Direktorat Jalan Daerah")
    return {
        "national_admin": NationalAdminFactory(),
        "oversight": OversightFactory(),
        "agency_admin": AgencyAdminFactory(agency=agency),
        "unit_officer": UnitOfficerFactory(agency=unit),
        "other_agency_admin": AgencyAdminFactory(agency=AgencyFactory(name="Kementerian Lain")),
        "other_citizen": UserFactory(),
        "agency": agency,
        "unit": unit,
    }


def sms_report(people, *, message_id: str = "kannel-1", to_unit: bool = False) -> Report:
    """A report made by an SMS, disposed to the agency (or its unit) by the national admin."""
    sms_receive(message_id=message_id, sender=PHONE, text=f"LAPOR {COMPLAINT}")
    report = InboundMessage.objects.get(external_id=message_id).report
    target = people["unit"] if to_unit else people["agency"]
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=target.pk)
    return fresh(report)


def fresh(report: Report) -> Report:
    return Report.objects.select_related("agency", "reporter").get(pk=report.pk)


def shown(origin) -> str:
    """Everything a viewer gets from the messages, as one string."""
    return repr([dataclasses.asdict(message) for message in origin])


def test_the_handling_officer_reads_the_sms_that_made_the_report(people):
    report = sms_report(people)
    [message] = inbound_messages_for_report(user=people["agency_admin"], report=report)
    assert message.channel == IdentityKind.SMS
    assert message.channel_label == "SMS"
    assert message.text == f"LAPOR {COMPLAINT}"
    assert (message.status, message.status_label) == (InboundStatus.ACCEPTED, "Accepted")
    assert report.tracking_id in message.reply
    assert message.reply == InboundMessage.objects.get().reply
    # Not anonymous, but the officer's visibility is the name only: the number is masked.
    assert (message.sender, message.sender_hidden) == (MASKED_PHONE, False)
    assert not any(trace in shown([message]) for trace in PHONE_TRACES)


def test_the_national_admin_sees_the_number(people):
    report = sms_report(people)
    [message] = inbound_messages_for_report(user=people["national_admin"], report=report)
    assert message.sender == PHONE


@pytest.mark.parametrize("viewer", ["unit_officer", "oversight"])
def test_staff_above_or_watching_read_it_masked(people, viewer):
    report = sms_report(people, to_unit=viewer == "unit_officer")
    [message] = inbound_messages_for_report(user=people[viewer], report=report)
    assert message.sender == MASKED_PHONE


@pytest.mark.parametrize("viewer", ["other_agency_admin", "other_citizen", "reporter"])
def test_no_one_else_gets_anything(people, viewer):
    report = sms_report(people)
    user = report.reporter if viewer == "reporter" else people[viewer]
    assert inbound_messages_for_report(user=user, report=report) == []


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_a_visitor_gets_nothing(people, user):
    report = sms_report(people)
    assert inbound_messages_for_report(user=user, report=report) == []


def test_a_unit_officer_does_not_read_the_agency_level_report(people):
    report = sms_report(people)  # at the agency, above the officer's unit
    assert inbound_messages_for_report(user=people["unit_officer"], report=report) == []


def test_an_anonymous_report_hides_the_number_from_the_agency_but_not_the_national_admin(people):
    report = sms_report(people)
    wf.report_set_flags(report=report, actor=people["national_admin"], anonymous=True)
    report = fresh(report)
    [officer_view] = inbound_messages_for_report(user=people["agency_admin"], report=report)
    assert officer_view.sender == "hidden (anonymous report)"
    assert officer_view.sender_hidden
    assert officer_view.text == f"LAPOR {COMPLAINT}"
    assert not any(trace in shown([officer_view]) for trace in PHONE_TRACES)
    assert "7890" not in shown([officer_view])
    [admin_view] = inbound_messages_for_report(user=people["national_admin"], report=report)
    assert (admin_view.sender, admin_view.sender_hidden) == (PHONE, False)


def test_later_messages_about_the_report_follow_oldest_first(people, time_machine):
    time_machine.move_to("2026-12-01 09:00 +07:00", tick=False)
    report = sms_report(people)
    sms_report(people, message_id="kannel-other")  # the same sender's other report
    time_machine.move_to("2026-12-01 10:00 +07:00", tick=False)
    sms_receive(message_id="kannel-2", sender=PHONE, text=f"CEK {report.tracking_id}")
    time_machine.move_to("2026-12-01 11:00 +07:00", tick=False)
    sms_receive(
        message_id="kannel-3", sender=PHONE, text=f"BALAS {report.tracking_id} Sudah dua minggu."
    )
    origin = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))
    assert [m.text.split()[0] for m in origin] == ["LAPOR", "CEK", "BALAS"]
    assert [m.received_at.hour for m in origin] == [2, 3, 4]  # UTC
    assert all(report.tracking_id in m.reply for m in origin)


def test_the_sender_is_taken_out_of_the_texts_below_full_visibility(people):
    report = sms_report(people)
    sms_receive(
        message_id="kannel-2",
        sender=PHONE,
        text=f"BALAS {report.tracking_id} Hubungi saya di 0812-3456-7890 atau +62 812 3456 7890",
    )
    later = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))[1]
    assert later.text == (
        f"BALAS {report.tracking_id} Hubungi saya di {MASKED_PHONE} atau {MASKED_PHONE}"
    )
    national = inbound_messages_for_report(user=people["national_admin"], report=fresh(report))
    assert "0812-3456-7890" in national[1].text


def test_a_status_check_by_another_number_is_masked_too(people):
    report = sms_report(people)
    sms_receive(message_id="kannel-9", sender="+6285700001111", text=f"CEK {report.tracking_id}")
    origin = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))
    assert [m.sender for m in origin] == [MASKED_PHONE, "+62857••••1111"]


def test_an_x_handle_is_hidden_on_an_anonymous_report(people):
    reporter = identity_user(channel="x", address="998877665544", handle="budi_s")
    report = report_submit(
        reporter=reporter,
        channel="x",
        classification="complaint",
        title="Lampu jalan mati di Jalan Merdeka",
        body=COMPLAINT,
        anonymous=True,
    )
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=people["agency"].pk)
    message, _created = inbound_receive(
        channel="x", external_id="dm:1", sender="998877665544", text=f"{COMPLAINT} — @budi_s"
    )
    inbound_finish(message, report=report, reply="Terima kasih, laporan diterima.")
    [officer_view] = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))
    assert "budi_s" not in shown([officer_view])
    assert "998877665544" not in shown([officer_view])
    assert officer_view.text == f"{COMPLAINT} — [hidden]"
    [admin_view] = inbound_messages_for_report(user=people["national_admin"], report=fresh(report))
    assert admin_view.sender == "X account 998877665544 (@budi_s)"
    assert "@budi_s" in admin_view.text


def test_a_public_x_post_shows_a_masked_account(people):
    reporter = identity_user(channel="x", address="998877665544", handle="budi_s")
    report = report_submit(
        reporter=reporter,
        channel="x",
        classification="complaint",
        title="Lampu jalan mati di Jalan Merdeka",
        body=COMPLAINT,
    )
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=people["agency"].pk)
    message, _created = inbound_receive(
        channel="x", external_id="tweet:1", sender="998877665544", text=COMPLAINT
    )
    inbound_finish(message, report=report)
    [view] = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))
    assert view.sender == "X account ••••544"


def email(*, sender: str, subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "lapor@aduan.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="warga.test")
    message.set_content(text)
    return message.as_bytes()


def test_an_email_report_hides_the_address_and_never_shows_the_confirmation_link(people, settings):
    settings.ADUAN_MAIL_INTAKE_ADDRESS = ["lapor@aduan.test"]
    settings.SITE_URL = "https://aduan.test"
    settings.DEFAULT_FROM_EMAIL = "Aduan <noreply@aduan.test>"
    settings.LANGUAGE_CODE = "en"
    received = mail_receive(
        raw=email(
            sender="Budi Santoso <budi.santoso@warga.test>",
            subject="Jalan berlubang di depan SDN 3 Cibeunying",
            text=COMPLAINT + "\nBalas ke budi.santoso@warga.test saja.",
        )
    )
    assert "/akun/confirm-email/" in received.reply  # the link the sender must open
    report = received.report
    assert report.anonymous  # e-mail reports are always filed anonymous
    wf.report_dispose(report=report, actor=people["national_admin"], agency_id=people["agency"].pk)
    [officer_view] = inbound_messages_for_report(user=people["agency_admin"], report=fresh(report))
    assert officer_view.channel == IdentityKind.EMAIL
    assert officer_view.sender == "hidden (anonymous report)"
    assert officer_view.text.startswith("Jalan berlubang di depan SDN 3 Cibeunying\n\n")
    assert "budi.santoso" not in shown([officer_view])
    assert "Balas ke [hidden] saja." in officer_view.text
    assert "confirm-email" not in shown([officer_view])
    assert "[confirmation link removed]" in officer_view.reply
    [admin_view] = inbound_messages_for_report(user=people["national_admin"], report=fresh(report))
    assert admin_view.sender == "budi.santoso@warga.test"
    assert "confirm-email" not in admin_view.reply  # a credential: no one reads it here


def test_an_email_address_is_masked_to_its_shape():
    assert mask_email("siti.rahma@example.id") == "s••••@e••••.id"


def test_messages_of_other_reports_and_unlinked_ones_are_not_included(people):
    report = sms_report(people)
    sms_report(people, message_id="kannel-other")
    sms_receive(message_id="kannel-x", sender=PHONE, text="APA INI")  # unknown: no report
    origin = inbound_messages_for_report(user=people["agency_admin"], report=report)
    assert len(origin) == 1
    assert InboundMessage.objects.count() == 3


def test_one_query_whatever_the_number_of_messages(people, django_assert_num_queries):
    report = sms_report(people)
    for n in range(4):
        sms_receive(message_id=f"kannel-cek-{n}", sender=PHONE, text=f"CEK {report.tracking_id}")
    report = fresh(report)
    officer = people["agency_admin"]
    with django_assert_num_queries(1):
        origin = inbound_messages_for_report(user=officer, report=report)
    assert len(origin) == 5
