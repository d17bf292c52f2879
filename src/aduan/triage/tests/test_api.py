"""``GET /api/v1/reports/{tracking_id}/triage``: the queue's suggestions as JSON, for the
national desk and oversight only."""

from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import AgencyAdminFactory, OversightFactory
from aduan.api.tests.utils import assert_problem, bearer
from aduan.triage import duplicates
from aduan.triage.selectors import MIN_CONFIDENCE
from aduan.triage.services import router_train

from .history import build_history, submit

pytestmark = pytest.mark.django_db


def url(report) -> str:
    return f"/api/v1/reports/{report.tracking_id}/triage"


def test_the_desk_reads_the_suggestions_best_first(client):
    history = build_history()
    model = router_train(limit=1000)
    report = submit(history.returned.reporter, "aspal jalan rusak dan berlubang")
    response = client.get(url(report), **bearer(history.admin))
    assert response.status_code == 200
    body = response.json()
    assert body["tracking_id"] == report.tracking_id
    assert body["model_version"] == model.version
    first = body["agencies"][0]
    assert (first["agency_id"], first["source"]) == (history.agencies["roads"].pk, "model")
    assert 0 < first["confidence"] <= 1
    # The model's three, less its guesses under MIN_CONFIDENCE.
    assert 1 <= len(body["agencies"]) <= 3
    assert all(option["confidence"] >= MIN_CONFIDENCE for option in body["agencies"])
    assert body["classification"] == "complaint"
    assert body["duplicate_of"] is None
    # A repost of it names it as its likely original.
    duplicates.fingerprints_write([report])
    repost = submit(history.returned.reporter, "aspal jalan rusak dan berlubang")
    duplicates.fingerprints_write([repost])
    assert client.get(url(repost), **bearer(history.admin)).json()["duplicate_of"] == (
        report.tracking_id
    )
    # The same round as the queue: asking again changes nothing.
    assert client.get(url(report), **bearer(OversightFactory())).json() == body


def test_the_reporter_and_agency_staff_are_refused(client):
    history = build_history()
    report = submit(history.returned.reporter, "aspal jalan rusak")
    assert_problem(client.get(url(report), **bearer(history.returned.reporter)), 403)
    assert_problem(client.get(url(report), **bearer(AgencyAdminFactory())), 404)
    assert client.get(url(report)).status_code == 401
