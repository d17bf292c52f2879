"""The public figures: only verified, non-confidential reports count; small counts are
withheld; the league ranks by the Wilson bound; the API and the CSV say the same."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.core.cache import cache

from aduan.oversight.selectors import Figures, LeagueRow, wilson_lower_bound
from aduan.workflow.tests.test_transitions import START, world_build

from .helpers import act, disposed, submitted

pytestmark = pytest.mark.django_db
URL = "/statistik/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    with time_machine.travel(START, tick=False):
        world = world_build()
        for _n in range(6):
            disposed(world, responded=True)
        for _n in range(3):
            disposed(world, confidential=True)  # verified but confidential
        for _n in range(4):
            submitted(world)  # not verified
        returned = disposed(world)
        act(world, returned, "return", "agency_admin")  # with the desk again: not public
        yield world


def test_public_figures_count_only_verified_public_reports(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["received"] == 6
    assert totals["responded"] == 6
    assert totals["returned"] is None or totals["returned"] == 0
    rows = response.context["rows"]
    assert [(row["agency_id"], row["received"]) for row in rows] == [(world.agency.pk, 6)]


def test_staff_figures_count_every_report(client, world):
    client.force_login(world.users["oversight"])
    assert client.get("/staf/statistik/").context["totals"].received == 14


def test_small_counts_are_suppressed(client):
    with time_machine.travel(START, tick=False):
        world = world_build()
        for _n in range(3):
            disposed(world, responded=True)
    response = client.get(URL)
    totals = response.context["totals"]
    assert totals["received"] is None
    assert totals["on_time_share"] is None
    assert "&lt;5" in response.content.decode()
    api = client.get("/api/v1/stats/agencies").json()
    assert api["results"][0]["received"] is None
    assert api["results"][0]["on_time_share"] is None


def test_the_agency_page_shows_its_public_reports_only(client, world):
    response = client.get(f"{URL}instansi/{world.agency.pk}/")
    assert response.status_code == 200
    assert response.context["totals"]["received"] == 6
    assert len(response.context["reports"]) == 6
    assert client.get(f"{URL}instansi/999999/").status_code == 404


def test_the_api_lists_the_agencies_with_their_figures(client, world):
    response = client.get("/api/v1/stats/agencies", {"from": "2026-11-01", "to": "2026-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2026-11-01"
    assert body["suppressed_below"] == 5
    [row] = body["results"]
    assert (row["agency_id"], row["agency_name"], row["received"]) == (
        world.agency.pk,
        world.agency.name,
        6,
    )
    assert row["on_time_share"] == 1.0
    # Nothing before the reports were made.
    empty = client.get("/api/v1/stats/agencies", {"from": "2026-01-01", "to": "2026-01-31"})
    assert empty.json()["results"] == []
    assert client.get("/api/v1/stats/agencies", {"from": "nonsense"}).status_code == 422


def test_the_api_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/stats/agencies"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "region"}
    assert operation.get("security") in (None, [])


def test_the_csv_is_the_same_table(client, world):
    response = client.get(f"{URL}instansi.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(int(r["agency_id"]), int(r["received"])) for r in rows] == [(world.agency.pk, 6)]


def test_public_figures_are_cached_for_an_hour(client, world):
    client.get(URL)
    with time_machine.travel(START, tick=False):
        disposed(world)
    assert client.get(URL).context["totals"]["received"] == 6
    cache.clear()
    assert client.get(URL).context["totals"]["received"] == 7


def test_wilson_lower_bound_does_not_let_few_reports_win():
    assert wilson_lower_bound(0, 0) is None
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(95, 100)
    assert wilson_lower_bound(95, 100) == pytest.approx(0.8883, abs=1e-3)
    assert 0 < wilson_lower_bound(1, 2) < 0.5


def test_the_league_ranks_by_the_bound_not_the_raw_share(settings):
    from aduan.oversight import selectors

    few = Figures(responded=25, responded_on_time=25)  # 100 % of 25
    many = Figures(responded=400, responded_on_time=390)  # 97.5 % of 400
    assert few.on_time_share > many.on_time_share
    assert many.on_time_lower_bound > few.on_time_lower_bound
    assert (
        LeagueRow(agency=None, figures=Figures(responded=selectors.LEAGUE_MIN_VOLUME - 1)).ranked
        is False
    )


def test_league_order_small_perfect_agency_below_a_large_good_one():
    import datetime as dt

    from aduan.agencies.tests.factories import AgencyFactory
    from aduan.oversight.models import DailyFigure
    from aduan.oversight.selectors import Period, Where, league

    small, large, tiny = AgencyFactory(), AgencyFactory(), AgencyFactory()
    day = dt.date(2026, 12, 1)
    for agency, responded, on_time in ((small, 25, 25), (large, 400, 390), (tiny, 3, 3)):
        DailyFigure.objects.create(
            day=day,
            agency_id=agency.pk,
            channel="web",
            classification="complaint",
            responded=responded,
            responded_on_time=on_time,
        )
    rows = league(where=Where(), period=Period(day, day), agencies=[small, large, tiny])
    assert [row.agency for row in rows] == [large, small, tiny]
    assert [row.ranked for row in rows] == [True, True, False]


def test_supports_are_counted_on_the_day_given_and_uncounted_when_taken_back(client, world):
    """Supporting appends no event: the support services announce it to the listeners
    (``listeners_touch``) and the roll-ups recount the report."""
    from aduan.accounts.tests.factories import UserFactory
    from aduan.reports.models import Report
    from aduan.workflow.services import report_support, report_unsupport

    report = Report.objects.filter(agency=world.agency, confidential=False).first()
    citizens = UserFactory.create_batch(6)
    with time_machine.travel(START, tick=False):
        for citizen in citizens:
            report_support(report=report, actor=citizen)
        report_unsupport(report=report, actor=citizens[0])
        cache.clear()
        response = client.get(URL)
    assert response.context["totals"]["supported"] == 5
    assert [row["supported"] for row in response.context["rows"]] == [5]
    assert '<th scope="col">Supports received</th>' in response.content.decode()
    client.force_login(world.users["oversight"])
    with time_machine.travel(START, tick=False):
        assert client.get("/staf/statistik/").context["totals"].supported == 5


def test_the_public_page_offers_a_province_selector(client, world):
    from aduan.regions.tests.factories import ProvinceFactory

    province = ProvinceFactory(code="32", name="JAWA BARAT")
    with time_machine.travel(START, tick=False):
        html = client.get(URL, {"region": "32"}).content.decode()
    assert '<select id="region" name="region">' in html
    assert f'<option value="{province.code}" selected>JAWA BARAT</option>' in html


# --- The priority programmes ---------------------------------------------------------------


@pytest.fixture
def tagged(world):
    """Every report of ``world`` tagged with its programme (the public ones count: six),
    two public ones with the other programme too (too few to show), plus a switched-off
    programme without reports and an active one without any."""
    from aduan.programmes.tests.factories import ProgrammeFactory
    from aduan.reports.models import Report
    from aduan.workflow.services import report_set_programmes

    public = list(Report.objects.filter(agency=world.agency, confidential=False))
    with time_machine.travel(START, tick=False):
        for report in Report.objects.all():
            ids = [world.programme.pk]
            if report in public[:2]:
                ids.append(world.other_programme.pk)
            report_set_programmes(
                report=report, actor=world.users["national_admin"], programme_ids=ids
            )
    world.switched_off = ProgrammeFactory(is_active=False)
    world.idle = ProgrammeFactory(ordering=99)
    return world


def programme_results(client, **params) -> dict[int, dict]:
    with time_machine.travel(START, tick=False):
        response = client.get("/api/v1/stats/programmes", params)
    assert response.status_code == 200, response.content
    return {row["programme_id"]: row for row in response.json()["results"]}


def test_programme_figures_count_only_public_reports_with_small_counts_withheld(client, tagged):
    rows = programme_results(client)
    assert list(rows) == [tagged.programme.pk, tagged.other_programme.pk, tagged.idle.pk]
    mbg = rows[tagged.programme.pk]
    # 6 public; not the 3 confidential, the 4 unverified nor the returned one.
    assert (mbg["received"], mbg["responded"], mbg["on_time_share"]) == (6, 6, 1.0)
    assert mbg["programme_code"] == tagged.programme.code
    assert mbg["programme_name"] == tagged.programme.name
    few = rows[tagged.other_programme.pk]
    assert (few["received"], few["responded"], few["on_time_share"]) == (None, None, None)
    assert rows[tagged.idle.pk]["received"] == 0
    assert tagged.switched_off.pk not in rows


def test_the_programmes_api_validates_the_period_like_the_agencies(client, tagged):
    with time_machine.travel(START, tick=False):
        assert client.get("/api/v1/stats/programmes", {"from": "nonsense"}).status_code == 422
        body = client.get(
            "/api/v1/stats/programmes", {"from": "2026-11-01", "to": "2026-12-31"}
        ).json()
    assert (body["start"], body["end"], body["suppressed_below"]) == ("2026-11-01", "2026-12-01", 5)
    before = programme_results(client, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert before[tagged.programme.pk]["received"] == 0
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/stats/programmes"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to"}
    assert operation.get("security") in (None, [])


def test_the_public_page_and_its_csv_show_the_programmes(client, tagged):
    from aduan.regions.tests.factories import ProvinceFactory

    with time_machine.travel(START, tick=False):
        response = client.get(URL)
        csv_response = client.get(f"{URL}program.csv")
        ProvinceFactory(code="32", name="JAWA BARAT")
        regional = client.get(URL, {"region": "32"}).content.decode()
    html = response.content.decode()
    assert "<h2>National priority programmes</h2>" in html
    assert f'<th scope="row">{tagged.programme.name}</th><td>6</td>' in html
    assert f'<th scope="row">{tagged.other_programme.name}</th><td>&lt;5</td>' in html
    assert 'href="/statistik/program.csv?"' in html
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert [(int(r["programme_id"]), r["received"]) for r in rows] == [
        (tagged.programme.pk, "6"),
        (tagged.other_programme.pk, ""),
        (tagged.idle.pk, "0"),
    ]
    # The programme table keeps no region: a province's page says so instead.
    assert tagged.programme.name not in regional
    assert "counted for the whole country only" in regional
    assert '<a href="?">Show the whole country</a>' in regional
