"""The staff lists' as-of filters: open (overdue) at the end of a day in Jakarta, read from
the timeline, combined with the visibility rule and the other filters, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from aduan.api.tests.utils import bearer
from aduan.reports.models import Report, Status
from aduan.workflow.actions import action_take
from aduan.workflow.selectors import InboxFilters, inbox_for_user, national_queue
from aduan.workflow.services import report_submit
from aduan.workflow.sweep import sweep_run

from .test_transitions import START, payload_for, world_build

pytestmark = pytest.mark.django_db
WIB = START.tzinfo
INBOX = "/api/v1/inbox"


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def act(world, report, action, kind, **payload):
    report = Report.objects.get(pk=report.pk)
    body = payload_for(action, world=world, report=report, survivor=report) | payload
    return action_take(report=report, actor=world.users[kind], action=action, payload=body)


def submit(world):
    return report_submit(
        reporter=world.users["reporter"],
        channel="web",
        classification="complaint",
        title="Lampu jalan padam di jalan utama",
        body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
    )


@pytest.fixture
def story():
    """Around midnight of 31 October in Jakarta (17:00 UTC), where a UTC day would differ:
    ``answered`` and ``extended`` are marked overdue at 23:30 and leave it at 00:30 and
    00:20; ``archived`` is submitted at 23:50 and archived at 00:10; ``answered`` is closed
    on 2 November and reopened on 3 November."""
    with time_machine.travel(at(10, 1, 10), tick=False) as clock:
        world = world_build()
        answered = act(world, submit(world), "dispose", "national_admin")
        extended = act(world, submit(world), "dispose", "national_admin")
        clock.move_to(at(10, 31, 23, 30))
        sweep_run(now=timezone.now())
        assert Report.objects.filter(is_overdue=True).count() == 2
        clock.move_to(at(10, 31, 23, 50))
        archived = submit(world)
        clock.move_to(at(11, 1, 0, 10))
        act(world, archived, "archive", "national_admin")
        clock.move_to(at(11, 1, 0, 20))
        act(world, extended, "extend", "agency_admin")
        clock.move_to(at(11, 1, 0, 30))
        act(world, answered, "respond", "agency_admin")
        clock.move_to(at(11, 2, 10))
        act(world, answered, "close", "reporter")
        clock.move_to(at(11, 3, 10))
        act(world, answered, "reopen", "reporter")
        clock.move_to(at(11, 20, 10))
        yield world, {"answered": answered, "extended": extended, "archived": archived}


def listed(user, **filters) -> set[int]:
    return set(
        inbox_for_user(user=user, filters=InboxFilters(**filters)).values_list("pk", flat=True)
    )


def test_open_and_overdue_at_the_end_of_a_day_in_jakarta(story):
    world, r = story
    admin = world.users["national_admin"]
    answered, extended, archived = r["answered"].pk, r["extended"].pk, r["archived"].pk
    day = dt.date(2026, 10, 31)
    assert listed(admin, open_at=dt.date(2026, 9, 30)) == set()
    # Archived since and no longer in any working status: listed all the same.
    assert listed(admin, open_at=day) == {answered, extended, archived}
    assert listed(admin, open_at=dt.date(2026, 11, 1)) == {answered, extended}
    assert listed(admin, open_at=dt.date(2026, 11, 2)) == {extended}  # closed
    assert listed(admin, open_at=dt.date(2026, 11, 3)) == {answered, extended}  # reopened
    assert listed(admin, overdue_at=dt.date(2026, 10, 30)) == set()
    assert listed(admin, overdue_at=day) == {answered, extended}
    # A response (a change of status) and an extension end it, after midnight in Jakarta.
    assert listed(admin, overdue_at=dt.date(2026, 11, 1)) == set()
    assert listed(admin, open_at=day, overdue_at=day) == {answered, extended}


def test_as_of_combines_with_the_scope_and_the_other_filters(story):
    world, r = story
    answered, extended = r["answered"].pk, r["extended"].pk
    staff, elsewhere = world.users["agency_admin"], world.users["other_admin"]
    day = dt.date(2026, 10, 31)
    assert listed(staff, open_at=day) == {answered, extended}  # not the desk's report
    assert listed(elsewhere, open_at=day) == set()
    assert listed(staff, open_at=dt.date(2026, 11, 3), status=Status.IN_PROGRESS) == {answered}
    assert listed(staff, overdue_at=day, agency_id=world.unit.pk) == set()
    assert listed(staff, overdue_at=day, agency_id=world.agency.pk) == {answered, extended}
    assert listed(staff, open_at=day, created_to=dt.date(2026, 9, 30)) == set()
    queue = national_queue(
        user=world.users["national_admin"], filters=InboxFilters(open_at=dt.date(2026, 10, 31))
    )
    assert set(queue.values_list("pk", flat=True)) == {answered, extended, r["archived"].pk}


def test_as_of_is_one_query_however_many_reports(story, django_assert_num_queries):
    world, _reports = story
    admin = world.users["national_admin"]
    with django_assert_num_queries(1) as captured:
        listed(admin, open_at=dt.date(2026, 10, 31), overdue_at=dt.date(2026, 10, 31))
    assert "EXISTS" in captured.captured_queries[0]["sql"]


def test_the_api_inbox_takes_the_as_of_filters_and_documents_them(client, story):
    world, r = story
    headers = bearer(world.users["agency_admin"])
    response = client.get(INBOX, {"overdue_at": "2026-10-31"}, **headers)
    assert response.status_code == 200, response.content
    found = {row["tracking_id"] for row in response.json()["results"]}
    assert found == {r["answered"].tracking_id, r["extended"].tracking_id}
    response = client.get(INBOX, {"open_at": "2026-11-02"}, **headers)
    assert [row["tracking_id"] for row in response.json()["results"]] == [r["extended"].tracking_id]
    assert client.get(INBOX, {"open_at": "gestern"}, **headers).status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/inbox"]["get"]["parameters"]}
    assert "Asia/Jakarta" in parameters["open_at"]["description"]
    assert "deadline missed" in parameters["overdue_at"]["description"]
