"""The support endpoints of the API, the feed's sort and the report's support fields."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.api.tests.utils import assert_problem, bearer
from aduan.reports.models import Report, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow.services import report_support

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def _support_url(report) -> str:
    tracking_id = report if isinstance(report, str) else report.tracking_id
    return f"{REPORTS}/{tracking_id}/support"


def test_a_citizen_supports_and_takes_it_back(client):
    report = ReportFactory(verified=True)
    citizen = UserFactory()
    answer = client.post(_support_url(report), **bearer(citizen))
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"support_count": 1, "supported_by_me": True}
    again = client.post(_support_url(report), **bearer(citizen))
    assert again.json() == {"support_count": 1, "supported_by_me": True}
    detail = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(citizen)).json()
    assert (detail["support_count"], detail["supported_by_me"]) == (1, True)
    other = client.get(f"{REPORTS}/{report.tracking_id}", **bearer(UserFactory())).json()
    assert (other["support_count"], other["supported_by_me"]) == (1, False)
    taken_back = client.delete(_support_url(report), **bearer(citizen))
    assert taken_back.json() == {"support_count": 0, "supported_by_me": False}
    assert Report.objects.get(pk=report.pk).support_count == 0


def test_support_needs_a_token(client):
    report = ReportFactory(verified=True)
    assert_problem(client.post(_support_url(report)), 401)
    assert_problem(client.delete(_support_url(report)), 401)
    assert_problem(
        client.post(_support_url(report), HTTP_AUTHORIZATION="Bearer adn_not-a-real-token"), 401
    )
    assert Report.objects.get(pk=report.pk).support_count == 0


def test_staff_and_the_reporter_are_refused_with_403(client):
    report = ReportFactory(verified=True)
    refused = [
        NationalAdminFactory(),
        OversightFactory(),
        AgencyAdminFactory(agency=report.agency),
        report.reporter,
    ]
    for user in refused:
        for method in (client.post, client.delete):
            problem = assert_problem(method(_support_url(report), **bearer(user)), 403)
            assert problem["detail"]
    own = assert_problem(client.post(_support_url(report), **bearer(report.reporter)), 403)
    assert "own report" in own["detail"]
    assert Report.objects.get(pk=report.pk).support_count == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"verified": True, "confidential": True}, {"status": Status.SUBMITTED}],
    ids=["confidential", "unverified"],
)
def test_a_hidden_report_is_404_like_a_missing_one(client, kwargs):
    hidden = ReportFactory(**kwargs)
    citizen = UserFactory()
    for method in (client.post, client.delete):
        assert_problem(method(_support_url(hidden), **bearer(citizen)), 404)
        assert_problem(method(_support_url("23456789AB"), **bearer(citizen)), 404)
    assert Report.objects.get(pk=hidden.pk).support_count == 0


def test_the_feed_sorts_as_asked(client):
    now = timezone.now()
    old = ReportFactory(verified=True, title="Laporan lama belum dijawab")
    popular = ReportFactory(verified=True, title="Laporan paling didukung")
    answered = ReportFactory(verified=True, status=Status.RESPONDED, title="Laporan dijawab")
    newest = ReportFactory(verified=True, title="Laporan terbaru sekali")
    for days, report in zip((30, 20, 10, 1), (old, popular, answered, newest), strict=True):
        Report.objects.filter(pk=report.pk).update(created_at=now - dt.timedelta(days=days))
    for _ in range(2):
        report_support(report=popular, actor=UserFactory())
    report_support(report=answered, actor=UserFactory())

    def order(sort: str | None) -> list[str]:
        query = {"sort": sort} if sort else {}
        return [r["tracking_id"] for r in client.get(REPORTS, query).json()["results"]]

    ids = {r.pk: r.tracking_id for r in (old, popular, answered, newest)}
    assert order(None) == [ids[r.pk] for r in (newest, answered, popular, old)]
    assert order("newest") == order(None)
    assert order("most_supported") == [ids[r.pk] for r in (popular, answered, newest, old)]
    assert order("oldest_unanswered") == [ids[r.pk] for r in (old, popular, newest)]
    assert_problem(client.get(REPORTS, {"sort": "random"}), 422)


def test_supported_by_me_in_the_feed_costs_no_query_per_report(client):
    citizen = UserFactory()
    reports = ReportFactory.create_batch(3, verified=True)
    report_support(report=reports[1], actor=citizen)

    def feed() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            results = client.get(REPORTS, **bearer(citizen)).json()["results"]
        return len(queries), results

    few, results = feed()
    assert {r["tracking_id"]: r["supported_by_me"] for r in results} == {
        r.tracking_id: r == reports[1] for r in reports
    }
    ReportFactory.create_batch(4, verified=True)
    for report in Report.objects.all():
        if report.pk != reports[1].pk:
            report_support(report=report, actor=citizen)
    many, results = feed()
    assert len(results) == 7
    assert all(r["supported_by_me"] for r in results)
    assert many == few
