"""The staff dashboards: who sees which figures, the charts and their tables, drill-down."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from aduan.accounts.capabilities import statistics_scope
from aduan.accounts.tests.factories import ProgrammeOverseerFactory
from aduan.oversight.models import DailyFigure
from aduan.workflow.tests.test_transitions import START, world_build

from .helpers import act, disposed, submitted

pytestmark = pytest.mark.django_db
URL = "/staf/statistik/"


@pytest.fixture
def world():
    with time_machine.travel(START, tick=False):
        world = world_build()
        disposed(world, responded=True)
        disposed(world)
        submitted(world)
        yield world


def login(client, world, kind):
    client.force_login(world.users[kind])


def test_the_listener_keeps_the_rollups_current(world):
    assert sum(DailyFigure.objects.values_list("received", flat=True)) == 3
    assert sum(DailyFigure.objects.values_list("verified", flat=True)) == 2
    assert sum(DailyFigure.objects.values_list("responded", flat=True)) == 1
    report = disposed(world)
    act(world, report, "return", "agency_admin")
    assert sum(DailyFigure.objects.values_list("returned", flat=True)) == 1
    assert sum(DailyFigure.objects.values_list("verified", flat=True)) == 3


def test_scope_all_for_oversight_and_the_desk_own_subtree_for_agency_staff(world):
    assert statistics_scope(world.users["oversight"]).everything
    assert statistics_scope(world.users["national_admin"]).everything
    admin_scope = statistics_scope(world.users["agency_admin"])
    assert admin_scope.agency == world.agency
    assert admin_scope.covers(world.unit)
    assert not admin_scope.covers(world.elsewhere)
    assert statistics_scope(world.users["reporter"]).is_empty
    assert statistics_scope(None).is_empty


@pytest.mark.parametrize("kind", ["oversight", "national_admin", "agency_admin"])
def test_staff_who_may_see_figures_get_the_dashboard(client, world, kind):
    login(client, world, kind)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["totals"].verified == 2


def test_a_visitor_is_sent_to_sign_in_and_a_citizen_is_refused(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    login(client, world, "reporter")
    assert client.get(URL).status_code == 403


def test_the_ksp_overseer_gets_no_figures_until_the_roll_ups_know_programmes(client, world):
    """The KSP overseer opens only the priority programmes' reports; figures of every
    report would count others, so the dashboard is refused (no programme dimension yet)."""
    overseer = ProgrammeOverseerFactory()
    assert statistics_scope(overseer).is_empty
    client.force_login(overseer)
    assert client.get(URL).status_code == 403


def test_agency_staff_see_their_subtree_only(client, world):
    with time_machine.travel(START, tick=False):
        act(world, submitted(world), "dispose", "national_admin")  # to world.agency
    login(client, world, "other_admin")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["totals"].received == 0
    # Another agency's figures answer "not found".
    assert client.get(URL, {"agency": world.agency.pk}).status_code == 404
    login(client, world, "agency_admin")
    assert client.get(URL, {"agency": world.elsewhere.pk}).status_code == 404
    assert client.get(URL, {"agency": world.unit.pk}).status_code == 200


def test_the_charts_render_as_svg_with_a_table_each(client, world):
    login(client, world, "oversight")
    html = client.get(URL, {"preset": "this_year"}).content.decode()
    assert html.count('role="img"') == 5
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert html.count("<polyline") == 3
    # The cartogram: one tile per province.
    assert html.count("<rect") >= 38
    assert html.count(">As a table<") + html.count(">Sebagai tabel<") == 4


def test_figures_drill_down_to_the_reports_behind_them(client, world):
    login(client, world, "oversight")
    response = client.get(URL)
    links = response.context["links"]
    assert "created_from=" in links["received"]
    assert "status=all" in links["received"]
    assert "overdue=yes" in links["overdue"]
    listed = client.get(links["received"])
    assert listed.status_code == 200
    shown = set(re.findall(r"/staf/laporan/([A-Z0-9]+)/", listed.content.decode()))
    assert len(shown) == 3


def test_the_league_table_ranks_by_the_wilson_bound(client, world):
    login(client, world, "oversight")
    rows = client.get(URL).context["league"]
    assert [row.agency for row in rows][:1] == [world.agency]
    assert rows[0].figures.responded == 1
    assert not rows[0].ranked  # under the minimum volume
