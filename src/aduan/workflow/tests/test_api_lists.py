"""The list endpoints' fast paths: deep pages read ids first, the page's relations are
read per table, and the answer is rendered without ninja validating it again; these
tests check that what callers get is what the schema and the plain queries give."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from aduan.api.pagination import Page
from aduan.api.tests.utils import bearer
from aduan.categories.tests.factories import CategoryFactory
from aduan.programmes.models import ReportProgramme
from aduan.programmes.tests.factories import ProgrammeFactory
from aduan.reports.models import EventAction, Rating, Report, Status
from aduan.reports.schemas import ReportOut
from aduan.reports.tests.factories import AttachmentFactory
from aduan.workflow import services as wf

# test_api's world ``w`` and its frozen clock (autouse) are fixtures of this module too.
from .test_api import (  # noqa: F401
    INBOX,
    REPORTS,
    RESPONSE,
    _frozen_time,
    closed,
    in_progress,
    submitted,
    w,
)

pytestmark = pytest.mark.django_db


def _varied(w) -> list[Report]:  # noqa: F811
    """Reports with everything a list shows: internal and public events, a unit as the
    target of a forward, files, deadlines, a programme tag, a rating, an anonymous
    reporter, a requested agency."""
    first = in_progress(w, category_id=CategoryFactory().pk, agency_id=w.other_agency.pk)
    wf.report_comment(report=first, actor=w.agency_admin, body="Sedang dicek", internal=True)
    wf.report_forward(report=first, actor=w.agency_admin, agency_id=w.unit.pk, note="Ke dinas")
    AttachmentFactory(report=first)
    ReportProgramme.objects.create(report=first, programme=ProgrammeFactory(), tagged_by=w.admin)
    second = in_progress(w, anonymous=True)
    wf.report_respond(report=second, actor=w.agency_admin, body=RESPONSE)
    third = closed(w)
    Rating.objects.create(report=third, agency=w.agency, score=4)
    return [first, second, third]


def _normal_form(data: dict) -> dict:
    """What ninja would have answered for ``data``: validated against ``Page[ReportOut]``,
    dumped and rendered (the endpoints render their dicts directly)."""
    dumped = Page[ReportOut].model_validate(data).model_dump()
    return json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))


@pytest.mark.parametrize(
    ("url", "who"),
    [
        (REPORTS, None),
        (REPORTS + "?mine=true", "citizen"),
        (INBOX, "agency_admin"),
        (INBOX + "?status=closed", "admin"),
        (INBOX + "?queue=true", "admin"),
    ],
)
def test_list_answers_are_what_the_schema_gives(client, w, url, who):  # noqa: F811
    _varied(w)
    submitted(w)
    headers = bearer(getattr(w, who)) if who else {}
    response = client.get(url, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["results"], url
    assert body == _normal_form(body)


def test_the_fast_list_equals_the_detail_of_each_report(client, w):  # noqa: F811
    """The list reads relations per table; the detail reads them its own way: the same
    report must come out the same, for the reporter (who sees the rating and actions)."""
    _varied(w)
    headers = bearer(w.citizen)
    listed = client.get(REPORTS + "?mine=true", **headers).json()["results"]
    assert len(listed) == 3
    for item in listed:
        detail = client.get(f"{REPORTS}/{item['tracking_id']}", **headers).json()
        assert item == detail


def test_labels_follow_the_language(client, visitor_client, w):  # noqa: F811
    """The label tables are built once per language: English for ``client`` (its cookie),
    Indonesian for a visitor who chose nothing, in either order."""
    in_progress(w)
    english = client.get(REPORTS).json()["results"][0]
    indonesian = visitor_client.get(REPORTS).json()["results"][0]
    english_again = client.get(REPORTS).json()["results"][0]
    for language, item in (("en", english), ("id", indonesian), ("en", english_again)):
        with translation.override(language):
            assert item["status_label"] == str(Status.IN_PROGRESS.label)
            assert item["events"][0]["action_label"] == str(EventAction.SUBMITTED.label)
    assert indonesian["status_label"] != english["status_label"]


def test_deep_pages_hold_the_rows_of_the_plain_slice(client, w):  # noqa: F811
    reports = [in_progress(w) for _ in range(7)]
    expected = [r.tracking_id for r in sorted(reports, key=lambda r: (r.created_at, r.pk))][::-1]
    seen = []
    for page in (1, 2, 3, 4):
        body = client.get(REPORTS, {"page": page, "page_size": 2}).json()
        seen += [r["tracking_id"] for r in body["results"]]
    assert seen == expected
    assert client.get(REPORTS, {"page": 5, "page_size": 2}).json()["results"] == []


@pytest.mark.parametrize("n", [3, 12])
def test_a_deep_page_costs_a_constant_number_of_queries(
    client,
    w,  # noqa: F811
    django_assert_max_num_queries,
    n,
):
    for _ in range(2 * n):
        in_progress(w)
    # count, the page's ids, its rows (with agency, category, region), events,
    # attachments, deadlines, programmes, the events' agencies, the reporters
    with django_assert_max_num_queries(9):
        response = client.get(REPORTS, {"page": 2, "page_size": n})
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [2, 8])
def test_queue_query_count_is_constant(client, w, django_assert_max_num_queries, n):  # noqa: F811
    for _ in range(n):
        submitted(w)
    headers = bearer(w.admin)
    # token (+ its last-used stamp), count, page, events, attachments, deadlines,
    # programmes, the events' agencies, the reporters
    with django_assert_max_num_queries(9):
        response = client.get(INBOX + "?queue=true", **headers)
    assert len(response.json()["results"]) == n
