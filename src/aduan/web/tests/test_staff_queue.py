"""The national admin's verification queue: order, countdown, filters, privacy in sight,
and a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from aduan.agencies.tests.factories import AgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.reports.models import Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf

from .staff_helpers import NOW, WIB, disposed, sign_in, submitted, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

QUEUE = reverse("web:staff_queue")


def tracking_ids(response) -> list[str]:
    return re.findall(r'href="/staf/laporan/([0-9A-Z]{10})/"', response.content.decode())


def test_oldest_deadline_first_with_the_countdown(client, people, citizen, frozen):
    later = submitted(citizen, title="Diajukan hari Rabu siang")  # due Fri 4 Dec
    frozen.shift(-dt.timedelta(days=1))  # Monday 30 Nov: due Thu 3 Dec
    sooner = submitted(citizen, title="Diajukan hari Senin pagi")
    frozen.move_to(NOW)
    no_deadline = ReportFactory(status=Status.SUBMITTED, title="Tanpa tenggat apa pun")
    sign_in(client, people["national_admin"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert tracking_ids(response) == [
        sooner.tracking_id,
        later.tracking_id,
        no_deadline.tracking_id,
    ]
    page = text(response)
    assert "3 December 2026, 23:59 WIB · 2 working days left" in page
    assert "4 December 2026, 23:59 WIB · 3 working days left" in page
    assert "no open deadline" in page

    frozen.move_to(dt.datetime(2026, 12, 8, 9, 0, tzinfo=WIB))  # Tuesday a week later
    page = text(client.get(QUEUE))
    assert "3 December 2026, 23:59 WIB · overdue by 3 working days" in page
    assert "4 December 2026, 23:59 WIB · overdue by 2 working days" in page
    frozen.move_to(dt.datetime(2026, 12, 4, 20, 0, tzinfo=WIB))
    page = text(client.get(QUEUE))
    assert "4 December 2026, 23:59 WIB · due today" in page
    assert "3 December 2026, 23:59 WIB · overdue by 1 working day" in page
    frozen.move_to(dt.datetime(2026, 12, 5, 10, 0, tzinfo=WIB))  # Saturday
    page = text(client.get(QUEUE))
    assert "4 December 2026, 23:59 WIB · overdue since 4 December 2026" in page


def test_returned_reports_come_back_with_the_suggested_agency(client, people, citizen, agency):
    elsewhere = AgencyFactory(name="Pemerintah Kota Bandung")
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    wf.report_forward(report=report, actor=people["agency_admin"], agency_id=elsewhere.pk)
    chosen = submitted(citizen, title="Dengan pilihan instansi", agency_id=agency.pk)
    assert chosen.status == Status.SUBMITTED  # a chosen agency is only a suggestion
    sign_in(client, people["national_admin"])
    response = client.get(QUEUE)
    assert set(tracking_ids(response)) == {report.tracking_id, chosen.tracking_id}
    page = text(response)
    assert "Returned" in page
    assert "Suggested on return: Pemerintah Kota Bandung" in page


def test_privacy_flags_are_in_plain_sight(client, people, citizen):
    submitted(citizen, title="Laporan biasa yang terbuka")
    submitted(citizen, title="Laporan rahasia tanpa nama", anonymous=True, confidential=True)
    sign_in(client, people["national_admin"])
    html = client.get(QUEUE).content.decode()
    cards = html.split('<li class="card')[1:]
    plain = next(c for c in cards if "Laporan biasa" in c)
    private = next(c for c in cards if "Laporan rahasia" in c)
    assert "Reporter's name shown" in plain
    assert ">Public<" in plain
    assert "badge-private" not in plain
    assert "Anonymous reporter" in private
    assert ">Confidential<" in private
    assert private.count("badge-private") == 2


def test_the_reporters_choice_of_agency_is_shown(client, people, citizen, agency):
    report = ReportFactory(status=Status.SUBMITTED, requested_agency=agency)
    sign_in(client, people["national_admin"])
    page = text(client.get(QUEUE))
    assert report.title in page
    assert "Reporter's choice: Kementerian Pekerjaan Umum" in page


def test_filters(client, people, citizen, agency, region_tree, frozen):
    roads = CategoryFactory(name_en="Roads")
    admin = people["national_admin"]
    frozen.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=WIB))
    early = submitted(citizen, title="Laporan bulan lalu di Jakarta")
    frozen.move_to(NOW)
    by_topic = submitted(citizen, title="Laporan tentang jalan raya", category_id=roads.pk)
    in_bandung = submitted(
        citizen, title="Laporan di Sukasari Bandung", region_code=region_tree["district"].code
    )
    returned = disposed(citizen, admin=admin, agency=agency, title="Laporan yang dikembalikan")
    wf.report_return(report=returned, actor=people["agency_admin"], reason="Bukan kewenangan kami.")
    sign_in(client, admin)

    def ids(**params):
        return set(tracking_ids(client.get(QUEUE, params)))

    everything = {early.tracking_id, by_topic.tracking_id, in_bandung.tracking_id}
    assert ids() == everything | {returned.tracking_id}
    assert ids(status="returned") == {returned.tracking_id}
    assert ids(category=roads.pk) == {by_topic.tracking_id}
    assert ids(province="32") == {in_bandung.tracking_id}
    assert ids(province="32", regency="32.73", district="32.73.01") == {in_bandung.tracking_id}
    assert ids(created_to="2026-11-30") == {early.tracking_id}
    assert ids(created_from="2026-12-01") == everything - {early.tracking_id} | {
        returned.tracking_id
    }
    assert ids(q="Sukasari") == {in_bandung.tracking_id}
    assert ids(q=by_topic.tracking_id) == {by_topic.tracking_id}
    # The verification deadline of the early one (25 Nov) has passed.
    frozen.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=WIB))
    wf.report_hold(report=early, actor=admin, question="Di jalan mana tepatnya?")
    assert ids(overdue="yes") == set()
    ReportFactory(status=Status.SUBMITTED, is_overdue=True, title="Sudah lewat tenggat")
    overdue = ids(overdue="yes")
    assert len(overdue) == 1
    assert overdue.isdisjoint(ids(overdue="no"))
    # Nonsense is no filter at all, never an error page.
    response = client.get(QUEUE, {"category": "x", "created_from": "kemarin", "status": "zz"})
    assert response.status_code == 200
    assert set(tracking_ids(response)) == ids()


def test_another_status_may_be_looked_up_from_the_queue(client, people, citizen, agency):
    report = disposed(citizen, admin=people["national_admin"], agency=agency)
    sign_in(client, people["national_admin"])
    assert report.tracking_id not in tracking_ids(client.get(QUEUE))
    response = client.get(QUEUE, {"status": "dispositioned"})
    assert tracking_ids(response) == [report.tracking_id]


def test_pagination(client, people, settings):
    settings.ADUAN_PAGE_SIZE = 2
    for n in range(5):
        ReportFactory(status=Status.SUBMITTED, title=f"Laporan antrean nomor {n}")
    sign_in(client, people["national_admin"])
    first = client.get(QUEUE)
    assert len(tracking_ids(first)) == 2
    assert "Page 1 of 3" in text(first)
    last = client.get(QUEUE, {"page": 3})
    assert len(tracking_ids(last)) == 1
    assert set(tracking_ids(first)).isdisjoint(tracking_ids(last))
    assert "5 reports" in text(first)


@pytest.mark.parametrize("rows", [2, 25])
def test_query_count_does_not_grow_with_rows(
    client, people, agency, region_tree, rows, django_assert_max_num_queries
):
    category = CategoryFactory()
    for n in range(rows):
        ReportFactory(
            status=Status.SUBMITTED if n % 2 else Status.RETURNED,
            title=f"Laporan antrean nomor {n}",
            due_at=NOW + dt.timedelta(days=n),
            category=category,
            region=region_tree["district"],
            requested_agency=agency,
            suggested_agency=agency if n % 2 == 0 else None,
            agency=agency if n % 3 == 0 else None,
        )
    sign_in(client, people["national_admin"])
    # session, user, unread notifications, topics, provinces, count, page, days off
    with django_assert_max_num_queries(8):
        response = client.get(QUEUE)
    assert len(tracking_ids(response)) == min(rows, 20)
