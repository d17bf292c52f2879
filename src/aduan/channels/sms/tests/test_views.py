"""Kannel's get-url endpoint, called the way smsbox calls it (without Kannel: see
test_kannel.py for the real gateway)."""

from __future__ import annotations

import logging
import re

import pytest
from django.urls import reverse
from django.utils import translation

from aduan.accounts.models import User
from aduan.accounts.tests.factories import UserFactory
from aduan.channels.models import ChannelIdentity, InboundMessage, InboundStatus
from aduan.channels.sms import gsm
from aduan.channels.sms.services import help_text
from aduan.core.errors import ValidationFailed
from aduan.reports.models import (
    BODY_MIN,
    Channel,
    Classification,
    EventAction,
    Report,
    Status,
)
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

from .conftest import E164, NOT_FOUND, PHONE, TOKEN, indonesian, sms


def help_id() -> str:
    """The help text as SMS users get it: in Indonesian, whatever the test's language."""
    from django.utils import translation

    with translation.override("id"):
        return help_text()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_settings")]

COMPLAINT = "Jalan rusak parah di depan Pasar Cibinong, sudah tiga bulan belum diperbaiki dinas."
URL = "/kanal/sms/masuk/"


def reply_of(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert gsm.is_gsm(text)
    assert gsm.septets(text) <= 160, text  # every answer fits in one SMS
    return text


def label(status: str) -> str:
    with translation.override("id"):
        return str(Status(status).label)


def submit(client, text: str = COMPLAINT, **kwargs) -> Report:
    reply_of(sms(client, f"LAPOR {text}", **kwargs))
    return Report.objects.latest("id")


def responded(
    report: Report, staff, response: str = "Perbaikan dijadwalkan minggu depan."
) -> Report:
    wf.report_dispose(report=report, actor=staff.national_admin, agency_id=staff.agency.pk)
    wf.report_accept(report=report, actor=staff.agency_admin)
    wf.report_respond(report=report, actor=staff.agency_admin, body=response)
    report.refresh_from_db()
    return report


# --- Who may call -----------------------------------------------------------------------


def test_the_url_is_where_the_shipped_kannel_configuration_points():
    assert reverse("sms:inbound") == URL


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_without_the_token_nothing_happens(client, token, caplog):
    with caplog.at_level(logging.WARNING, logger="aduan.channels.sms.views"):
        response = sms(client, f"LAPOR {COMPLAINT}", token=token)
    assert response.status_code == 403
    assert "wrong or missing token" in caplog.text
    assert not Report.objects.exists()
    assert not InboundMessage.objects.exists()
    assert not User.objects.exists()


def test_with_nothing_configured_the_endpoint_refuses_everything(client, settings, caplog):
    settings.ADUAN_SMS_INBOUND_TOKEN = ""
    with caplog.at_level(logging.WARNING, logger="aduan.channels.sms.views"):
        response = sms(client, "BANTUAN")
    assert response.status_code == 403
    assert "not configured" in caplog.text
    assert not InboundMessage.objects.exists()


def test_an_address_list_is_checked_as_well_as_the_token(client, settings):
    settings.ADUAN_SMS_ALLOWED_IPS = ["10.0.0.5"]
    assert sms(client, "BANTUAN").status_code == 403  # the test client is 127.0.0.1
    response = client.get(
        URL,
        {"token": TOKEN, "from": PHONE, "text": "BANTUAN", "id": "a1"},
        REMOTE_ADDR="10.0.0.5",
    )
    assert reply_of(response) == help_id()


def test_the_address_list_sees_the_smsbox_behind_the_proxy_and_no_forged_one(client, settings):
    settings.ADUAN_SMS_ALLOWED_IPS = ["10.0.0.5"]
    settings.ADUAN_TRUSTED_PROXY_COUNT = 1
    settings.ADUAN_FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    query = {"token": TOKEN, "from": PHONE, "text": "BANTUAN", "id": "p1"}
    # Through the proxy (the test client's 127.0.0.1), which appended smsbox's address.
    assert reply_of(client.get(URL, query, HTTP_X_FORWARDED_FOR="10.0.0.5")) == help_id()
    # Someone else through the proxy who wrote smsbox's address in front of their own.
    forged = {**query, "id": "p2"}
    assert client.get(URL, forged, HTTP_X_FORWARDED_FOR="10.0.0.5, 10.9.9.9").status_code == 403
    # Someone who reached the app directly and wrote smsbox's address.
    direct = client.get(
        URL, {**query, "id": "p3"}, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.0.0.5"
    )
    assert direct.status_code == 403
    assert InboundMessage.objects.count() == 1


def test_an_address_list_alone_is_enough(client, settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = ""
    settings.ADUAN_SMS_ALLOWED_IPS = ["127.0.0.1"]
    assert reply_of(sms(client, "BANTUAN", token=None)) == help_id()


def test_only_get(client):
    response = client.post(URL + f"?token={TOKEN}", {"from": PHONE, "text": "BANTUAN", "id": "x"})
    assert response.status_code == 405
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"id": ""}, "id (Kannel's %I)"),
        ({"id": "x" * 256}, "id (Kannel's %I)"),
        ({"from": ""}, "from (Kannel's %p)"),
        ({"text": "x" * (255 * 153 + 1)}, "text (Kannel's %a)"),
    ],
)
def test_a_malformed_gateway_request_is_a_400_for_the_operator(client, params, problem):
    query = {"token": TOKEN, "from": PHONE, "to": "1708", "text": "BANTUAN", "id": "m1", **params}
    response = client.get(URL, query)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("field", ["id", "from", "to"])
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\n"])
def test_a_control_character_in_an_id_or_number_is_a_400_for_the_gateway(
    client, field, control, django_assert_num_queries
):
    # Before anything is looked up: PostgreSQL refuses NUL even in a query.
    values = {"id": f"a{control}b", "from": PHONE + control + "1", "to": f"17{control}08"}
    with django_assert_num_queries(0):
        response = sms(client, "BANTUAN", message_id="m1", **{field: values[field]})
    assert response.status_code == 400
    assert f"{field} (Kannel's" in response.content.decode()
    assert "control character" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_a_nul_in_the_text_is_dropped_not_a_server_error(client):
    response = sms(client, "LAPOR " + COMPLAINT.replace("parah", "pa\x00rah"), message_id="nul-1")
    assert response.status_code == 200
    assert Report.objects.get().body == COMPLAINT
    message = InboundMessage.objects.get()
    assert "\x00" not in message.text
    assert message.status == InboundStatus.ACCEPTED


# --- LAPOR, ASPIRASI, INFO --------------------------------------------------------------


def test_lapor_creates_a_report_from_the_sms_account(client):
    reply = reply_of(sms(client, f"lapor   {COMPLAINT}", message_id="kannel-1"))
    report = Report.objects.get()
    assert (report.channel, report.classification, report.status) == (
        Channel.SMS,
        Classification.COMPLAINT,
        Status.SUBMITTED,
    )
    assert report.body == COMPLAINT
    assert report.title == "Jalan rusak parah di depan Pasar Cibinong, sudah tiga bulan…"
    assert report.tracking_id in reply
    assert f"CEK {report.tracking_id}" in reply
    # The timeline starts with the submission, by the SMS account.
    event = report.events.get()
    assert (event.action, event.actor) == (EventAction.SUBMITTED, report.reporter)
    reporter = report.reporter
    assert (reporter.email, reporter.phone, reporter.has_usable_password()) == (None, E164, False)
    assert ChannelIdentity.objects.get(user=reporter).address == E164
    message = InboundMessage.objects.get()
    assert (message.external_id, message.status, message.report, message.reply) == (
        "kannel-1",
        InboundStatus.ACCEPTED,
        report,
        reply,
    )


@pytest.mark.parametrize(
    ("keyword", "classification"),
    [
        ("ASPIRASI", Classification.ASPIRATION),
        ("aspiration", Classification.ASPIRATION),
        ("INFO", Classification.INFORMATION_REQUEST),
        ("REPORT", Classification.COMPLAINT),
    ],
)
def test_each_submitting_command_sets_its_classification(client, keyword, classification):
    reply = reply_of(sms(client, f"{keyword} {COMPLAINT}"))
    report = Report.objects.get()
    assert report.classification == classification
    with translation.override("id"):
        assert str(Classification(classification).label) in reply


@pytest.mark.parametrize("sender", [PHONE, "6281234567890", "+6281234567890", "+62 812-3456-7890"])
def test_every_way_of_writing_the_number_is_the_same_account(client, sender):
    first = submit(client, message_id="first")
    second = submit(client, sender=sender, message_id="second", text=COMPLAINT + " Lagi.")
    assert first.reporter == second.reporter
    assert User.objects.count() == 1


def test_the_same_message_id_twice_creates_one_report_and_the_same_reply(client):
    first = reply_of(sms(client, f"LAPOR {COMPLAINT}", message_id="uuid-7"))
    again = reply_of(sms(client, f"LAPOR {COMPLAINT}", message_id="uuid-7"))
    assert again == first
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_the_same_text_with_a_new_message_id_is_a_new_report(client):
    sms(client, f"LAPOR {COMPLAINT}", message_id="a")
    sms(client, f"LAPOR {COMPLAINT}", message_id="b")
    assert Report.objects.count() == 2


@pytest.mark.parametrize("text", ["LAPOR", "LAPOR jalan rusak", "INFO " + "x" * (BODY_MIN - 1)])
def test_a_text_too_short_is_explained_and_creates_nothing(client, text):
    reply = reply_of(sms(client, text))
    assert str(BODY_MIN) in reply
    assert text.split()[0] in reply
    assert not Report.objects.exists()
    message = InboundMessage.objects.get()
    assert (message.status, message.detail, message.reply) == (
        InboundStatus.REJECTED,
        "text too short",
        reply,
    )


def test_a_text_too_long_is_explained_and_creates_nothing(client):
    reply = reply_of(sms(client, "LAPOR " + "panjang " * 600))
    assert "4000" in reply
    assert not Report.objects.exists()


def test_a_rule_of_report_submit_is_answered_with_its_message(client, monkeypatch):
    """Whatever report_submit refuses (rules this adapter does not check itself) becomes
    an answer, not a 500 that Kannel would retry."""

    def refuse(**kwargs):
        raise ValidationFailed(field_errors={"title": ["The title needs at least 10 characters."]})

    monkeypatch.setattr("aduan.channels.sms.services.report_submit", refuse)
    reply = reply_of(sms(client, f"LAPOR {COMPLAINT}"))
    assert reply == indonesian("Not accepted:") + " The title needs at least 10 characters."
    assert not Report.objects.exists()
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED


# --- BANTUAN and anything else ----------------------------------------------------------


def test_help_lists_every_command(client):
    reply = reply_of(sms(client, "bantuan"))
    for keyword in ("LAPOR", "ASPIRASI", "INFO", "CEK", "BALAS", "BANTUAN", "1708"):
        assert keyword in reply
    assert InboundMessage.objects.get().status == InboundStatus.ACCEPTED


@pytest.mark.parametrize("text", ["", "halo pak", "LAPORjalan rusak", "🙏"])
def test_anything_else_gets_the_help_text(client, text):
    assert reply_of(sms(client, text)) == help_id()
    message = InboundMessage.objects.get()
    assert (message.status, message.detail) == (InboundStatus.REJECTED, "unknown command")
    assert not Report.objects.exists()


# --- CEK --------------------------------------------------------------------------------


def test_cek_shows_the_status_in_indonesian(client):
    report = submit(client)
    reply = reply_of(sms(client, f"cek {report.tracking_id.lower()}"))
    head = indonesian(
        "Report %(id)s: %(status)s.", id=report.tracking_id, status=label("submitted")
    )
    assert reply == f"{head} {indonesian('No response yet.')}"
    assert label(Status.SUBMITTED) in reply


def test_cek_shows_the_last_response_and_how_to_answer(client, staff):
    report = responded(submit(client), staff, "Perbaikan dijadwalkan minggu depan oleh dinas PU.")
    reply = reply_of(sms(client, f"CEK {report.tracking_id}"))
    assert label(Status.RESPONDED) in reply
    assert "Perbaikan dijadwalkan minggu depan oleh dinas PU." in reply
    assert f"BALAS {report.tracking_id}" in reply


def test_cek_cuts_a_long_response_to_one_sms(client, staff):
    report = responded(submit(client), staff, "Tanggapan panjang sekali. " * 40)
    reply = reply_of(sms(client, f"CEK {report.tracking_id}"))
    assert "Tanggapan panjang" in reply
    assert "..." in reply
    assert reply.endswith(indonesian("Answer: BALAS %(id)s [message]", id=report.tracking_id))


def test_cek_of_a_confidential_report_keeps_the_response_off_the_sms(client, staff):
    report = submit(client)
    Report.objects.filter(pk=report.pk).update(confidential=True)
    report = responded(report, staff, "Rahasia: nama pelaku sudah dicatat.")
    reply = reply_of(sms(client, f"CEK {report.tracking_id}"))
    assert "Rahasia" not in reply
    assert reply.endswith(indonesian("The response is confidential; read it on the website."))


def test_cek_of_someone_elses_public_report_shows_its_status(client):
    other = ReportFactory(status=Status.IN_PROGRESS, confidential=False)
    reply = reply_of(sms(client, f"CEK {other.tracking_id}"))
    assert reply.startswith(
        indonesian("Report %(id)s: %(status)s.", id=other.tracking_id, status=label(other.status))
    )


@pytest.mark.parametrize(
    "hidden", [{"confidential": True}, {"status": Status.ARCHIVED, "confidential": False}]
)
def test_cek_of_someone_elses_hidden_report_is_not_found(client, hidden):
    other = ReportFactory(**{"status": Status.IN_PROGRESS, **hidden})
    reply = reply_of(sms(client, f"CEK {other.tracking_id}"))
    assert reply == indonesian(NOT_FOUND, id=other.tracking_id)
    assert label(other.status) not in reply
    assert InboundMessage.objects.get().detail == "not found"


@pytest.mark.parametrize("text", ["CEK 12345", "CEK AB23CD45EF"])
def test_cek_of_an_unknown_number_is_not_found(client, text):
    reply = reply_of(sms(client, text))
    assert reply == indonesian(NOT_FOUND, id=text.split()[1])


def test_cek_without_a_number_says_how(client):
    assert "CEK AB23CD45EF" in reply_of(sms(client, "CEK"))


def test_cek_costs_a_bounded_number_of_queries(client, staff, django_assert_max_num_queries):
    report = responded(submit(client), staff)
    with django_assert_max_num_queries(20):
        reply_of(sms(client, f"CEK {report.tracking_id}", message_id="counted"))


# --- BALAS ------------------------------------------------------------------------------


def test_balas_to_a_response_answers_it(client, staff):
    report = responded(submit(client), staff)
    reply = reply_of(sms(client, f"BALAS {report.tracking_id} Belum diperbaiki, mohon dicek lagi."))
    assert report.tracking_id in reply
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    event = report.events.order_by("-seq").first()
    assert (event.action, event.note, event.actor) == (
        EventAction.ANSWERED,
        "Belum diperbaiki, mohon dicek lagi.",
        report.reporter,
    )


def test_balas_to_a_question_sends_the_report_back_to_verification(client, staff):
    report = submit(client)
    wf.report_hold(report=report, actor=staff.national_admin, question="Di kelurahan mana?")
    reply_of(sms(client, f"BALAS {report.tracking_id} Kelurahan Pakansari."))
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_balas_while_the_agency_works_is_a_comment(client, staff):
    report = submit(client)
    wf.report_dispose(report=report, actor=staff.national_admin, agency_id=staff.agency.pk)
    reply_of(sms(client, f"BALAS {report.tracking_id} Ada foto di lokasi."))
    report.refresh_from_db()
    assert report.status == Status.DISPOSITIONED
    assert report.events.order_by("-seq").first().action == EventAction.COMMENTED


def test_balas_on_someone_elses_report_is_not_found_and_changes_nothing(client):
    other = ReportFactory(status=Status.RESPONDED, confidential=False)
    events = other.events.count()
    reply = reply_of(sms(client, f"BALAS {other.tracking_id} Ini laporan saya juga."))
    assert reply == indonesian(NOT_FOUND, id=other.tracking_id)
    assert other.events.count() == events
    other.refresh_from_db()
    assert other.status == Status.RESPONDED


def test_balas_on_a_closed_report_says_so(client, staff):
    report = responded(submit(client), staff)
    wf.report_close(report=report, actor=report.reporter)
    reply = reply_of(sms(client, f"BALAS {report.tracking_id} Terima kasih banyak."))
    assert label(Status.CLOSED) in reply
    assert InboundMessage.objects.latest("id").detail == "closed"


@pytest.mark.parametrize("text", ["BALAS", "BALAS AB23CD45EF", "BALAS tolong"])
def test_balas_without_number_or_text_says_how(client, text):
    reply = reply_of(sms(client, text))
    assert "BALAS AB23CD45EF" in reply
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED


# --- Who is answered --------------------------------------------------------------------


def test_the_rate_limit_answers_politely_once_then_stays_silent(client, settings):
    settings.ADUAN_SMS_RATE = "3/h"
    for n in range(3):
        assert reply_of(sms(client, "BANTUAN", message_id=f"m{n}")) == help_id()
    polite = reply_of(sms(client, "BANTUAN", message_id="m3"))
    wording = indonesian(
        "You have sent many messages in a short time. Please try again in %(minutes)d minutes.",
        minutes=987654,
    )
    assert re.fullmatch(re.escape(wording).replace("987654", r"\d+"), polite)
    assert reply_of(sms(client, f"LAPOR {COMPLAINT}", message_id="m4")) == ""
    assert not Report.objects.exists()
    assert InboundMessage.objects.filter(detail="rate limited").count() == 2
    # Another number is not affected; a retry of an answered message is not counted.
    assert reply_of(sms(client, "BANTUAN", sender="081298765432", message_id="m5")) == help_id()
    assert reply_of(sms(client, "BANTUAN", message_id="m0")) == help_id()


def test_a_sender_that_is_not_a_phone_number_gets_nothing(client):
    assert reply_of(sms(client, f"LAPOR {COMPLAINT}", sender="TELKOMSEL")) == ""
    assert not User.objects.exists()
    assert not Report.objects.exists()
    message = InboundMessage.objects.get()
    assert (message.status, message.detail) == (
        InboundStatus.REJECTED,
        "sender is not a phone number",
    )


def test_a_deactivated_sms_account_gets_nothing(client):
    submit(client, message_id="before")
    User.objects.update(is_active=False)
    assert reply_of(sms(client, f"LAPOR {COMPLAINT}", message_id="after")) == ""
    assert Report.objects.count() == 1


def test_a_web_account_with_the_same_phone_is_not_taken_over(client):
    web_user = UserFactory(phone=E164)
    report = submit(client)
    assert report.reporter != web_user
    assert report.reporter.email is None


def test_replies_follow_the_accounts_language(client):
    submit(client, message_id="one")
    User.objects.update(language="en")
    reply = reply_of(sms(client, f"CEK {Report.objects.get().tracking_id}", message_id="two"))
    assert "Awaiting verification" in reply
