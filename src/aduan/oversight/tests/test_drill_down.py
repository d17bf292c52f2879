"""Every stock on the dashboard drills down to exactly the reports it counts: the "open" and
"overdue at the end of the period" links list the reports open (overdue) at the end of the
period's last day, read from their timelines, not those open (overdue) today."""

from __future__ import annotations

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

from aduan.reports.history import site_day, site_day_end
from aduan.reports.models import OPEN_STATUSES, Report, ReportEvent
from aduan.web.staff_forms import WorkListFilterForm
from aduan.workflow.selectors import inbox_for_user
from aduan.workflow.sweep import sweep_run
from aduan.workflow.tests.test_transitions import START, world_build

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


class DrillDowns(Workflows):
    """The roll-up property test's random workflows, with longer waits before a sweep
    (missed deadlines); at random steps and at the end, for a few days up to today, the
    dashboard's open and overdue figures of a period ending that day equal the length of
    the lists they link to, nationally, for an agency's staff and for one agency picked."""

    def rollups_equal_a_direct_count(self):
        """Not checked here (test_rollup does): this machine checks the drill-downs."""

    @rule(days=st.integers(min_value=1, max_value=30))
    def days_pass_and_sweep(self, days):
        self.coordinates.shift(dt.timedelta(days=days))
        sweep_run(now=timezone.now())

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
        for day in days:
            expected_open, expected_overdue = replayed(day)
            for kind, params in viewers:
                user = self.world.users[kind]
                client.force_login(user)
                period = {"from": (day - dt.timedelta(days=40)).isoformat(), "to": day.isoformat()}
                response = client.get(DASHBOARD, {**period, **params})
                assert response.status_code == 200
                totals, links = response.context["totals"], response.context["links"]
                open_listed = listed(user, links["open"])
                overdue_listed = listed(user, links["overdue"])
                assert len(open_listed) == totals.open, (kind, day)
                assert len(overdue_listed) == totals.overdue, (kind, day)
                if kind == "national_admin":
                    assert open_listed == expected_open
                    assert overdue_listed == expected_overdue


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
