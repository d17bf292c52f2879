"""Every linked figure on the dashboard drills down to exactly the reports it counts: the
"open" and "overdue at the end of the period" links list the reports open (overdue) at the
end of the period's last day, read from their timelines, not those open (overdue) today;
the "closed" and "returned" links list the reports closed (returned) on a day of the
period, each once, while the figure counts every closing (return)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from aduan.core.errors import DomainError
from aduan.reports.history import site_day, site_day_end
from aduan.reports.models import OPEN_STATUSES, Report, ReportEvent, Status
from aduan.web.staff_forms import WorkListFilterForm
from aduan.workflow.actions import action_take
from aduan.workflow.selectors import inbox_for_user
from aduan.workflow.sweep import sweep_run
from aduan.workflow.tests.test_transitions import START, payload_for, world_build

from .helpers import act, disposed
from .test_rollup import Workflows

pytestmark = pytest.mark.django_db
DASHBOARD = "/staf/statistik/"


def listed(user, link: str) -> set[int]:
    """The reports the inbox lists for ``user`` at ``link``, with the filters the page reads."""
    query = QueryDict(urlsplit(link).query)
    filters = WorkListFilterForm(query, user=user).filters()
    return set(inbox_for_user(user=user, filters=filters).values_list("pk", flat=True))


def replayed(day: dt.date) -> tuple[set[int], set[int]]:
    """Open and overdue at the end of ``day``, by walking each timeline in Python (an
    independent reading of the definitions)."""
    cutoff = site_day_end(day)
    open_then, overdue_then = set(), set()
    for report in Report.objects.filter(created_at__lt=cutoff):
        is_open, overdue = True, False
        for event in report.events.filter(created_at__lt=cutoff).order_by("seq"):
            moved = event.from_status and event.to_status and event.from_status != event.to_status
            if moved:
                is_open = event.to_status in OPEN_STATUSES
            if overdue and (moved or event.action == "extend"):
                overdue = False
            elif event.action == "overdue":
                overdue = True
        if is_open:
            open_then.add(report.pk)
        if overdue:
            overdue_then.add(report.pk)
    return open_then, overdue_then


def replayed_flows(start: dt.date, end: dt.date, reports) -> dict[str, tuple[int, set[int]]]:
    """Closings and returns on a day from ``start`` to ``end``: {figure: (how many events,
    which reports)}, by walking the timelines of ``reports`` in Python."""
    found: dict[str, tuple[int, set[int]]] = {"closed": (0, set()), "returned": (0, set())}
    for report in reports:
        for event in report.events.order_by("seq"):
            if not start <= site_day(event.created_at) <= end:
                continue
            moved = event.from_status and event.to_status and event.from_status != event.to_status
            for name, happened in (
                ("closed", event.action in ("close", "auto_close")),
                ("returned", moved and event.to_status == Status.RETURNED),
            ):
                if happened:
                    count, which = found[name]
                    found[name] = (count + 1, which | {report.pk})
    return found


# The next steps of a report's usual path, each by the one who takes it: the random
# actions of ``Workflows`` rarely close or return a report, these do (twice, some).
NEXT_STEPS = {
    Status.SUBMITTED: [("dispose", "national_admin")],
    Status.RETURNED: [("dispose", "national_admin")],
    Status.DISPOSITIONED: [("respond", "agency_admin"), ("return", "agency_admin")],
    Status.IN_PROGRESS: [("respond", "agency_admin"), ("return", "agency_admin")],
    Status.RESPONDED: [("close", "reporter")],
    Status.CLOSED: [("reopen", "reporter")],
}


class DrillDowns(Workflows):
    """The roll-up property test's random workflows, with longer waits before a sweep
    (missed deadlines); at random steps and at the end, for a few days up to today, the
    dashboard's open and overdue figures of a period ending that day equal the length of
    the lists they link to; its closed and returned figures of periods ending that day are
    the number of closings (returns) replayed from the timelines, and their lists hold the
    reports with one, each once; nationally, for an agency's staff and for one agency
    picked."""

    def rollups_equal_a_direct_count(self):
        """Not checked here (test_rollup does): this machine checks the drill-downs."""

    @rule(days=st.integers(min_value=1, max_value=30))
    def days_pass_and_sweep(self, days):
        self.coordinates.shift(dt.timedelta(days=days))
        sweep_run(now=timezone.now())

    @rule(data=st.data(), times=st.integers(min_value=1, max_value=5))
    def moves_on(self, data, times):
        """A report goes a few steps along its path, an hour apart."""
        report = Report.objects.get(pk=data.draw(st.sampled_from(self.reports)).pk)
        for _ in range(times):
            steps = NEXT_STEPS.get(report.status)
            if not steps:
                return
            action, kind = data.draw(st.sampled_from(steps))
            payload = payload_for(action, world=self.world, report=report, survivor=report)
            with contextlib.suppress(DomainError):  # a reopening too late, say
                action_take(
                    report=report, actor=self.world.users[kind], action=action, payload=payload
                )
            report = Report.objects.get(pk=report.pk)
            self.coordinates.shift(dt.timedelta(hours=1))

    @rule(data=st.data())
    def drill_downs_match(self, data):
        first, today = START.date(), timezone.localdate()
        offsets = data.draw(
            st.lists(
                st.integers(min_value=0, max_value=(today - first).days),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        self.check(first + dt.timedelta(days=offset) for offset in offsets)

    def teardown(self):
        """At the end, the days on which something happened (some of them) and today."""
        try:
            if hasattr(self, "reports"):
                days = sorted(
                    {
                        site_day(moment)
                        for moment in ReportEvent.objects.values_list("created_at", flat=True)
                    }
                    | {timezone.localdate()}
                )
                self.check(days[:: max(len(days) // 4, 1)] + days[-1:])
        finally:
            super().teardown()

    def check(self, days):
        client = Client()
        viewers = [
            ("national_admin", {}),  # every report
            ("agency_admin", {}),  # the agency's subtree
            ("oversight", {"agency": self.world.agency.pk}),  # one agency, picked
        ]
        everything = Report.objects.all()
        # The agency admin's and the agency picked: the reports with the agency now.
        agency_now = Report.objects.filter(agency__path__startswith=self.world.agency.path)
        for day in days:
            expected_open, expected_overdue = replayed(day)
            for length in (40, 0, 6):  # periods ending that day, of one day to six weeks
                start = day - dt.timedelta(days=length)
                flows = {
                    False: replayed_flows(start, day, everything),
                    True: replayed_flows(start, day, agency_now),
                }
                for kind, params in viewers:
                    user = self.world.users[kind]
                    client.force_login(user)
                    period = {"from": start.isoformat(), "to": day.isoformat()}
                    response = client.get(DASHBOARD, {**period, **params})
                    assert response.status_code == 200
                    totals, links = response.context["totals"], response.context["links"]
                    if length == 40:
                        open_listed = listed(user, links["open"])
                        overdue_listed = listed(user, links["overdue"])
                        assert len(open_listed) == totals.open, (kind, day)
                        assert len(overdue_listed) == totals.overdue, (kind, day)
                        if kind == "national_admin":
                            assert open_listed == expected_open
                            assert overdue_listed == expected_overdue
                    expected = flows[kind != "national_admin"]
                    for name in ("closed", "returned"):
                        events, reports = expected[name]
                        shown = listed(user, links[name])
                        figure = getattr(totals, name)
                        where = (kind, name, start, day)
                        # The figure counts events, the list reports (each once).
                        assert figure == events, where
                        assert shown == reports, where
                        assert len(shown) == len(reports), where
                        if events == len(reports):  # none happened twice to one report
                            assert figure == len(shown), where


def test_open_and_overdue_drill_downs_list_what_the_figures_count_after_random_workflows():
    DrillDowns.world = world_build()
    run_state_machine_as_test(
        DrillDowns,
        settings=settings(
            max_examples=8,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )


def test_a_past_periods_links_list_the_reports_open_and_overdue_then_not_today(client):
    """A report overdue and open at the end of last month and closed since is in last
    month's lists and not in this month's; one submitted since is in neither of last
    month's."""
    with time_machine.travel(START, tick=False) as clock:
        world = world_build()
        late = disposed(world)  # sent to the agency on 1 Dec, never answered
        clock.shift(dt.timedelta(days=40))  # 10 Jan: its deadlines are long past
        sweep_run(now=timezone.now())
        assert Report.objects.get(pk=late.pk).is_overdue
        clock.move_to(dt.datetime(2027, 2, 3, 9, 0, tzinfo=START.tzinfo))
        late = act(world, Report.objects.get(pk=late.pk), "respond", "agency_admin")
        fresh = disposed(world)  # February's
        client.force_login(world.users["national_admin"])
        january = {"from": "2027-01-01", "to": "2027-01-31"}
        totals = client.get(DASHBOARD, january).context["totals"]
        links = client.get(DASHBOARD, january).context["links"]
        assert (totals.open, totals.overdue) == (1, 1)
        assert parse_qs(urlsplit(links["open"]).query)["open_at"] == ["2027-01-31"]
        for name in ("open", "overdue"):
            page = client.get(links[name])
            assert page.status_code == 200
            shown = set(re.findall(r"/staf/laporan/([A-Z0-9]+)/", page.content.decode()))
            assert shown == {late.tracking_id}, name
        # Today the responded report is no longer overdue, and February's is open too.
        today = client.get(DASHBOARD, {"preset": "this_month"}).context
        assert (today["totals"].open, today["totals"].overdue) == (2, 0)
        page = client.get(today["links"]["open"])
        shown = set(re.findall(r"/staf/laporan/([A-Z0-9]+)/", page.content.decode()))
        assert shown == {late.tracking_id, fresh.tracking_id}
        assert not re.findall(
            r"/staf/laporan/", client.get(today["links"]["overdue"]).content.decode()
        )


def shown_on(client, link: str) -> set[str]:
    page = client.get(link)
    assert page.status_code == 200
    return set(re.findall(r"/staf/laporan/([A-Z0-9]+)/", page.content.decode()))


def test_closed_and_returned_links_list_the_reports_of_the_period_each_once(client):
    """A report submitted in December and closed twice in January counts twice in
    January's "closed" and is listed once; one returned in January and sent again since
    is in January's "returned" list, though no longer returned."""
    with time_machine.travel(START, tick=False) as clock:
        world = world_build()
        twice = disposed(world, responded=True)
        bounced = disposed(world)
        clock.move_to(dt.datetime(2027, 1, 5, 9, 0, tzinfo=START.tzinfo))
        for action, kind in (
            ("close", "reporter"),
            ("reopen", "reporter"),
            ("respond", "agency_admin"),
            ("close", "reporter"),
        ):
            act(world, Report.objects.get(pk=twice.pk), action, kind)
        act(world, Report.objects.get(pk=bounced.pk), "return", "agency_admin")
        clock.move_to(dt.datetime(2027, 2, 3, 9, 0, tzinfo=START.tzinfo))
        act(world, Report.objects.get(pk=bounced.pk), "dispose", "national_admin")
        client.force_login(world.users["national_admin"])
        response = client.get(DASHBOARD, {"from": "2027-01-01", "to": "2027-01-31"})
        totals, links = response.context["totals"], response.context["links"]
        assert (totals.closed, totals.returned) == (2, 1)  # events
        assert shown_on(client, links["closed"]) == {twice.tracking_id}  # reports
        assert shown_on(client, links["returned"]) == {bounced.tracking_id}
        query = parse_qs(urlsplit(links["closed"]).query)
        assert (query["closed_from"], query["closed_to"]) == (["2027-01-01"], ["2027-01-31"])
        assert "created_from" not in query
        html = response.content.decode()
        for name in ("closed", "returned"):
            assert f'href="{links[name].replace("&", "&amp;")}"' in html
        page = client.get(links["closed"]).content.decode()
        assert "Closed between 1 Jan and 31 Jan 2027" in page
        assert "is listed once; the dashboard's figure counts each time" in page
        # December's: nothing closed or returned then.
        december = client.get(DASHBOARD, {"from": "2026-12-01", "to": "2026-12-31"}).context
        assert (december["totals"].closed, december["totals"].returned) == (0, 0)
        assert shown_on(client, december["links"]["closed"]) == set()
        assert shown_on(client, december["links"]["returned"]) == set()
