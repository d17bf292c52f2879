"""``Idempotency-Key`` on ``POST /api/v1/reports`` (issue 12): a retry answers the report
the first request made, never a second one, even when the first answer was lost after the
commit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from conftest import meet_before, run_at_once
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from aduan.accounts.tests.factories import UserFactory
from aduan.api.tests.utils import assert_problem, bearer
from aduan.reports.models import Report
from aduan.workflow import api as workflow_api
from aduan.workflow.idempotency import KEY_LIFETIME, SUBMISSION_KEYS_JOB
from aduan.workflow.models import SubmissionKey

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"
PAYLOAD = {
    "classification": "complaint",
    "title": "Lampu jalan mati di Jalan Merdeka",
    "body": "Sudah dua minggu lampu jalan di depan pasar mati sehingga rawan kejahatan.",
}


def post(client, payload=PAYLOAD, *, key: str | None = None, auth: dict):
    headers = dict(auth)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(REPORTS, payload, content_type="application/json", **headers)


def test_the_same_key_and_body_answers_the_first_report(client):
    auth = bearer(UserFactory())
    first = post(client, key="order-1", auth=auth)
    # The same fields in another order and spacing are the same request.
    again = client.post(
        REPORTS,
        json.dumps({"body": PAYLOAD["body"], "title": PAYLOAD["title"]}, indent=2)[:-1]
        + ', "classification": "complaint"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order-1",
        **auth,
    )
    assert first.status_code == again.status_code == 201, again.content
    assert again.json()["tracking_id"] == first.json()["tracking_id"]
    assert again.json() == first.json()
    assert Report.objects.count() == 1
    assert SubmissionKey.objects.get().report.tracking_id == first.json()["tracking_id"]


def test_the_same_key_with_another_body_is_a_422_and_stores_nothing(client):
    auth = bearer(UserFactory())
    post(client, key="order-1", auth=auth)
    body = assert_problem(
        post(
            client,
            {**PAYLOAD, "title": "Jalan berlubang di depan sekolah"},
            key="order-1",
            auth=auth,
        ),
        422,
    )
    assert "Idempotency-Key" in body["errors"]
    assert "different request" in body["errors"]["Idempotency-Key"][0]
    assert Report.objects.count() == 1


def test_the_mismatch_is_told_in_indonesian_by_default(visitor_client):
    auth = bearer(UserFactory())
    post(visitor_client, key="k", auth=auth)
    other = {**PAYLOAD, "title": "Jalan berlubang di depan sekolah"}
    response = post(visitor_client, other, key="k", auth=auth)
    assert "permintaan lain" in assert_problem(response, 422)["errors"]["Idempotency-Key"][0]


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci\u00e9", "tab\there"])
def test_a_key_that_is_not_1_to_255_printable_ascii_is_a_422(client, key):
    body = assert_problem(post(client, key=key, auth=bearer(UserFactory())), 422)
    assert "printable ASCII" in body["errors"]["Idempotency-Key"][0]
    assert not Report.objects.exists()


def test_a_key_of_255_printable_characters_is_taken(client):
    key = ("a~ !" * 64)[:255]
    assert post(client, key=key, auth=bearer(UserFactory())).status_code == 201
    assert SubmissionKey.objects.get().key == key


def test_without_a_key_a_retry_makes_a_second_report(client):
    auth = bearer(UserFactory())
    first, second = post(client, auth=auth), post(client, auth=auth)
    assert first.json()["tracking_id"] != second.json()["tracking_id"]
    assert Report.objects.count() == 2
    assert not SubmissionKey.objects.exists()


def test_another_accounts_key_is_independent(client):
    one = post(client, key="same", auth=bearer(UserFactory()))
    other = post(client, key="same", auth=bearer(UserFactory()))
    assert other.status_code == 201
    assert other.json()["tracking_id"] != one.json()["tracking_id"]
    assert Report.objects.count() == 2


def test_a_key_older_than_24_hours_makes_a_new_report_and_replaces_the_row(client):
    auth = bearer(UserFactory())
    first = post(client, key="k", auth=auth).json()["tracking_id"]
    with time_machine.travel(timezone.now() + KEY_LIFETIME + dt.timedelta(minutes=1)):
        # Even with another body: the old key no longer counts.
        other = {**PAYLOAD, "title": "Jalan berlubang di depan sekolah"}
        later = post(client, other, key="k", auth=auth)
        assert later.status_code == 201
        assert later.json()["tracking_id"] != first
        row = SubmissionKey.objects.get()
        assert row.report.tracking_id == later.json()["tracking_id"]
        assert (
            post(client, other, key="k", auth=auth).json()["tracking_id"] == row.report.tracking_id
        )
    assert Report.objects.count() == 2


def test_a_replay_is_not_counted_as_a_submission(client, settings):
    settings.ADUAN_SUBMIT_RATE_USER = "1/h"
    settings.ADUAN_SUBMIT_RATE_IP = "100/h"
    auth = bearer(UserFactory())
    first = post(client, key="k", auth=auth)
    for _ in range(3):
        assert post(client, key="k", auth=auth).json()["tracking_id"] == first.json()["tracking_id"]
    assert_problem(post(client, key="other", auth=auth), 429)


def test_a_failure_after_the_commit_is_answered_by_the_retry(monkeypatch):
    real = workflow_api.report_out
    calls = []

    def fails_once(report, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # while the answer is made, after the commit
            raise OperationalError("server closed the connection unexpectedly")
        return real(report, **kwargs)

    monkeypatch.setattr(workflow_api, "report_out", fails_once)
    client = Client(raise_request_exception=False)
    auth = bearer(UserFactory())
    lost = post(client, key="retry-me", auth=auth)
    assert lost.status_code >= 500  # the report was committed, its answer lost
    [stored] = Report.objects.all()
    retried = post(client, key="retry-me", auth=auth)
    assert retried.status_code == 201, retried.content
    assert retried.json()["tracking_id"] == stored.tracking_id
    assert Report.objects.count() == 1


def test_the_key_rolls_back_with_the_report(client, monkeypatch):
    """Both in one transaction: a report that fails to be written leaves no key behind."""
    from aduan.workflow import idempotency

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(idempotency.SubmissionKey.objects, "create", broken)
    with pytest.raises(RuntimeError):
        post(client, key="k", auth=bearer(UserFactory()))
    assert not Report.objects.exists()
    assert not SubmissionKey.objects.exists()


def test_the_periodic_job_deletes_expired_keys(client):
    from aduan.core.periodic import periodic_jobs

    auth = bearer(UserFactory())
    post(client, key="old", auth=auth)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        post(client, key="new", auth=auth)
    job = next(j for j in periodic_jobs() if j.name == SUBMISSION_KEYS_JOB)
    now = timezone.now() + KEY_LIFETIME + dt.timedelta(minutes=1)
    assert job.function(now=now, batch=1, stop_at=float("inf")) == 1
    assert list(SubmissionKey.objects.values_list("key", flat=True)) == ["new"]
    assert Report.objects.count() == 2  # the reports stay


def test_the_openapi_document_declares_the_header_and_the_422(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][REPORTS]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False
    assert "422" in operation["responses"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: two submissions cannot overlap there",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_make_one_report(monkeypatch):
    """Both pass the look-up before either commits; the unique key makes the loser read the
    winner's report, its own rolled back."""
    meet_before(monkeypatch, workflow_api, "report_submit")
    auth = bearer(UserFactory())
    answers = run_at_once(lambda: post(Client(), key="twin", auth=auth))
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["tracking_id"] == answers[1].json()["tracking_id"]
    assert Report.objects.count() == 1
    assert SubmissionKey.objects.count() == 1
