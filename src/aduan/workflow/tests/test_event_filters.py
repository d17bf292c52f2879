"""The staff lists' event filters: the reports closed (moved to "returned") on a day in a
range in Jakarta, read from the timeline, each once; combined with the visibility rule and
the other filters, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from aduan.api.tests.utils import bearer
from aduan.reports.models import EventAction, Report, Status
from aduan.workflow.selectors import InboxFilters, national_queue
from aduan.workflow.sweep import sweep_run

from .test_as_of import INBOX, act, at, listed, submit
from .test_transitions import world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def flows():
    """``twice`` is closed at 00:30 on 1 November in Jakarta (still 31 October in UTC),
    reopened and closed again on 10 November; ``returned`` is returned at 00:10 on
    1 November, sent again and returned again on 10 November, then sent again (it is the
    agency's now); ``auto`` is closed by the sweep on 12 December; ``forwarded`` goes to
    another agency on 3 November (back to the desk: a move to "returned")."""
    with time_machine.travel(at(10, 1, 10), tick=False) as clock:
        world = world_build()
        twice = act(
            world, act(world, submit(world), "dispose", "national_admin"), "respond", "agency_admin"
        )
        returned = act(world, submit(world), "dispose", "national_admin")
        forwarded = act(world, submit(world), "dispose", "national_admin")
        clock.move_to(at(11, 1, 0, 10))
        act(world, returned, "return", "agency_admin")
        clock.move_to(at(11, 1, 0, 30))
        act(world, twice, "close", "reporter")
        clock.move_to(at(11, 2, 10))
        act(world, twice, "reopen", "reporter")
        act(world, returned, "dispose", "national_admin")
        clock.move_to(at(11, 3, 10))
        act(world, forwarded, "forward", "agency_admin", agency_id=world.elsewhere.pk)
        clock.move_to(at(11, 4, 10))
        auto = act(
            world, act(world, submit(world), "dispose", "national_admin"), "respond", "agency_admin"
        )
        act(world, twice, "respond", "agency_admin")
        clock.move_to(at(11, 10, 10))
        act(world, twice, "close", "reporter")
        act(world, returned, "return", "agency_admin")
        clock.move_to(at(11, 11, 10))
        act(world, returned, "dispose", "national_admin")
        clock.move_to(at(12, 12, 10))
        sweep_run(now=timezone.now())
        clock.move_to(at(12, 20, 10))
        reports = {"twice": twice, "returned": returned, "forwarded": forwarded, "auto": auto}
        yield world, {name: Report.objects.get(pk=r.pk) for name, r in reports.items()}


def days(first: tuple[int, int], last: tuple[int, int]) -> tuple[dt.date, dt.date]:
    return dt.date(2026, *first), dt.date(2026, *last)


def test_the_sweep_and_the_moves_happened_as_told(flows):
    _world, r = flows
    assert r["twice"].events.filter(action=EventAction.CLOSED).count() == 2
    assert r["auto"].events.filter(action=EventAction.AUTO_CLOSED).exists()
    assert r["forwarded"].status == Status.RETURNED
    assert r["returned"].status == Status.DISPOSITIONED


def test_closed_on_days_in_jakarta_whatever_the_status_now(flows):
    world, r = flows
    admin = world.users["national_admin"]
    twice, auto = r["twice"].pk, r["auto"].pk
    start, end = days((11, 1), (11, 1))
    assert listed(admin, closed_from=start, closed_to=end) == {twice}  # 00:30 in Jakarta
    start, end = days((10, 31), (10, 31))
    assert listed(admin, closed_from=start, closed_to=end) == set()  # a UTC day would list it
    start, end = days((11, 1), (12, 31))
    # Closed twice, listed once; neither in a working status now, listed all the same.
    assert listed(admin, closed_from=start, closed_to=end) == {twice, auto}
    assert listed(admin, closed_from=dt.date(2026, 11, 11)) == {auto}  # no end
    assert listed(admin, closed_to=dt.date(2026, 11, 9)) == {twice}  # no start
    assert listed(admin, closed_from=dt.date(2026, 11, 2), closed_to=dt.date(2026, 11, 9)) == set()
    rows = national_queue(user=admin, filters=InboxFilters(closed_from=start, closed_to=end))
    assert {row.pk for row in rows} == {twice, auto}


def test_returned_on_days_in_jakarta_a_forward_elsewhere_too(flows):
    world, r = flows
    admin = world.users["national_admin"]
    returned, forwarded = r["returned"].pk, r["forwarded"].pk
    start, end = days((11, 1), (11, 1))
    assert listed(admin, returned_from=start, returned_to=end) == {returned}
    start, end = days((10, 31), (10, 31))
    assert listed(admin, returned_from=start, returned_to=end) == set()
    start, end = days((11, 1), (11, 30))
    assert listed(admin, returned_from=start, returned_to=end) == {returned, forwarded}
    assert listed(admin, returned_from=dt.date(2026, 11, 3)) == {returned, forwarded}
    assert listed(admin, returned_from=dt.date(2026, 11, 4)) == {returned}  # the 2nd return
    assert listed(admin, returned_to=dt.date(2026, 10, 31)) == set()
    # A closing is not a return, nor the other way round.
    assert listed(admin, returned_from=start, closed_from=start) == set()


def test_event_filters_combine_with_the_scope_and_the_other_filters(flows):
    world, r = flows
    start, end = days((11, 1), (12, 31))
    staff, elsewhere = world.users["agency_admin"], world.users["other_admin"]
    # The agency's reports now: the one returned twice was sent to it again; the one
    # forwarded elsewhere is the desk's.
    assert listed(staff, returned_from=start, returned_to=end) == {r["returned"].pk}
    assert listed(elsewhere, returned_from=start, returned_to=end) == set()
    assert listed(staff, closed_from=start, closed_to=end) == {r["twice"].pk, r["auto"].pk}
    assert listed(elsewhere, closed_from=start, closed_to=end) == set()
    both = {"closed_from": start, "closed_to": end}
    assert listed(staff, status=Status.CLOSED, **both) == {r["twice"].pk, r["auto"].pk}
    assert listed(staff, status=Status.IN_PROGRESS, **both) == set()
    assert listed(staff, agency_id=world.unit.pk, **both) == set()
    assert listed(staff, created_from=dt.date(2026, 11, 2), **both) == {r["auto"].pk}


def test_event_filters_are_one_query(flows, django_assert_num_queries):
    world, _reports = flows
    start, end = days((11, 1), (12, 31))
    with django_assert_num_queries(1) as captured:
        listed(
            world.users["national_admin"],
            closed_from=start,
            closed_to=end,
            returned_from=start,
            returned_to=end,
        )
    assert captured.captured_queries[0]["sql"].count("EXISTS") == 2


def test_the_api_inbox_takes_the_event_filters_and_documents_them(client, flows):
    world, r = flows
    headers = bearer(world.users["national_admin"])
    query = {"closed_from": "2026-11-01", "closed_to": "2026-11-30"}
    response = client.get(INBOX, query, **headers)
    assert response.status_code == 200, response.content
    assert [row["tracking_id"] for row in response.json()["results"]] == [r["twice"].tracking_id]
    response = client.get(INBOX, {"returned_from": "2026-11-02"}, **headers)
    found = {row["tracking_id"] for row in response.json()["results"]}
    assert found == {r["returned"].tracking_id, r["forwarded"].tracking_id}
    backwards = {"returned_from": "2026-11-30", "returned_to": "2026-11-01"}
    assert client.get(INBOX, backwards, **headers).status_code == 422
    backwards = {"closed_from": "2026-11-30", "closed_to": "2026-11-01"}
    assert client.get(INBOX, backwards, **headers).status_code == 422
    assert client.get(INBOX, {"closed_to": "kemarin"}, **headers).status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/inbox"]["get"]["parameters"]}
    for name in ("closed_from", "returned_from"):
        assert "Asia/Jakarta" in parameters[name]["description"]
        assert "listed once" in parameters[name]["description"]
    assert "closed_to" in parameters
    assert "returned_to" in parameters
