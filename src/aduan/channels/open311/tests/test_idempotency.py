"""The ``Idempotency-Key`` extension on Open311 POST (issue 12): scoped to the api key's
account, the same key and form within 24 hours answers the first request's report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from conftest import meet_before, run_at_once
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from aduan.accounts.tests.factories import NationalAdminFactory
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.channels.open311 import services, views
from aduan.channels.open311.services import api_key_issue
from aduan.reports.models import Report
from aduan.workflow.idempotency import KEY_LIFETIME
from aduan.workflow.models import SubmissionKey

from .conftest import ROOT

pytestmark = pytest.mark.django_db

URL = f"{ROOT}/requests.json"


def post(client, data, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, data, **headers)


def created(response) -> dict:
    assert response.status_code == 201, response.content
    [item] = json.loads(response.content)
    return item


def test_the_same_key_and_form_answers_the_first_request(client, issued, post_data):
    first = created(post(client, post_data, "app-42"))
    # The same fields in another order, and another api key of the same account.
    second_key = api_key_issue(actor=NationalAdminFactory(), organisation="Aplikasi Kota Bersih")
    assert second_key[0].account == issued[0].account
    reordered = {name: post_data[name] for name in reversed(post_data)}
    again = created(post(client, {**reordered, "api_key": second_key[1]}, "app-42"))
    assert (again["service_request_id"], again["token"]) == (
        first["service_request_id"],
        first["token"],
    )
    assert Report.objects.count() == 1
    assert SubmissionKey.objects.get().user == issued[0].account


def test_the_same_key_with_another_form_is_a_422(client, post_data):
    created(post(client, post_data, "app-42"))
    refused = post(client, {**post_data, "lat": "-6.9"}, "app-42")
    assert refused.status_code == 422
    [error] = json.loads(refused.content)
    assert error["code"] == 422
    assert "different request" in error["description"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci\u00e9"])
def test_a_malformed_key_is_a_422(client, post_data, key):
    refused = post(client, post_data, key)
    assert refused.status_code == 422
    assert "printable ASCII" in json.loads(refused.content)[0]["description"]
    assert not Report.objects.exists()


def test_without_a_key_each_post_is_a_report(client, post_data):
    created(post(client, post_data))
    created(post(client, post_data))
    assert Report.objects.count() == 2


def test_another_accounts_key_is_independent(client, post_data):
    other = api_key_issue(actor=NationalAdminFactory(), organisation="Aplikasi Lain")
    one = created(post(client, post_data, "same"))
    two = created(post(client, {**post_data, "api_key": other[1]}, "same"))
    assert one["service_request_id"] != two["service_request_id"]
    assert Report.objects.count() == 2


def test_a_key_older_than_24_hours_makes_a_new_report(client, post_data):
    first = created(post(client, post_data, "k"))
    with time_machine.travel(timezone.now() + KEY_LIFETIME + dt.timedelta(minutes=1)):
        later = created(post(client, post_data, "k"))
    assert later["service_request_id"] != first["service_request_id"]
    assert SubmissionKey.objects.get().report.tracking_id == later["service_request_id"]


def test_a_replay_is_not_counted_against_the_keys_rate(client, post_data, settings):
    settings.ADUAN_OPEN311_RATE = "1/h"
    first = created(post(client, post_data, "k"))
    for _ in range(3):
        assert created(post(client, post_data, "k")) == first
    assert post(client, post_data, "other").status_code == 429


def test_a_failure_after_the_commit_is_answered_by_the_retry(post_data, monkeypatch):
    real = views._created
    calls = []

    def fails_once(fmt, submission):
        calls.append(submission)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(fmt, submission)

    monkeypatch.setattr(views, "_created", fails_once)
    client = Client(raise_request_exception=False)
    assert post(client, post_data, "retry-me").status_code >= 500
    [stored] = Report.objects.all()
    retried = created(post(client, post_data, "retry-me"))
    assert retried["service_request_id"] == stored.tracking_id
    assert retried["token"] == stored.open311_submission.token
    assert Report.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: two posts cannot overlap there",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_make_one_report(post_data, monkeypatch):
    meet_before(monkeypatch, services, "report_submit")
    answers = run_at_once(lambda: post(Client(), post_data, "twin"))
    one, two = (created(a) for a in answers)
    assert one == two
    assert Report.objects.count() == 1
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == sorted([InboundStatus.ACCEPTED, InboundStatus.IGNORED])
