"""Posting deliveries to a real receiver on 127.0.0.1: signatures, retries with back-off,
auto-disable, and no double send."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from aduan.core.retry import BACKOFF
from aduan.integrations.delivery import (
    MAX_ATTEMPTS,
    deliveries_deliver_pending,
    delivery_attempt,
    delivery_body,
)
from aduan.integrations.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from aduan.integrations.selectors import delivery_log
from aduan.integrations.services import webhook_send_test
from aduan.integrations.signing import signature_headers, signature_verify
from aduan.workflow import services as wf

from .helpers import disposed, endpoint_for, submitted

pytestmark = pytest.mark.django_db


def test_a_disposition_reaches_the_receiver_signed(
    people, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        report = disposed(people)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.verified
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert request.headers["X-Aduan-Event"] == "report.disposed"
    assert request.headers["X-Aduan-Delivery"] == str(delivery.pk)
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json["report"]["tracking_id"] == report.tracking_id
    assert request.json["report"]["agency"]["name"] == people.city.name
    assert request.json["report"]["deadlines"]["response_due"]
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)
    assert delivery.response_ms is not None
    assert delivery.sent_at is not None


def test_the_receiver_helper_detects_a_wrong_secret(
    people, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_for(people.city_admin, receiver.url)
    receiver.secret = "whsec_not-the-one-we-were-given"
    with django_capture_on_commit_callbacks(execute=True):
        webhook_send_test(actor=people.city_admin, endpoint_id=endpoint.pk)

    assert [r.verified for r in receiver.received] == [False]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    # The receiver refused it (401), so we retry later.
    assert (delivery.state, delivery.last_status_code) == ("pending", 401)
    assert delivery.last_error.startswith("HTTP 401")


def test_the_signature_covers_timestamp_and_body(people):
    endpoint, secret = endpoint_for(people.city_admin, "https://93.184.216.34/hook")
    body = b'{"event":{"kind":"ping"}}'
    headers = signature_headers(secret=secret, body=body, timestamp=1_767_225_600)
    stamp, signature = headers["X-Aduan-Timestamp"], headers["X-Aduan-Signature"]
    ok = {"secret": secret, "timestamp": stamp, "signature": signature, "now": 1_767_225_660}
    assert signature_verify(body=body, **ok)
    assert not signature_verify(body=body + b" ", **ok)
    assert not signature_verify(body=body, **{**ok, "timestamp": "1767225601"})
    # Five minutes' tolerance, in both directions.
    assert not signature_verify(body=body, **{**ok, "now": 1_767_225_600 + 301})
    assert not signature_verify(body=body, **{**ok, "now": 1_767_225_600 - 301})
    assert not signature_verify(body=body, **{**ok, "signature": None})
    assert endpoint.secret == secret
    assert secret.startswith("whsec_")


def test_a_500_is_retried_after_the_backoff_and_delivered_once(
    people, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert "receiver says no" in delivery.last_error
    first_try = timezone.now()
    assert delivery.next_attempt_at >= first_try + BACKOFF[0] - dt.timedelta(seconds=5)

    # Not yet due: the sweep leaves it alone.
    assert deliveries_deliver_pending() == {}
    assert len(receiver.received) == 1

    with time_machine.travel(first_try + BACKOFF[0] + dt.timedelta(seconds=1)):
        assert deliveries_deliver_pending() == {"sent": 1}
        assert deliveries_deliver_pending() == {}  # delivered: nothing more to do
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("sent", 2, 200)
    assert [r.verified for r in receiver.received] == [True, True]
    ids = {r.headers["X-Aduan-Delivery"] for r in receiver.received}
    assert ids == {str(delivery.pk)}  # the same delivery id on the retry
    assert receiver.received[0].body == receiver.received[1].body
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failure_count == 0


def test_after_the_last_attempt_a_delivery_fails_for_good(
    people, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    receiver.statuses = [503] * MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    moment = timezone.now()
    for wait in BACKOFF:
        moment += wait + dt.timedelta(seconds=1)
        with time_machine.travel(moment):
            deliveries_deliver_pending()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.received) == MAX_ATTEMPTS
    with time_machine.travel(moment + dt.timedelta(days=2)):
        assert deliveries_deliver_pending() == {}


def test_consecutive_failures_disable_the_endpoint_and_cancel_what_waits(
    people, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ADUAN_WEBHOOK_MAX_FAILURES = 3
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    receiver.statuses = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        reports = [disposed(people) for _n in range(4)]
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "3 failed attempts in a row" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    assert len(receiver.received) == 3  # the fourth was never posted
    states = sorted(WebhookDelivery.objects.values_list("state", flat=True))
    assert states == ["cancelled"] * 4
    # And no new deliveries while it is disabled.
    with django_capture_on_commit_callbacks(execute=True):
        disposed(people)
    assert WebhookDelivery.objects.count() == 4
    assert len(reports) == 4


def test_a_success_resets_the_failure_count(people, receiver, django_capture_on_commit_callbacks):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        disposed(people)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failure_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        disposed(people)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failure_count == 0


def test_two_workers_never_post_the_same_attempt(people, receiver):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    disposed(people)  # on-commit callbacks not run: the delivery waits
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery_attempt(delivery_id=delivery.pk, worker="a") == "sent"
    assert delivery_attempt(delivery_id=delivery.pk, worker="b") == "not_claimed"
    assert len(receiver.received) == 1


def test_a_claim_of_a_dead_worker_is_posted_again_after_the_timeout(people, receiver):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now(), claimed_by="dead", attempts=1
    )
    assert deliveries_deliver_pending() == {}  # still fresh: maybe still running
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert deliveries_deliver_pending() == {"released": 1, "sent": 1}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)


def test_the_address_is_checked_again_before_each_attempt(people, receiver, settings):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    settings.ADUAN_WEBHOOK_ALLOW_PRIVATE = False
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "private or local address" in delivery.last_error
    assert delivery.last_status_code is None
    assert receiver.received == []


def test_an_unreachable_receiver_is_a_failed_attempt(people, receiver):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/closed")
    disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "ConnectionRefusedError" in delivery.last_error


def test_the_body_is_canonical_json(people, receiver):
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    body = delivery_body(delivery)
    assert body == delivery_body(WebhookDelivery.objects.get(pk=delivery.pk))
    canonical = json.dumps(
        json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert body == canonical


# --- Whatever an attempt raises, it is a failed attempt and the batch goes on -----------


def _three_waiting(people, receiver) -> tuple[WebhookEndpoint, list[WebhookDelivery]]:
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    for _n in range(3):
        disposed(people)  # on-commit callbacks not run: the deliveries wait for the sweep
    return endpoint, list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id"))


def _break_one(monkeypatch, where: str, broken: WebhookDelivery, error: Exception) -> None:
    """Make ``where`` raise ``error`` for the delivery ``broken`` only."""
    from aduan.integrations import delivery as delivery_module

    real = getattr(delivery_module, where)
    if where == "delivery_body":

        def body(delivery):
            if delivery.pk == broken.pk:
                raise error
            return real(delivery)

        monkeypatch.setattr(delivery_module, where, body)
        return

    def connection_for(target, *, timeout):
        # The target names no delivery: tell the broken one by the headers it is posted with.
        connection = real(target, timeout=timeout)
        request = connection.request

        def request_or_raise(method, path, body, headers):
            if headers["X-Aduan-Delivery"] == str(broken.pk):
                raise error
            return request(method, path, body=body, headers=headers)

        connection.request = request_or_raise
        return connection

    monkeypatch.setattr(delivery_module, where, connection_for)


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("delivery_body", ValueError("Out of range float values are not JSON compliant")),
        ("open_connection", UnicodeError("encoding with 'idna' codec failed (label too long)")),
    ],
)
def test_an_unexpected_error_in_one_attempt_is_a_failed_attempt_and_the_batch_goes_on(
    people, receiver, monkeypatch, caplog, where, error
):
    _endpoint, (first, broken, last) = _three_waiting(people, receiver)
    _break_one(monkeypatch, where, broken, error)
    moment = timezone.now()
    with time_machine.travel(moment, tick=False):
        assert deliveries_deliver_pending() == {"sent": 2, "retry": 1}
    assert sorted(int(r.headers["X-Aduan-Delivery"]) for r in receiver.received) == [
        first.pk,
        last.pk,
    ]
    broken.refresh_from_db()
    assert (broken.state, broken.attempts, broken.claimed_by) == ("pending", 1, "")
    assert broken.last_error == f"{type(error).__name__}: {error}"
    assert broken.last_status_code is None
    assert broken.next_attempt_at == moment + BACKOFF[0]
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert str(broken.pk) in logged.getMessage()
    assert logged.exc_info[1] is error  # the traceback is in the log

    # Retried on the schedule like any failure, and delivered once the error is gone.
    monkeypatch.undo()
    with time_machine.travel(moment + BACKOFF[0]):
        assert deliveries_deliver_pending() == {"sent": 1}
    broken.refresh_from_db()
    assert (broken.state, broken.attempts) == ("sent", 2)


def test_unexpected_errors_count_toward_disabling_the_endpoint(
    people, receiver, settings, monkeypatch
):
    from aduan.integrations import delivery as delivery_module

    settings.ADUAN_WEBHOOK_MAX_FAILURES = 2
    endpoint, deliveries = _three_waiting(people, receiver)

    def broken(delivery):
        raise ValueError("no JSON for this payload")

    monkeypatch.setattr(delivery_module, "delivery_body", broken)
    # The second failure disabled the endpoint and cancelled the third before its turn.
    assert deliveries_deliver_pending() == {"retry": 2, "not_claimed": 1}
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "2 failed attempts in a row" in endpoint.disabled_reason
    assert "ValueError: no JSON for this payload" in endpoint.disabled_reason
    states = [d.state for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")]
    assert states == ["cancelled"] * 3
    assert len(deliveries) == 3
    assert receiver.received == []


def test_an_attempt_that_crashes_outright_does_not_stop_the_sweep(
    people, receiver, monkeypatch, caplog
):
    from aduan.integrations import delivery as delivery_module

    _endpoint, (first, crashing, last) = _three_waiting(people, receiver)
    real = delivery_module.delivery_attempt

    def attempt(*, delivery_id, worker=None):
        if delivery_id == crashing.pk:
            raise RuntimeError("database connection lost")
        return real(delivery_id=delivery_id, worker=worker)

    monkeypatch.setattr(delivery_module, "delivery_attempt", attempt)
    assert deliveries_deliver_pending() == {"sent": 2, "error": 1}
    assert sorted(int(r.headers["X-Aduan-Delivery"]) for r in receiver.received) == [
        first.pk,
        last.pk,
    ]
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert str(crashing.pk) in logged.getMessage()
    assert isinstance(logged.exc_info[1], RuntimeError)
    # Still waiting: the next sweep takes it.
    monkeypatch.undo()
    assert deliveries_deliver_pending() == {"sent": 1}


def test_a_retry_that_cannot_be_enqueued_is_still_a_counted_failure(people, receiver, monkeypatch):
    from aduan.integrations import tasks

    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    receiver.statuses = [500]
    disposed(people)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    class QueueDown:
        """A task whose backend can defer, but whose queue is unreachable."""

        def get_backend(self):
            return type("Backend", (), {"supports_defer": True})()

        def using(self, **options):
            return self

        def enqueue(self, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(tasks, "deliver_webhook", QueueDown())
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status_code) == ("pending", 500)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failure_count == 1


# --- Each attempt says what the report is now -------------------------------------------


def _failed_once(people, receiver, *, events=None, **report_kwargs):
    """A delivery whose first attempt the receiver refused (500), and the moment it is
    due again."""
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url, events=events)
    receiver.statuses = [500]
    report = disposed(people, **report_kwargs)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    return endpoint, report, delivery, timezone.now() + BACKOFF[0] + dt.timedelta(seconds=1)


def test_a_retry_after_the_report_was_made_anonymous_does_not_name_the_reporter(people, receiver):
    _endpoint, report, delivery, due = _failed_once(people, receiver)
    first = receiver.received[0].json["report"]
    assert (first["anonymous"], first["reporter"]) == (False, {"name": "Siti Rahmawati"})

    wf.report_set_flags(report=report, actor=people.national_admin, anonymous=True)
    with time_machine.travel(due):
        assert deliveries_deliver_pending() == {"sent": 1}
    retry = receiver.received[1]
    assert retry.verified
    assert retry.headers["X-Aduan-Delivery"] == str(delivery.pk)
    assert retry.json["report"]["anonymous"] is True
    assert retry.json["report"]["reporter"] is None
    assert b"Siti" not in retry.body


def test_a_retry_after_the_report_was_made_confidential_leaves_the_note_out(people, receiver):
    endpoint, receiver.secret = endpoint_for(
        people.city_admin, receiver.url, events=[WebhookEvent.COMMENTED]
    )
    report = wf.report_accept(report=disposed(people), actor=people.city_admin)
    receiver.statuses = [500]
    wf.report_comment(report=report, actor=people.citizen, body="Rumah saya nomor 12, mohon dicek.")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery_attempt(delivery_id=delivery.pk) == "retry"
    first = receiver.received[0].json
    assert first["event"]["note"] == "Rumah saya nomor 12, mohon dicek."
    assert first["report"]["confidential"] is False

    wf.report_set_flags(report=report, actor=people.national_admin, confidential=True)
    with time_machine.travel(timezone.now() + BACKOFF[0] + dt.timedelta(seconds=1)):
        assert deliveries_deliver_pending() == {"sent": 1}
    retry = receiver.received[1].json
    assert retry["report"]["confidential"] is True
    assert "note" not in retry["event"]
    assert "Rumah saya" not in receiver.received[1].body.decode()


def test_the_desks_note_to_the_agency_reaches_its_system(people, receiver):
    """The agency's system handles the report: it reads what the agency's staff read."""
    endpoint, receiver.secret = endpoint_for(people.city_admin, receiver.url)
    wf.report_dispose(
        report=submitted(people),
        actor=people.national_admin,
        agency_id=people.city.pk,
        note="Mohon koordinasi dengan kecamatan.",
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery_attempt(delivery_id=delivery.pk) == "sent"
    assert receiver.received[0].json["event"]["note"] == "Mohon koordinasi dengan kecamatan."


def test_a_retry_to_an_agency_that_no_longer_handles_the_report_is_withdrawn(people, receiver):
    endpoint, report, delivery, due = _failed_once(people, receiver)
    wf.report_return(
        report=report, actor=people.city_admin, reason="Bukan kewenangan pemerintah kota."
    )
    with time_machine.travel(due):
        assert deliveries_deliver_pending() == {"withdrawn": 1}
        assert deliveries_deliver_pending() == {}
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WITHDRAWN
    assert delivery.attempts == 2  # the attempt was made, and nothing was posted
    assert len(receiver.received) == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.failure_count == 1  # a withdrawal is not the receiver's failure
    # Not in the log of failures either.
    assert delivery_log(endpoint=endpoint, failed_only=True) == []


def test_a_report_moved_to_a_unit_is_still_delivered_to_the_agency_above(people, receiver):
    endpoint, report, delivery, due = _failed_once(people, receiver)
    report = wf.report_accept(report=report, actor=people.city_admin)
    wf.report_forward(report=report, actor=people.city_admin, agency_id=people.unit.pk)
    with time_machine.travel(due):
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    retry = receiver.received[-1]
    assert retry.headers["X-Aduan-Delivery"] == str(delivery.pk)
    assert retry.json["report"]["agency"]["name"] == people.unit.name
    assert endpoint.pk == delivery.endpoint_id
