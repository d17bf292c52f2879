"""Web Push: subscribing a device, and notifications reaching it through a push service
that runs on loopback, checks the VAPID signature and decrypts the payload as a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from conftest import meet_before, require_component, run_at_once
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.notifications import services
from aduan.notifications.delivery import MAX_ATTEMPTS, notification_deliver
from aduan.notifications.models import (
    Notification,
    NotificationKind,
    NotificationState,
    PushSubscription,
)
from aduan.notifications.services import notify, preference_set
from aduan.reports.models import Channel
from aduan.workflow import services as wf

from .push_service import HANG_UP, PUSH_SETTINGS, device_keys, running_push_service

pytestmark = pytest.mark.django_db

RESPONSE = "Lampu jalan sudah kami ganti pagi ini, terima kasih atas laporannya."
SUBSCRIBE = reverse("notifications:push_subscribe")
UNSUBSCRIBE = reverse("notifications:push_unsubscribe")
CHECK = reverse("notifications:push_check")


@pytest.fixture
def push(settings):
    for name, value in PUSH_SETTINGS.items():
        setattr(settings, name, value)
    with running_push_service() as service:
        yield service
    assert not service.refused, service.refused


def subscribe(client: Client, endpoint: str, keys) -> object:
    body = {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}
    return client.post(
        SUBSCRIBE, json.dumps(body), content_type="application/json", HTTP_USER_AGENT="Firefox"
    )


def device(push, user, name: str = "phone"):
    keys = device_keys()
    return PushSubscription.objects.create(
        user=user, endpoint=push.endpoint(name, keys), p256dh=keys.p256dh, auth=keys.auth
    )


@pytest.fixture
def push_row(push, reporter, report, status_event):
    """A pending push row to a reporter with one device (its task never ran)."""
    device(push, reporter)
    notify(
        recipients=[reporter],
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=status_event,
        key=f"event:{status_event.pk}",
    )
    return Notification.objects.get(channel="push")


def handled_by_a_unit(reporter):
    agency = AgencyFactory(name="Pemerintah Kota Contoh")
    unit = UnitFactory(parent=agency, name="Dinas Penerangan Jalan")
    officer = UnitOfficerFactory(agency=unit)
    report = wf.report_submit(
        reporter=reporter,
        channel=Channel.WEB,
        classification="complaint",
        title="Lampu jalan mati di Jalan Merdeka",
        body="Sudah dua minggu lampu jalan di depan pasar mati, rawan kecelakaan malam hari.",
        agency_id=agency.pk,
    )
    report = wf.report_dispose(report=report, actor=NationalAdminFactory(), agency_id=agency.pk)
    report = wf.report_forward(
        report=report, actor=AgencyAdminFactory(agency=agency), agency_id=unit.pk
    )
    report = wf.report_accept(report=report, actor=officer)
    return report, officer


def test_a_response_reaches_the_reporters_phone(
    push, reporter, client, django_capture_on_commit_callbacks
):
    report, officer = handled_by_a_unit(reporter)
    client.force_login(reporter)
    keys = device_keys()
    answer = subscribe(client, push.endpoint("phone", keys), keys)
    assert answer.status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        wf.report_respond(report=report, actor=officer, body=RESPONSE)

    row = Notification.objects.get(channel="push", kind=NotificationKind.RESPONSE_POSTED)
    assert row.state == NotificationState.SENT
    assert row.recipient == reporter
    [payload] = push.received
    track = reverse("web:track_detail", args=[report.tracking_id])
    assert payload["title"] == row.subject
    assert report.tracking_id in payload["title"]
    assert RESPONSE in payload["body"]
    assert payload["url"] == f"{django_settings.SITE_URL}{track}"
    assert set(payload) == {"path", "headers", "title", "body", "url"}
    assert payload["headers"]["Urgency"] == "normal"
    subscription = PushSubscription.objects.get(user=reporter)
    assert subscription.last_success_at is not None
    assert subscription.user_agent == "Firefox"


def test_a_confidential_reports_push_carries_none_of_its_text(
    push, reporter, django_capture_on_commit_callbacks
):
    report, officer = handled_by_a_unit(reporter)
    report.confidential = True
    report.save(update_fields=["confidential"])
    device(push, reporter)
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_respond(report=report, actor=officer, body=RESPONSE)
    [payload] = push.received
    # As the e-mail: the reporter's own title, but neither the response nor the report's text.
    assert "ganti" not in json.dumps(payload)
    assert "pasar" not in json.dumps(payload)
    email = Notification.objects.get(channel="email", kind=NotificationKind.RESPONSE_POSTED)
    assert "ganti" not in email.body
    # The in-app list, read behind the sign-in, still has the response.
    in_app = Notification.objects.get(channel="in_app", kind=NotificationKind.RESPONSE_POSTED)
    assert RESPONSE in in_app.body


def test_push_turned_off_for_a_kind_sends_nothing(
    push, reporter, django_capture_on_commit_callbacks
):
    report, officer = handled_by_a_unit(reporter)
    device(push, reporter)
    preference_set(
        user=reporter, kind=NotificationKind.RESPONSE_POSTED, channel="push", enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        wf.report_respond(report=report, actor=officer, body=RESPONSE)
    assert not Notification.objects.filter(channel="push").exists()
    assert Notification.objects.filter(channel="email", kind="response_posted").exists()
    assert push.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_removed(push, push_row, status):
    push.answers["/push/phone"] = status
    assert notification_deliver(notification_id=push_row.pk) == "skipped"
    row = Notification.objects.get(pk=push_row.pk)
    assert row.state == NotificationState.SKIPPED
    assert row.attempts == 1
    assert not PushSubscription.objects.exists()


def test_with_one_device_gone_the_other_gets_it(push, push_row, reporter):
    laptop = device(push, reporter, "laptop")
    push.answers["/push/phone"] = 410
    assert notification_deliver(notification_id=push_row.pk) == "sent"
    assert list(PushSubscription.objects.all()) == [laptop]
    assert [payload["path"] for payload in push.received] == ["/push/laptop"]


def test_a_server_error_is_retried_then_failed_like_email(push, push_row):
    push.answers["/push/phone"] = 500
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            outcome = notification_deliver(notification_id=push_row.pk)
            row = Notification.objects.get(pk=push_row.pk)
            assert row.attempts == attempt
            assert "answered 500" in row.last_error
            if attempt < MAX_ATTEMPTS:
                assert outcome == "retry"
                assert row.state == NotificationState.PENDING
                clock.move_to(row.next_attempt_at)
    assert outcome == "failed"
    assert row.state == NotificationState.FAILED
    assert row.send_started_at is not None
    assert PushSubscription.objects.count() == 1  # a failing service is not a gone device
    assert push.received == []


def test_a_retry_after_an_error_delivers_once(push, push_row):
    push.answers["/push/phone"] = 503
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert notification_deliver(notification_id=push_row.pk) == "retry"
        push.answers.pop("/push/phone")
        clock.move_to(Notification.objects.get(pk=push_row.pk).next_attempt_at)
        assert notification_deliver(notification_id=push_row.pk) == "sent"
        assert notification_deliver(notification_id=push_row.pk) == "not_claimed"
    assert len(push.received) == 1


def test_a_push_service_out_of_reach_is_a_clean_retry(push_row):
    # Nothing listens there: connecting fails, nothing left.
    PushSubscription.objects.update(endpoint="http://127.0.0.1:9/push/phone")
    assert notification_deliver(notification_id=push_row.pk) == "retry"
    row = Notification.objects.get(pk=push_row.pk)
    assert "could not connect" in row.last_error
    assert row.send_started_at is None


def test_a_push_service_that_hangs_up_after_the_request_makes_it_uncertain(push, push_row):
    push.answers["/push/phone"] = HANG_UP
    assert notification_deliver(notification_id=push_row.pk) == "uncertain"
    row = Notification.objects.get(pk=push_row.pk)
    assert row.state == NotificationState.UNCERTAIN
    assert "no answer after sending" in row.last_error
    assert notification_deliver(notification_id=push_row.pk) == "not_claimed"
    assert PushSubscription.objects.count() == 1


def test_no_vapid_keys_no_push(settings, reporter, report, status_event, client):
    PushSubscription.objects.create(
        user=reporter,
        endpoint="https://fcm.googleapis.com/fcm/send/abc",
        p256dh=device_keys().p256dh,
        auth=device_keys().auth,
    )
    settings.ADUAN_VAPID_PRIVATE_KEY = ""
    notify(
        recipients=[reporter],
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=status_event,
        key="event:x",
    )
    assert not Notification.objects.filter(channel="push").exists()
    client.force_login(reporter)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "push.js" not in page
    assert "status_changed:push" not in page
    keys = device_keys()
    assert subscribe(client, "https://fcm.googleapis.com/fcm/send/def", keys).status_code == 400


def test_the_settings_page_offers_push_on_this_device(push, reporter, client):
    client.force_login(reporter)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert f'data-vapid-public-key="{PUSH_SETTINGS["ADUAN_VAPID_PUBLIC_KEY"]}"' in page
    assert "notifications/push.js" in page
    assert 'name="response_posted:push"' in page


# --- The subscription endpoints ---------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (SUBSCRIBE, UNSUBSCRIBE, CHECK):
        answer = client.post(url, "{}", content_type="application/json")
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("account_login"))
    assert client.get(SUBSCRIBE).status_code == 302
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token(push, reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    keys = device_keys()
    assert subscribe(client, push.endpoint("phone", keys), keys).status_code == 403
    assert not PushSubscription.objects.exists()
    client.get(reverse("notifications:preferences"))
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    body = {
        "endpoint": push.endpoint("phone", keys),
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }
    answer = client.post(
        SUBSCRIBE, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert answer.status_code == 201
    assert PushSubscription.objects.get().user == reporter


def test_the_same_browser_subscribing_again_moves_to_the_new_account(push, reporter, client):
    keys = device_keys()
    endpoint = push.endpoint("shared", keys)
    client.force_login(reporter)
    assert subscribe(client, endpoint, keys).status_code == 201
    other = UserFactory()
    client.force_login(other)
    assert subscribe(client, endpoint, keys).status_code == 201
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [other.pk]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: two subscriptions cannot overlap there",
)
@pytest.mark.django_db(transaction=True)
def test_one_browser_subscribing_twice_at_once_keeps_one_row(push, reporter, monkeypatch):
    """A double tap sends the same subscription twice; both answers are 201, one row."""
    keys = device_keys()
    endpoint = push.endpoint("double", keys)
    meet_before(monkeypatch, services, "endpoint_allowed")

    def tap():
        client = Client()
        client.force_login(reporter)
        return subscribe(client, endpoint, keys).status_code

    assert run_at_once(tap) == [201, 201]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [endpoint]


def test_nobody_can_unsubscribe_someone_elses_device(push, reporter, client):
    mine = device(push, reporter)
    client.force_login(UserFactory())
    answer = client.post(
        UNSUBSCRIBE, json.dumps({"endpoint": mine.endpoint}), content_type="application/json"
    )
    assert answer.json() == {"removed": False}
    assert PushSubscription.objects.filter(pk=mine.pk).exists()
    client.force_login(reporter)
    answer = client.post(
        UNSUBSCRIBE, json.dumps({"endpoint": mine.endpoint}), content_type="application/json"
    )
    assert answer.json() == {"removed": True}
    assert not PushSubscription.objects.exists()


# --- A shared phone: push follows whoever is signed in ---------------------------------------


def check(client: Client, endpoint: str) -> dict:
    answer = client.post(CHECK, json.dumps({"endpoint": endpoint}), content_type="application/json")
    assert answer.status_code == 200
    return answer.json()


def test_signing_out_turns_push_off_for_the_browsers_subscribed_in_that_session(
    push, reporter, client
):
    keys = device_keys()
    phone = push.endpoint("shared-phone", keys)
    laptop = device(push, reporter, "laptop")  # turned on in another session: stays
    client.force_login(reporter)
    assert subscribe(client, phone, keys).status_code == 201
    assert client.post(reverse("account_logout")).status_code == 302
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [laptop.pk]


def test_signing_out_also_turns_off_a_browser_found_to_be_the_users(push, reporter, client):
    mine = device(push, reporter)
    client.force_login(reporter)
    assert check(client, mine.endpoint) == {"mine": True}
    client.post(reverse("account_logout"))
    assert not PushSubscription.objects.exists()


def test_another_accounts_push_on_this_browser_is_not_shown_on_and_stops(push, reporter, client):
    """B signs in on the phone A left signed in with push on: B is not told "on" for A's
    subscription, and A's notifications stop reaching the phone in B's hands."""
    theirs = device(push, reporter)
    other = UserFactory()
    client.force_login(other)
    assert check(client, theirs.endpoint) == {"mine": False}
    assert not PushSubscription.objects.exists()
    assert check(client, "https://fcm.googleapis.com/fcm/send/unknown") == {"mine": False}
    assert client.post(CHECK, "[]", content_type="application/json").json() == {"mine": False}
    client.post(reverse("account_logout"))  # nothing of B's to turn off; nothing breaks


def test_checking_needs_the_csrf_token(push, reporter):
    client = Client(enforce_csrf_checks=True)
    mine = device(push, reporter)
    client.force_login(UserFactory())
    answer = client.post(CHECK, json.dumps({"endpoint": mine.endpoint}), "application/json")
    assert answer.status_code == 403
    assert PushSubscription.objects.filter(pk=mine.pk).exists()


def _bad_subscriptions():
    keys = device_keys()
    good = {"p256dh": keys.p256dh, "auth": keys.auth}
    return {
        "plain http elsewhere": ("http://push.example.com/x", good),
        "https, not a push service": ("https://internal.example.id/x", good),
        "a look-alike host": ("https://fcm.googleapis.com.evil.example/x", good),
        "credentials in the URL": ("https://user:pw@fcm.googleapis.com/x", good),
        "not a URL": ("javascript:alert(1)", good),
        "short p256dh": ("https://fcm.googleapis.com/x", {**good, "p256dh": good["p256dh"][:40]}),
        "p256dh not on the curve": (
            "https://fcm.googleapis.com/x",
            {**good, "p256dh": "BA" + "A" * 85},
        ),
        "auth not base64url": (
            "https://fcm.googleapis.com/x",
            {**good, "auth": "a+b/" * 5 + "==="},
        ),
        "auth too long": ("https://fcm.googleapis.com/x", {**good, "auth": good["auth"] * 2}),
        "keys missing": ("https://fcm.googleapis.com/x", {}),
    }


@pytest.mark.parametrize("case", list(_bad_subscriptions()))
def test_a_bad_subscription_is_refused(push, reporter, client, case):
    endpoint, keys = _bad_subscriptions()[case]
    client.force_login(reporter)
    answer = client.post(
        SUBSCRIBE, json.dumps({"endpoint": endpoint, "keys": keys}), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_push_services_https_endpoint_is_accepted_and_loopback_only_when_allowed(
    push, reporter, client, settings
):
    client.force_login(reporter)
    keys = device_keys()
    assert subscribe(client, "https://fcm.googleapis.com/fcm/send/abc", keys).status_code == 201
    assert subscribe(client, "https://web.push.apple.com/QGx", keys).status_code == 201
    settings.ADUAN_PUSH_ALLOW_LOOPBACK = False
    assert subscribe(client, push.endpoint("phone", keys), keys).status_code == 400
    assert PushSubscription.objects.count() == 2


def test_a_body_that_is_not_json_is_refused(push, reporter, client):
    client.force_login(reporter)
    answer = client.post(SUBSCRIBE, "endpoint=x", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400


def test_the_start_up_check_catches_a_key_pair_that_does_not_match(settings):
    from aduan.notifications.senders.push import vapid_settings_problem

    for name, value in PUSH_SETTINGS.items():
        setattr(settings, name, value)
    assert vapid_settings_problem() is None
    settings.ADUAN_VAPID_PUBLIC_KEY = device_keys().p256dh  # another key's
    assert "not the public key" in vapid_settings_problem()
    settings.ADUAN_VAPID_PRIVATE_KEY = "bm90IGEga2V5"
    assert "not a P-256 private key" in vapid_settings_problem()
    settings.ADUAN_VAPID_SUBJECT = ""
    assert "set all of" in vapid_settings_problem()
    settings.ADUAN_VAPID_PUBLIC_KEY = settings.ADUAN_VAPID_PRIVATE_KEY = ""
    assert vapid_settings_problem() is None


def test_the_key_pair_command_makes_a_pair_the_check_accepts(settings):
    from io import StringIO

    from django.core.management import call_command

    from aduan.notifications.senders.push import vapid_settings_problem

    out = StringIO()
    call_command("vapid_keys", stdout=out)
    for line in out.getvalue().split():
        name, value = line.split("=", 1)
        setattr(settings, name, value)
    settings.ADUAN_VAPID_SUBJECT = "mailto:ops@aduan.example.id"
    assert vapid_settings_problem() is None


# --- push.js, in a stub browser -------------------------------------------------------------


def run_push_js(scenario: str) -> dict:
    node = shutil.which("node")
    require_component("Node.js", node is not None, "apt-get install nodejs")
    here = Path(__file__).parent
    script = here.parent / "static" / "notifications" / "push.js"
    result = subprocess.run(  # noqa: S603 - fixed argv
        [node, str(here / "push_js_harness.js"), str(script), scenario],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"VAPID_PUBLIC_KEY": PUSH_SETTINGS["ADUAN_VAPID_PUBLIC_KEY"]},
    )
    return json.loads(result.stdout)


def test_push_js_subscribes_with_the_sites_key_and_tells_the_server():
    calls, seen = run_push_js("full").values()
    key = PUSH_SETTINGS["ADUAN_VAPID_PUBLIC_KEY"]
    assert seen[0] == {"section": False, "on": False, "off": True, "status": ""}
    assert calls[:3] == [
        ["permission"],
        ["subscribe", True, key],
        [
            "fetch",
            SUBSCRIBE,
            "POST",
            "csrf-token",
            {
                "endpoint": "https://fcm.googleapis.com/fcm/send/device-1",
                "expirationTime": None,
                "keys": {"p256dh": "P", "auth": "A"},
            },
        ],
    ]
    assert seen[1] == {"section": False, "on": True, "off": False, "status": "ON"}
    assert calls[3:] == [
        [
            "fetch",
            UNSUBSCRIBE,
            "POST",
            "csrf-token",
            {"endpoint": "https://fcm.googleapis.com/fcm/send/device-1"},
        ],
        ["unsubscribe"],
    ]
    assert seen[2] == {"section": False, "on": False, "off": True, "status": "OFF"}


def test_push_js_shows_on_only_for_the_signed_in_users_own_subscription():
    calls, seen = run_push_js("mine").values()
    assert calls[0] == [
        "fetch",
        CHECK,
        "POST",
        "csrf-token",
        {"endpoint": "https://fcm.googleapis.com/fcm/send/device-1"},
    ]
    assert seen[0] == {"section": False, "on": True, "off": False, "status": ""}


def test_push_js_drops_another_accounts_subscription_and_shows_off():
    calls, seen = run_push_js("another-account").values()
    assert calls[0][:2] == ["fetch", CHECK]
    assert calls[1] == ["unsubscribe"]
    assert seen[0] == {"section": False, "on": False, "off": True, "status": ""}


def test_push_js_does_nothing_without_the_push_api():
    calls, seen = run_push_js("no-push-api").values()
    assert calls == []
    assert all(state["section"] is True for state in seen)
