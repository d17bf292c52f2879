"""The agency inbox: scope, filters, bulk assignment to units, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.tests.factories import AgencyAdminFactory
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.programmes.tests.factories import ProgrammeFactory
from aduan.reports.models import EventAction, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

from .staff_helpers import NOW, WIB, disposed, in_progress, responded, sign_in, text
from .test_staff_queue import tracking_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

INBOX = reverse("web:staff_inbox")


@pytest.fixture
def work(people, citizen, agency, unit, region_tree, frozen):
    """Reports of ``agency`` in several states, units, topics, places and dates."""
    admin, agency_admin = people["national_admin"], people["agency_admin"]
    roads = CategoryFactory(name_en="Roads")
    frozen.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB))
    old = disposed(citizen, admin=admin, agency=agency, title="Laporan lama yang terlambat")
    frozen.move_to(NOW)
    fresh = disposed(
        citizen, admin=admin, agency=agency, title="Laporan jalan baru", category_id=roads.pk
    )
    at_unit = disposed(
        citizen,
        admin=admin,
        agency=agency,
        title="Laporan di unit Sukasari",
        region_code=region_tree["district"].code,
    )
    wf.report_forward(report=at_unit, actor=agency_admin, agency_id=unit.pk)
    busy = in_progress(
        citizen, admin=admin, agency=agency, agency_admin=agency_admin, title="Laporan diproses"
    )
    answered = responded(
        citizen, admin=admin, agency=agency, agency_admin=agency_admin, title="Laporan dijawab"
    )
    elsewhere = disposed(citizen, admin=admin, agency=AgencyFactory(), title="Instansi lain")
    return {
        "old": old,
        "fresh": fresh,
        "at_unit": at_unit,
        "busy": busy,
        "answered": answered,
        "elsewhere": elsewhere,
        "roads": roads,
    }


def ids(client, **params) -> set[str]:
    response = client.get(INBOX, params)
    assert response.status_code == 200
    return set(tracking_ids(response))


def tids(work, *names) -> set[str]:
    return {work[name].tracking_id for name in names}


def test_scope_per_person(client, people, work):
    mine = tids(work, "old", "fresh", "at_unit", "busy", "answered")
    sign_in(client, people["agency_admin"])
    assert ids(client) == mine
    client.logout()
    sign_in(client, people["unit_officer"])
    assert ids(client) == tids(work, "at_unit")
    client.logout()
    sign_in(client, people["other_agency_admin"])
    assert ids(client) == set()
    client.logout()
    sign_in(client, people["national_admin"])
    assert ids(client) == mine | tids(work, "elsewhere")


def test_filters(client, people, work, unit, region_tree):
    sign_in(client, people["agency_admin"])
    assert ids(client, status="in_progress") == tids(work, "busy")
    assert ids(client, status="responded") == tids(work, "answered")
    assert ids(client, unit=unit.pk) == tids(work, "at_unit")
    assert ids(client, category=work["roads"].pk) == tids(work, "fresh")
    assert ids(client, province="32") == tids(work, "at_unit")
    assert ids(client, created_to="2026-11-30") == tids(work, "old")
    assert ids(client, created_from="2026-12-01", created_to="2026-12-01") == tids(
        work, "fresh", "at_unit", "busy", "answered"
    )
    assert ids(client, q="diproses") == tids(work, "busy")
    # A unit that is not the agency's own is no choice at all: the filter is dropped.
    foreign = UnitFactory()
    assert ids(client, unit=foreign.pk) == ids(client)


def test_the_programme_filter_narrows_with_the_others(client, people, work):
    """The select offers every programme; a chosen one keeps the reports tagged with it,
    together with the other filters; a value that is no programme is no filter at all."""
    mbg = ProgrammeFactory(name="Makan Bergizi Gratis")
    ckg = ProgrammeFactory(name="Cek Kesehatan Gratis")
    desk = people["national_admin"]
    for name, programmes in (("fresh", [mbg]), ("busy", [mbg, ckg]), ("elsewhere", [ckg])):
        wf.report_set_programmes(
            report=work[name], actor=desk, programme_ids=[p.pk for p in programmes]
        )
    sign_in(client, people["agency_admin"])
    html = client.get(INBOX).content.decode()
    assert '<select name="programme"' in html
    assert f'<option value="{mbg.pk}">Makan Bergizi Gratis</option>' in html
    assert ids(client, programme=mbg.pk) == tids(work, "fresh", "busy")
    assert ids(client, programme=ckg.pk) == tids(work, "busy")  # not another agency's
    assert ids(client, programme=mbg.pk, status="in_progress") == tids(work, "busy")
    assert ids(client, programme=mbg.pk, category=work["roads"].pk) == tids(work, "fresh")
    chosen = client.get(INBOX, {"programme": ckg.pk}).content.decode()
    assert f'<option value="{ckg.pk}" selected>Cek Kesehatan Gratis</option>' in chosen
    assert ids(client, programme="mbg") == ids(client)
    assert ids(client, programme=999999) == ids(client)
    client.logout()
    # The KSP overseer's inbox holds the programmes' reports only; the filter narrows it.
    sign_in(client, people["ksp"])
    assert ids(client) == tids(work, "fresh", "busy", "elsewhere")
    assert ids(client, programme=ckg.pk) == tids(work, "busy", "elsewhere")


def test_without_programmes_there_is_no_programme_select(client, people, work):
    sign_in(client, people["agency_admin"])
    assert 'name="programme"' not in client.get(INBOX).content.decode()


def test_overdue_filter_and_the_overdue_mark(client, people, work, frozen):
    # The old report's response deadline (5 working days from 23 Nov) was 30 Nov.
    frozen.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=WIB))
    wf.report_comment(
        report=work["old"], actor=people["agency_admin"], body="Sedang kami cek.", internal=True
    )
    sign_in(client, people["agency_admin"])
    assert ids(client, overdue="yes") == tids(work, "old")
    assert tids(work, "old").isdisjoint(ids(client, overdue="no"))
    response = client.get(INBOX, {"overdue": "yes"})
    page = text(response)
    assert "30 November 2026, 23:59 WIB · overdue by 1 working day" in page
    assert 'class="card is-overdue"' in response.content.decode()


def test_the_as_of_filters_list_the_state_of_then_with_a_caption_and_a_way_back(
    client, people, work, frozen
):
    """A dashboard's drill-down: overdue (open) at the end of a past day, whatever the
    report's status now; the page says so and links to the current state."""
    from aduan.workflow.sweep import sweep_run

    frozen.move_to(dt.datetime(2026, 12, 3, 10, 0, tzinfo=WIB))
    sweep_run(now=timezone.now())
    frozen.move_to(dt.datetime(2026, 12, 5, 10, 0, tzinfo=WIB))
    wf.report_respond(
        report=work["old"], actor=people["agency_admin"], body="Sudah kami perbaiki, terima kasih."
    )
    sign_in(client, people["agency_admin"])
    assert ids(client, overdue_at="2026-12-04") == tids(work, "old")
    assert ids(client, overdue_at="2026-12-05") == set()
    assert ids(client, open_at="2026-11-30") == tids(work, "old")
    assert ids(client, open_at="2026-11-30", status="in_progress") == set()
    response = client.get(INBOX, {"overdue_at": "2026-12-04", "q": "lama"})
    assert "Overdue at the end of 4 Dec 2026" in text(response)
    html = response.content.decode()
    assert 'type="hidden" name="overdue_at" value="2026-12-04"' in html  # kept by the form
    assert '<a href="?q=lama">Show the current state instead</a>' in html
    assert "Show the current state" not in text(client.get(INBOX))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    shown = text(client.get(INBOX, {"open_at": "2026-10-31"}))
    assert "Masih terbuka pada akhir 31 Okt 2026" in shown
    assert "Tampilkan keadaan saat ini" in shown


def test_the_event_filters_list_what_happened_then_with_a_caption_and_a_way_back(
    client, people, citizen, work, frozen
):
    """A dashboard's drill-down to a flow: the reports closed (returned) on a day in the
    range, whatever their status now; the page says so, and how it counts, and links to
    the list without it."""
    frozen.move_to(dt.datetime(2026, 12, 3, 10, 0, tzinfo=WIB))
    wf.report_close(report=work["answered"], actor=citizen)
    wf.report_return(
        report=work["busy"], actor=people["agency_admin"], reason="Bukan kewenangan kami."
    )
    wf.report_dispose(
        report=work["busy"], actor=people["national_admin"], agency_id=work["old"].agency_id
    )
    sign_in(client, people["agency_admin"])
    assert ids(client, closed_from="2026-12-01", closed_to="2026-12-31") == tids(work, "answered")
    assert ids(client, closed_from="2026-12-04") == set()
    assert ids(client, returned_from="2026-12-03", returned_to="2026-12-03") == tids(work, "busy")
    assert ids(client, returned_to="2026-12-02") == set()
    response = client.get(
        INBOX, {"closed_from": "2026-12-01", "closed_to": "2026-12-31", "q": "dijawab"}
    )
    shown = text(response)
    assert "Closed between 1 Dec and 31 Dec 2026" in shown
    assert "closed or returned more than once on these days is listed once" in shown
    html = response.content.decode()
    assert 'type="hidden" name="closed_from" value="2026-12-01"' in html  # kept by the form
    assert 'type="hidden" name="closed_to" value="2026-12-31"' in html
    assert '<a href="?q=dijawab">Remove this filter</a>' in html
    assert "Remove this filter" not in text(client.get(INBOX))
    shown = text(client.get(INBOX, {"returned_from": "2025-12-30", "returned_to": "2026-01-02"}))
    assert "Returned between 30 Dec 2025 and 2 Jan 2026" in shown
    assert "Returned on or after 3 Dec 2026" in text(
        client.get(INBOX, {"returned_from": "2026-12-03"})
    )
    assert "Closed on or before 3 Dec 2026" in text(client.get(INBOX, {"closed_to": "2026-12-03"}))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    shown = text(client.get(INBOX, {"closed_from": "2026-10-01", "closed_to": "2026-10-31"}))
    assert "Ditutup antara 1 Okt dan 31 Okt 2026" in shown
    assert "Hapus filter ini" in shown
    assert "tampil sekali; angka di dasbor menghitung setiap kejadiannya" in shown


def test_the_unit_select_lists_only_the_agencys_units(client, people, work, unit):
    UnitFactory(name="Unit instansi lain")
    sign_in(client, people["agency_admin"])
    html = client.get(INBOX).content.decode()
    assert unit.name in html
    assert "Unit instansi lain" not in html
    client.logout()
    sign_in(client, people["national_admin"])
    html = client.get(INBOX).content.decode()
    assert 'name="unit"' not in html  # the national admin narrows by agency instead
    assert 'name="agency_q"' in html


def test_bulk_assignment(client, people, work, unit):
    sign_in(client, people["agency_admin"])
    picked = [work["fresh"].tracking_id, work["busy"].tracking_id]
    response = client.post(INBOX, {"reports": picked, "unit": unit.pk}, follow=True)
    assert response.redirect_chain == [(INBOX, 302)]
    assert "2 report(s) assigned to Direktorat Jalan Daerah." in text(response)
    for name in ("fresh", "busy"):
        work[name].refresh_from_db()
        assert work[name].agency == unit
        assert work[name].events.filter(action=EventAction.FORWARDED).exists()
    assert ids(client, unit=unit.pk) == tids(work, "fresh", "busy", "at_unit")


def test_bulk_assignment_reports_each_refusal_and_does_the_rest(client, people, work, unit):
    sign_in(client, people["agency_admin"])
    picked = [
        work["fresh"].tracking_id,  # fine
        work["at_unit"].tracking_id,  # already with this unit
        work["answered"].tracking_id,  # responded: forwarding is not possible
        work["elsewhere"].tracking_id,  # another agency's
        "23456789AB",  # does not exist
    ]
    response = client.post(INBOX + "?status=", {"reports": picked, "unit": unit.pk}, follow=True)
    page = text(response)
    assert "1 report(s) assigned to Direktorat Jalan Daerah." in page
    assert f"{work['at_unit'].tracking_id}: The report is already with this agency." in page
    assert f"{work['answered'].tracking_id}: “Forwarded” is not possible" in page
    assert f"{work['elsewhere'].tracking_id}: You are not allowed to do this." in page
    assert "23456789AB: Not found." in page
    work["fresh"].refresh_from_db()
    assert work["fresh"].agency == unit
    work["answered"].refresh_from_db()
    assert work["answered"].status == Status.RESPONDED
    work["elsewhere"].refresh_from_db()
    assert work["elsewhere"].agency != unit


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit": "__unit__"}, "Tick at least one report."),
        ({"reports": ["__report__"]}, "Choose the unit."),
        ({"reports": ["__report__"], "unit": "999999"}, "Select a valid choice."),
    ],
)
def test_bulk_assignment_needs_reports_and_a_unit(client, people, work, unit, data, message):
    data = {
        key: (
            [work["fresh"].tracking_id]
            if value == ["__report__"]
            else (unit.pk if value == "__unit__" else value)
        )
        for key, value in data.items()
    }
    sign_in(client, people["agency_admin"])
    events = ReportEvent.objects.count()
    response = client.post(INBOX, data)
    assert response.status_code == 422
    assert message in text(response)
    assert ReportEvent.objects.count() == events


@pytest.mark.parametrize("who", ["unit_officer", "national_admin", "oversight", "citizen"])
def test_only_agency_admins_assign(client, people, work, unit, who):
    sign_in(client, people[who])
    response = client.post(INBOX, {"reports": [work["fresh"].tracking_id], "unit": unit.pk})
    assert response.status_code == 403
    work["fresh"].refresh_from_db()
    assert work["fresh"].agency_id != unit.pk


@pytest.mark.parametrize("rows", [2, 25])
def test_query_count_does_not_grow_with_rows(
    client, people, agency, unit, region_tree, rows, django_assert_max_num_queries
):
    category = CategoryFactory()
    for n in range(rows):
        ReportFactory(
            status=Status.IN_PROGRESS if n % 2 else Status.DISPOSITIONED,
            agency=unit if n % 3 else agency,
            due_at=NOW + dt.timedelta(days=n),
            is_overdue=n % 4 == 0,
            category=category,
            region=region_tree["district"],
            anonymous=n % 2 == 0,
        )
    sign_in(client, people["agency_admin"])
    # session, user (+ agency), unread notifications, units, topics, programmes, provinces,
    # the agency's unit ids, count, page, the page's regions, days off
    with django_assert_max_num_queries(13):
        response = client.get(INBOX)
    assert len(tracking_ids(response)) == min(rows, 20)
    assert "Sukasari, Kota Bandung, Jawa Barat" in response.content.decode()  # the page's regions
    with django_assert_max_num_queries(15):  # + the chosen unit's path and its unit ids
        response = client.get(INBOX, {"unit": unit.pk, "overdue": "yes", "category": category.pk})
    assert response.status_code == 200


def test_the_next_page_reads_no_directory_again_until_it_changes(client, people, unit):
    # Every page of a list offers the programmes and units, counts down with the days off
    # and shows the unread count: read once, then remembered until they change.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aduan.sla.models import DayOff

    ProgrammeFactory(name="Program Satu")
    sign_in(client, people["agency_admin"])
    assert client.get(INBOX).status_code == 200

    def tables_read() -> str:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX)
        assert response.status_code == 200
        return " ".join(query["sql"] for query in queries.captured_queries)

    sql = tables_read()
    for table in ("programmes_programme", "sla_dayoff", "notifications_notification"):
        assert table not in sql
    ProgrammeFactory(name="Program Dua")
    DayOff.objects.create(date=dt.date(2030, 1, 2), name="Cuti bersama")
    UnitFactory(parent=people["agency_admin"].agency, name="Unit Baru")
    sql = tables_read()
    assert "programmes_programme" in sql
    assert "sla_dayoff" in sql
    html = client.get(INBOX).content.decode()
    assert "Program Dua" in html
    assert "Unit Baru" in html


def test_the_work_filter_bar_is_remembered_per_list_and_units_not_past_typed_text(
    client, people, unit
):
    # Remembered like the feed's (``web_tags.filter_bar``): the same bar for the same
    # list, units and chosen values; never a bar holding words or dates someone typed.
    sign_in(client, people["agency_admin"])
    html = text(client.get(INBOX, {"status": Status.IN_PROGRESS}))
    assert unit.name in html
    assert text(client.get(INBOX, {"status": Status.IN_PROGRESS})) == html
    typed = client.get(INBOX, {"q": "lampu jalan", "created_from": "2026-01-05"})
    assert 'value="lampu jalan"' in typed.content.decode()
    assert 'value="2026-01-05"' in typed.content.decode()
    assert "lampu jalan" not in client.get(INBOX).content.decode()
    # Another agency's staff are offered their own units, not these.
    other = AgencyFactory(name="Dinas Lain")
    UnitFactory(parent=other, name="Unit Dinas Lain")
    sign_in(client, AgencyAdminFactory(agency=other))
    html = client.get(INBOX, {"status": Status.IN_PROGRESS}).content.decode()
    assert "Unit Dinas Lain" in html
    assert unit.name not in html
