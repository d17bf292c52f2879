"""Which events become deliveries, for whom, with what in them; endpoints and their
URLs; integration tokens."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import time_machine
from django.db import transaction

from aduan.accounts.models import ApiToken, Role
from aduan.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from aduan.integrations import services
from aduan.integrations.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from aduan.integrations.payloads import delivery_payload
from aduan.reports.models import ReportEvent
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.workflow import services as wf
from aduan.workflow.sweep import sweep_run

from .helpers import ALL_EVENTS, disposed, endpoint_for, submitted

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
# Tuesday 1 December 2026, 09:00 WIB: no holiday in the following two weeks.
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
PUBLIC_URL = "https://93.184.216.34/aduan"  # an IP literal: no DNS in the tests


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def deliveries(endpoint) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))


# --- Who hears of what --------------------------------------------------------------------


def test_the_agency_and_the_agencies_above_it_hear_of_a_disposition(people):
    city, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    province, _s = endpoint_for(people.province_admin, PUBLIC_URL + "/prov")
    other, _s = endpoint_for(people.other_admin, PUBLIC_URL + "/other")
    report = disposed(people)

    assert [d.event for d in deliveries(city)] == [WebhookEvent.DISPOSED]
    assert [d.event for d in deliveries(province)] == [WebhookEvent.DISPOSED]
    assert deliveries(other) == []
    delivery = deliveries(city)[0]
    assert delivery.report == report
    assert delivery.state == DeliveryState.PENDING
    assert delivery_payload(delivery)["event"]["kind"] == "report.disposed"
    assert delivery_payload(delivery)["event"]["actor_role"] == Role.NATIONAL_ADMIN


def test_an_agency_below_does_not_hear_of_its_parents_reports(people):
    unit_admin = services.User.objects.create_user(
        email="unit-admin@example.id",
        password=None,
        full_name="Admin Dinas",
        role=Role.AGENCY_ADMIN,
        agency=people.unit,
    )
    unit_endpoint, _s = endpoint_for(unit_admin, PUBLIC_URL)
    disposed(people)  # to the city, above the unit
    assert deliveries(unit_endpoint) == []


def test_only_the_subscribed_events_are_delivered(people):
    comments_only, _s = endpoint_for(people.city_admin, PUBLIC_URL, events=[WebhookEvent.COMMENTED])
    report = disposed(people)
    assert deliveries(comments_only) == []
    report = wf.report_accept(report=report, actor=people.city_admin)
    wf.report_comment(report=report, actor=people.citizen, body="Sudah seminggu, mohon dicek.")
    assert [d.event for d in deliveries(comments_only)] == [WebhookEvent.COMMENTED]


def test_comments_and_answers_carry_their_note(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = wf.report_accept(report=disposed(people), actor=people.city_admin)
    wf.report_comment(report=report, actor=people.citizen, body="Sudah seminggu, mohon dicek.")
    # Staff's own comments and internal notes are not sent to the agency's system.
    wf.report_comment(report=report, actor=people.city_admin, body="Kami cek besok pagi.")
    wf.report_comment(
        report=report, actor=people.city_admin, body="Catatan internal saja.", internal=True
    )
    report = wf.report_respond(
        report=report, actor=people.city_admin, body="Lubang sudah ditambal hari ini, terima kasih."
    )
    wf.report_answer(report=report, actor=people.citizen, body="Belum selesai, masih berlubang.")

    events = [(d.event, delivery_payload(d)["event"].get("note")) for d in deliveries(endpoint)]
    assert events == [
        (WebhookEvent.DISPOSED, None),
        (WebhookEvent.COMMENTED, "Sudah seminggu, mohon dicek."),
        (WebhookEvent.ANSWERED, "Belum selesai, masih berlubang."),
    ]
    answered = delivery_payload(deliveries(endpoint)[-1])["report"]
    assert answered["status"] == report.__class__.objects.get(pk=report.pk).status


def test_a_closed_report_is_a_status_change(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = wf.report_accept(report=disposed(people), actor=people.city_admin)
    report = wf.report_respond(
        report=report, actor=people.city_admin, body="Lubang sudah ditambal hari ini, terima kasih."
    )
    wf.report_close(report=report, actor=people.citizen)
    assert deliveries(endpoint)[-1].event == WebhookEvent.STATUS_CHANGED
    assert delivery_payload(deliveries(endpoint)[-1])["report"]["status"] == "closed"


def test_the_same_event_twice_is_one_delivery(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = disposed(people)
    event = ReportEvent.objects.filter(report=report, action="dispose").get()
    again = services.webhooks_emit(
        report=report, event=event, agency=people.city, kind="disposition_received"
    )
    assert len(again) == 1
    assert len(deliveries(endpoint)) == 1
    assert again[0].pk == deliveries(endpoint)[0].pk


def test_deliveries_roll_back_with_the_action(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = submitted(people)

    def dispose_then_fail() -> None:
        with transaction.atomic():
            wf.report_dispose(report=report, actor=people.national_admin, agency_id=people.city.pk)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        dispose_then_fail()
    assert deliveries(endpoint) == []


def test_a_deadline_reminder_is_delivered_once(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = disposed(people)
    deadline = Deadline.objects.get(
        report=report, kind=DeadlineKind.RESPONSE, state=DeadlineState.OPEN
    )
    moment = deadline.due_at - dt.timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        assert sweep_run(now=moment).reminded == 1
        assert sweep_run(now=moment).reminded == 0
    reminders = [d for d in deliveries(endpoint) if d.event == WebhookEvent.DEADLINE_REMINDER]
    assert len(reminders) == 1
    payload = delivery_payload(reminders[0])
    assert payload["event"]["deadline"]["kind"] == "response"
    assert dt.datetime.fromisoformat(payload["event"]["deadline"]["due_at"]) == deadline.due_at
    assert payload["report"]["tracking_id"] == report.tracking_id


# --- What a payload says ------------------------------------------------------------------


def test_a_payload_never_names_an_anonymous_reporter(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    report = wf.report_accept(report=disposed(people, anonymous=True), actor=people.city_admin)
    wf.report_comment(report=report, actor=people.citizen, body="Mohon segera ditindaklanjuti.")
    assert len(deliveries(endpoint)) == 2
    for delivery in deliveries(endpoint):
        text = json.dumps(delivery_payload(delivery))
        assert delivery_payload(delivery)["report"]["reporter"] is None
        assert delivery_payload(delivery)["report"]["anonymous"] is True
        for secret in ("Siti", "siti@example.id", "6281234567890"):
            assert secret not in text


def test_a_payload_names_a_named_reporter_by_name_only(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    disposed(people)
    payload = delivery_payload(deliveries(endpoint)[0])
    assert payload["report"]["reporter"] == {"name": "Siti Rahmawati"}
    text = json.dumps(payload)
    assert "siti@example.id" not in text
    assert "6281234567890" not in text
    # The report's text stays behind the API's visibility rule.
    assert "Lubang besar" not in text
    assert payload["report"]["url"].endswith(f"/staf/laporan/{payload['report']['tracking_id']}/")
    assert payload["report"]["api_url"].endswith(
        f"/api/v1/reports/{payload['report']['tracking_id']}"
    )


# --- Endpoints ----------------------------------------------------------------------------


def test_a_new_endpoint_gets_a_secret_that_is_not_stored(people):
    endpoint, secret = endpoint_for(people.city_admin, PUBLIC_URL)
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert endpoint.agency == people.city
    assert endpoint.created_by == people.city_admin
    stored = json.dumps(list(type(endpoint).objects.filter(pk=endpoint.pk).values()), default=str)
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    _other, other_secret = endpoint_for(people.city_admin, PUBLIC_URL)
    assert other_secret != secret


def test_a_new_secret_replaces_the_old(people):
    endpoint, secret = endpoint_for(people.city_admin, PUBLIC_URL)
    endpoint, new_secret = services.endpoint_rotate_secret(
        actor=people.city_admin, endpoint_id=endpoint.pk
    )
    assert new_secret != secret
    assert endpoint.secret == new_secret


def test_a_disabled_endpoint_gets_nothing_and_its_waiting_deliveries_are_cancelled(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    disposed(people)
    endpoint = services.endpoint_disable(actor=people.city_admin, endpoint_id=endpoint.pk)
    assert not endpoint.is_active
    assert people.city_admin.full_name in endpoint.disabled_reason
    assert [d.state for d in deliveries(endpoint)] == [DeliveryState.CANCELLED]
    disposed(people)
    assert len(deliveries(endpoint)) == 1
    with pytest.raises(InvalidTransition):
        services.webhook_send_test(actor=people.city_admin, endpoint_id=endpoint.pk)

    services.endpoint_enable(actor=people.city_admin, endpoint_id=endpoint.pk)
    disposed(people)
    assert [d.state for d in deliveries(endpoint)] == [
        DeliveryState.CANCELLED,
        DeliveryState.PENDING,
    ]


def test_deleting_an_endpoint_removes_its_log(people):
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    disposed(people)
    services.endpoint_delete(actor=people.city_admin, endpoint_id=endpoint.pk)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://93.184.216.34/x", "must start with https://"),
        ("https://", "must start with https://"),
        ("http://93.184.216.34/hook", "must use https://"),
        ("https://user:pw@93.184.216.34/hook", "user name or password"),
        ("https://10.1.2.3/hook", "private or local address"),
        ("https://192.168.1.10/hook", "private or local address"),
        ("https://169.254.169.254/latest/meta-data", "private or local address"),
        ("https://100.64.0.1/hook", "private or local address"),
        ("https://[::1]/hook", "private or local address"),
        ("https://[::ffff:10.0.0.1]/hook", "private or local address"),
        # IPv6 addresses that carry an IPv4 one: NAT64 (64:ff9b::/96 and /48), 6to4,
        # IPv4-compatible; and deprecated site-local addresses, routed like private ones.
        ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data", "private or local address"),
        ("https://[64:ff9b::10.0.0.1]/hook", "private or local address"),
        ("https://[64:ff9b:1::a00:1]/hook", "private or local address"),
        ("https://[2002:a9fe:a9fe::1]/hook", "private or local address"),
        ("https://[2002:7f00:1::1]/hook", "private or local address"),
        ("https://[::127.0.0.1]/hook", "private or local address"),
        ("https://[fec0::1]/hook", "private or local address"),
        ("https://127.0.0.1:8000/hook", "private or local address"),
        ("https://localhost/hook", "private or local address"),
        ("https://93.184.216.34:99999/hook", "not a valid URL"),
        ("https://93.184.216.34/" + "a" * 500, "too long"),
        # A request line is ASCII without spaces: http.client cannot send these paths.
        ("https://93.184.216.34/pengaduan/bärü", "percent-encoded"),
        ("https://93.184.216.34/hook?kota=Bandung Barat", "percent-encoded"),
    ],
)
def test_urls_that_are_refused(people, url, message):
    with pytest.raises(ValidationFailed) as caught:
        endpoint_for(people.city_admin, url)
    assert message in caught.value.field_errors["url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::5db8:d822]/aduan",  # NAT64 of 93.184.216.34
        "https://[2002:5db8:d822::1]/aduan",  # 6to4 of the same
        "https://[2606:2800:220:1:248:1893:25c8:1946]/aduan",
    ],
)
def test_ipv6_addresses_of_public_hosts_are_accepted(people, url):
    endpoint, _s = endpoint_for(people.city_admin, url)
    assert endpoint.url == url


def test_http_and_private_addresses_when_the_settings_allow_them(people, settings):
    settings.ADUAN_WEBHOOK_ALLOW_PRIVATE = True
    # Loopback may use http (a receiver on the same machine)...
    endpoint_for(people.city_admin, "http://127.0.0.1:8080/hook")
    # ...another private address only with ADUAN_WEBHOOK_ALLOW_HTTP as well.
    with pytest.raises(ValidationFailed):
        endpoint_for(people.city_admin, "http://10.1.2.3/hook")
    settings.ADUAN_WEBHOOK_ALLOW_HTTP = True
    endpoint_for(people.city_admin, "http://10.1.2.3/hook")


def test_a_host_that_cannot_be_found_is_refused(people, monkeypatch):
    def not_found(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    with pytest.raises(ValidationFailed) as caught:
        endpoint_for(people.city_admin, "https://pengaduan.bandung.example/hook")
    assert "could not be found" in caught.value.field_errors["url"][0]


def test_a_host_that_later_resolves_to_a_private_address_is_not_followed(people, monkeypatch):
    """DNS rebinding: the check at every attempt refuses the new address."""
    answers = {"address": "93.184.216.34"}

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["address"], port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    endpoint, _s = endpoint_for(people.city_admin, "https://pengaduan.bandung.example/hook")
    disposed(people)
    answers["address"] = "10.0.0.7"
    from aduan.integrations.delivery import delivery_attempt

    delivery = deliveries(endpoint)[0]
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "private or local address" in delivery.last_error


def test_a_stored_url_that_cannot_be_sent_is_a_failed_attempt_not_a_crash(people):
    """Saved before the guard knew better (or by hand): the attempt used to raise
    UnicodeEncodeError in http.client, leaving the row "sending" and the endpoint's
    failures uncounted, retried every sweep for ever."""
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=PUBLIC_URL + "/bärü")
    disposed(people)
    from aduan.integrations.delivery import delivery_attempt

    delivery = deliveries(endpoint)[0]
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert "percent-encoded" in delivery.last_error
    endpoint.refresh_from_db()
    assert endpoint.failure_count == 1


@pytest.mark.parametrize("events", [[], ["report.deleted"], ["ping"]])
def test_events_must_be_chosen_from_the_list(people, events):
    with pytest.raises(ValidationFailed) as caught:
        services.endpoint_create(actor=people.city_admin, url=PUBLIC_URL, events=events)
    assert "events" in caught.value.field_errors


def test_an_agency_has_at_most_ten_endpoints(people):
    for _n in range(services.ENDPOINTS_PER_AGENCY):
        endpoint_for(people.city_admin, PUBLIC_URL)
    with pytest.raises(ValidationFailed, match="already has 10 webhooks"):
        endpoint_for(people.city_admin, PUBLIC_URL)
    assert WebhookEndpoint.objects.count() == services.ENDPOINTS_PER_AGENCY
    services.endpoint_delete(
        actor=people.city_admin, endpoint_id=WebhookEndpoint.objects.first().pk
    )
    endpoint_for(people.city_admin, PUBLIC_URL)


# --- Who may -------------------------------------------------------------------------------


def test_only_an_agency_admin_manages_endpoints(people):
    for actor in (people.officer, people.national_admin, people.citizen):
        with pytest.raises(PermissionDenied):
            services.endpoint_create(actor=actor, url=PUBLIC_URL, events=ALL_EVENTS)
    endpoint, _s = endpoint_for(people.city_admin, PUBLIC_URL)
    for call in (
        services.endpoint_disable,
        services.endpoint_enable,
        services.endpoint_delete,
        services.endpoint_rotate_secret,
        services.webhook_send_test,
    ):
        # Another agency's admin, and the admin of the agency above: not theirs.
        for actor in (people.other_admin, people.province_admin):
            with pytest.raises(NotFound):
                call(actor=actor, endpoint_id=endpoint.pk)
    people.city_admin.is_active = False
    with pytest.raises(PermissionDenied):
        services.endpoint_disable(actor=people.city_admin, endpoint_id=endpoint.pk)


# --- Integration tokens -------------------------------------------------------------------


def test_integration_tokens_share_one_service_account_per_agency(people):
    first, raw_first = services.integration_token_create(actor=people.city_admin, name="Aplikasi")
    second, raw_second = services.integration_token_create(actor=people.city_admin, name="Cadangan")
    assert raw_first.startswith("adn_int_")
    assert raw_first != raw_second
    assert first.user == second.user
    account = first.user
    assert (account.role, account.agency, account.email) == (Role.AGENCY_ADMIN, people.city, None)
    assert not account.has_usable_password()
    assert first.agency == people.city
    other, _raw = services.integration_token_create(actor=people.other_admin, name="Aplikasi")
    assert other.user != account
    assert other.user.agency == people.other


def test_integration_tokens_are_revoked_by_their_agency_only(people):
    token, _raw = services.integration_token_create(actor=people.city_admin, name="Aplikasi")
    with pytest.raises(NotFound):
        services.integration_token_revoke(actor=people.other_admin, token_id=token.pk)
    with pytest.raises(PermissionDenied):
        services.integration_token_revoke(actor=people.officer, token_id=token.pk)
    services.integration_token_revoke(actor=people.city_admin, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_an_integration_token_needs_a_sensible_name(people, name):
    with pytest.raises(ValidationFailed) as caught:
        services.integration_token_create(actor=people.city_admin, name=name)
    assert "name" in caught.value.field_errors
