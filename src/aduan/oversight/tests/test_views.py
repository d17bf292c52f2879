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


def test_the_ksp_overseer_counts_only_the_programmes_reports(client, world):
    """The KSP overseer opens only the reports tagged with a priority programme, of every
    agency: their figures come from the programme table alone, so a report without a
    programme is not counted, one with is (once, however many programmes it has)."""
    overseer = ProgrammeOverseerFactory()
    scope = statistics_scope(overseer)
    assert scope.programmes_only
    assert scope.covers(world.agency)
    client.force_login(overseer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["totals"].received == 0  # nothing tagged yet
    with time_machine.travel(START, tick=False):
        report = disposed(world, responded=True)
        act(world, report, "set_programmes", "national_admin")  # tags other_programme
        act(world, report, "set_programmes", "national_admin")  # and takes it off again
        act(world, report, "set_programmes", "national_admin")  # and on again
        tag(world, report, world.programme)  # a second programme: still one report
    response = client.get(URL)
    totals = response.context["totals"]
    assert (totals.received, totals.verified, totals.responded) == (1, 1, 1)
    per_programme = {row.key: row.received for row in response.context["programme_rows"]}
    assert per_programme == {world.programme.pk: 1, world.other_programme.pk: 1}
    # No topic, channel or region breakdown: the programme table keeps none.
    assert response.context["categories"] == []
    assert 'name="region"' not in response.content.decode()
    # The league counts the tagged report under its agency, and nothing else.
    assert sum(row.figures.received for row in response.context["league"]) == 1
    # The national overseer sees every report, and the programme filter narrows to one.
    login(client, world, "oversight")
    assert client.get(URL).context["totals"].received == 4
    narrowed = client.get(URL, {"programme": world.other_programme.pk}).context["totals"]
    assert narrowed.received == 1


def tag(world, report, programme):
    """The desk tags ``report`` with ``programme`` too (beside what it has)."""
    from aduan.workflow.services import report_set_programmes

    current = list(report.programme_tags.values_list("programme_id", flat=True))
    report_set_programmes(
        report=report,
        actor=world.users["national_admin"],
        programme_ids=[*current, programme.pk],
    )


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
    assert "overdue_at=" in links["overdue"]
    assert "open_at=" in links["open"]
    for flow in ("closed", "returned"):
        assert f"{flow}_from=" in links[flow]
        assert f"{flow}_to=" in links[flow]
        assert "created_from=" not in links[flow]
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


def test_a_programmes_figures_drill_down_to_its_reports(client, world):
    with time_machine.travel(START, tick=False):
        report = disposed(world)
        tag(world, report, world.programme)
    login(client, world, "oversight")
    links = client.get(URL, {"programme": world.programme.pk}).context["links"]
    assert f"programme={world.programme.pk}" in links["received"]
    shown = set(re.findall(r"/staf/laporan/([A-Z0-9]+)/", client.get(links["received"]).text))
    assert shown == {report.tracking_id}


def test_the_agency_table_lists_agencies_with_reports_unless_all_are_asked_for(
    client, world, monkeypatch
):
    """By default an agency with nothing received, answered or closed in the period and
    nothing open at its end is left out; ``all_agencies=1`` lists every one. The ranks of
    those shown are the same either way."""
    import datetime as dt

    from aduan.agencies.tests.factories import AgencyFactory
    from aduan.oversight import selectors
    from aduan.workflow.services import report_dispose

    monkeypatch.setattr(selectors, "LEAGUE_MIN_VOLUME", 1)  # world.agency's one response ranks
    idle = AgencyFactory(name="Badan Tanpa Laporan")
    with time_machine.travel(START - dt.timedelta(days=120), tick=False):
        # Received long before the period, still open in it.
        report_dispose(
            report=submitted(world),
            actor=world.users["national_admin"],
            agency_id=world.elsewhere.pk,
        )
    login(client, world, "oversight")
    period = {"from": "2026-11-15", "to": "2026-12-31"}
    with time_machine.travel(START, tick=False):
        response = client.get(URL, period)
        everything = client.get(URL, {**period, "all_agencies": "1"})
    listed = [row.agency for row in response.context["league"]]
    assert world.agency in listed
    assert world.elsewhere in listed  # nothing received in the period, but one open
    assert idle not in listed
    html = response.content.decode()
    assert ">Badan Tanpa Laporan</a></th>" not in html  # the agency select still offers it
    hidden = response.context["league_hidden"]
    assert hidden >= 1
    assert "more without reports in the period" in html
    assert "all_agencies=1" in html
    every = [row.agency for row in everything.context["league"]]
    assert idle in every
    assert len(every) == len(listed) + hidden
    assert ">Badan Tanpa Laporan</a></th>" in everything.content.decode()
    assert "Show only agencies with reports in the period" in everything.content.decode()
    # The form keeps the choice when the period changes.
    assert '<input type="hidden" name="all_agencies" value="1">' in everything.content.decode()
    ranked = [row.agency for row in response.context["league"] if row.ranked]
    assert ranked == [row.agency for row in everything.context["league"] if row.ranked]
    assert ranked[:1] == [world.agency]
    assert '<td>1</td><th scope="row"><a href="/staf/statistik/?' in html


def test_a_long_topic_name_is_whole_in_the_chart(client, world):
    """The bar chart wraps a long name onto lines of its own (``<tspan>``) instead of
    cutting it, and the row's ``<title>`` holds it whole."""
    from aduan.categories.tests.factories import CategoryFactory
    from aduan.oversight.charts import NAME_LINE

    name = "Korupsi, pungutan liar dan maladministrasi pelayanan publik di daerah"
    assert len(name) > 2 * NAME_LINE
    topic = CategoryFactory(name_en=name)
    with time_machine.travel(START, tick=False):
        disposed(world, category_id=topic.pk)
    login(client, world, "oversight")
    with time_machine.travel(START, tick=False):
        chart = str(client.get(URL).context["charts"]["categories"])
    assert f"<title>{name}: 1</title>" in chart
    [row] = [g for g in re.findall(r"<g>.*?</g>", chart) if name in g]
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", row)
    assert len(lines) == 3
    assert all(len(line) <= NAME_LINE for line in lines)
    assert " ".join(lines) == name


def test_a_views_figures_are_kept_for_a_few_minutes_and_per_scope(
    client, world, settings, django_assert_max_num_queries
):
    """Counted once, a view's figures are read from the cache until they are
    ``ADUAN_STATISTICS_CACHE_SECONDS`` old (the page says when they were counted); each
    scope, period and agency has its own entry, so no one sees another view's figures."""
    from django.core.cache import cache

    cache.clear()
    settings.ADUAN_STATISTICS_CACHE_SECONDS = 300
    login(client, world, "oversight")
    with time_machine.travel(START, tick=False) as clock:
        first = client.get(URL)
        assert first.context["totals"].received == 3
        assert "Counted at" in first.content.decode()
        submitted(world)  # a fourth report
        kept = client.get(URL)
        assert kept.context["totals"].received == 3
        assert kept.context["counted_at"] == first.context["counted_at"]
        # The agency's staff count their own subtree, not the national entry.
        login(client, world, "other_admin")
        assert client.get(URL).context["totals"].received == 0
        login(client, world, "oversight")
        clock.shift(301)
        assert client.get(URL).context["totals"].received == 4


def test_the_periodic_job_counts_the_national_views_ahead(client, world, settings):
    from django.core.cache import cache
    from django.utils import timezone

    from aduan.oversight.dashboard import dashboard_warm_job

    cache.clear()
    settings.ADUAN_STATISTICS_CACHE_SECONDS = 300
    with time_machine.travel(START, tick=False):
        now = timezone.now().replace(minute=5)
        assert dashboard_warm_job(now=now, batch=100, stop_at=0) == 3
        assert dashboard_warm_job(now=now.replace(minute=7), batch=100, stop_at=0) == 0
        submitted(world)  # after the count: the page shows what the job counted
        login(client, world, "oversight")
        for preset in ("this_month", "last_3_months", "this_year"):
            assert client.get(URL, {"preset": preset}).context["totals"].received == 3
    settings.ADUAN_STATISTICS_CACHE_SECONDS = 0
    assert dashboard_warm_job(now=now, batch=100, stop_at=0) == 0
