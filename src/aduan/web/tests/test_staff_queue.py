"""The national admin's verification queue: order, countdown, filters, privacy in sight,
and a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from aduan.agencies.tests.factories import AgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.reports.models import Status
from aduan.reports.tests.factories import AttachmentFactory, ReportFactory
from aduan.workflow import services as wf

from .staff_helpers import NOW, WIB, action_forms, disposed, sign_in, submitted, text

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


def rows_by_title(response) -> dict[str, str]:
    """Each row of the queue table, keyed by the report's title (as HTML)."""
    html = response.content.decode()
    rows = re.findall(r'<tr class="queue-row.*?</tr>', html, flags=re.S)
    return {re.search(r'href="/staf/laporan/[0-9A-Z]{10}/">([^<]+)<', r).group(1): r for r in rows}


def flags(row: str) -> list[str]:
    return re.findall(r'<li class="badge flag-([a-z_]+)', row)


def test_privacy_flags_are_in_plain_sight(client, people, citizen):
    submitted(citizen, title="Laporan biasa yang terbuka")
    submitted(citizen, title="Laporan rahasia tanpa nama", anonymous=True, confidential=True)
    sign_in(client, people["national_admin"])
    rows = rows_by_title(client.get(QUEUE))
    plain, private = rows["Laporan biasa yang terbuka"], rows["Laporan rahasia tanpa nama"]
    assert flags(plain) == []
    assert "badge-private" not in plain
    assert flags(private) == ["anonymous", "confidential"]
    assert "Anonymous reporter" in private
    assert ">Confidential<" in private
    assert private.count("badge-private") == 2


def test_every_flag_and_only_when_it_applies(client, people, citizen, agency, frozen):
    with_file = submitted(citizen, title="Laporan dengan foto bukti")
    AttachmentFactory(report=with_file)
    ReportFactory(status=Status.SUBMITTED, channel="sms", title="Laporan lewat SMS 1708")
    returned = disposed(
        citizen, admin=people["national_admin"], agency=agency, title="Dikembalikan"
    )
    wf.report_return(report=returned, actor=people["agency_admin"], reason="Bukan kewenangan kami.")
    frozen.move_to(dt.datetime(2026, 12, 9, 9, 0, tzinfo=WIB))  # every deadline has passed
    sign_in(client, people["national_admin"])
    rows = rows_by_title(client.get(QUEUE))
    assert flags(rows["Laporan dengan foto bukti"]) == ["attachments", "overdue"]
    assert flags(rows["Laporan lewat SMS 1708"]) == ["channel"]  # no deadline: never overdue
    assert "SMS 1708" in rows["Laporan lewat SMS 1708"]
    assert flags(rows["Dikembalikan"]) == ["returned", "overdue"]


def test_the_queue_is_a_table_that_stacks_on_a_phone(client, people, citizen):
    """One row per report with the six columns; under the breakpoint desk.css shows each
    row as a card (labels from ``data-label``), so the page never scrolls sideways."""
    report = submitted(citizen, title="Laporan di dalam tabel")
    sign_in(client, people["national_admin"])
    html = client.get(QUEUE).content.decode()
    assert '<div class="queue-scroll">' in html
    assert '<table class="queue-table">' in html
    assert "web/desk.css" in html
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers == ["Tracking number", "Title", "Age", "Deadline", "Flags", "Suggested agencies"]
    row = rows_by_title(client.get(QUEUE))["Laporan di dalam tabel"]
    assert re.findall(r'data-label="([^"]+)"', row) == headers
    assert report.tracking_id in row
    css = Path(finders.find("web/desk.css")).read_text()
    stacked = css[css.index("@media (max-width: 47.99rem)") :]
    assert ".queue-table tr" in stacked
    assert "display: block" in stacked
    assert 'content: attr(data-label) ": "' in stacked


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


@pytest.mark.parametrize("rows", [2, 30])
def test_query_count_does_not_grow_with_rows(
    client, people, agency, region_tree, rows, settings, django_assert_max_num_queries
):
    settings.ADUAN_PAGE_SIZE = 30
    category = CategoryFactory()
    for n in range(rows):
        report = ReportFactory(
            status=Status.SUBMITTED if n % 2 else Status.RETURNED,
            title=f"Laporan antrean nomor {n}",
            due_at=NOW + dt.timedelta(days=n),
            category=category,
            region=region_tree["district"],
            requested_agency=agency,
            suggested_agency=agency if n % 2 == 0 else None,
            agency=agency if n % 3 == 0 else None,
            anonymous=n % 4 == 0,
        )
        if n % 5 == 0:
            AttachmentFactory(report=report)
    sign_in(client, people["national_admin"])
    # session, user, unread notifications, topics, programmes, provinces, count, page,
    # attachments, likely originals (the rows' stored signatures, then bands and
    # signatures: test_duplicates), days off, the rows' triage; the first time, the
    # model's version and one insert of the rows' assessments too.
    with django_assert_max_num_queries(16):
        client.get(QUEUE)
    with django_assert_max_num_queries(14):
        response = client.get(QUEUE)
    assert len(tracking_ids(response)) == rows
    assert action_forms(response) == ["dispose"] * rows  # one click on every row
    assert response.content.decode().count("flag-attachments") == len(range(0, rows, 5))


def test_flagged_reports_come_first_when_the_desk_asks(client, people):
    from aduan.triage.models import Assessment

    sooner = ReportFactory(status=Status.SUBMITTED, due_at=NOW + dt.timedelta(days=1))
    flagged = ReportFactory(status=Status.SUBMITTED, due_at=NOW + dt.timedelta(days=3))
    decided = ReportFactory(status=Status.RETURNED, due_at=NOW + dt.timedelta(days=2))
    Assessment.objects.create(report=sooner)
    Assessment.objects.create(report=flagged, priority=["danger"], flagged=True)
    # A flag of a closed round (before the return) does not count.
    Assessment.objects.create(report=decided, priority=["danger"], flagged=True, decided_at=NOW)
    Assessment.objects.create(report=decided)
    sign_in(client, people["national_admin"])
    ids = [r.tracking_id for r in (sooner, decided, flagged)]
    assert tracking_ids(client.get(QUEUE)) == ids
    assert tracking_ids(client.get(QUEUE, {"order": "flagged"})) == [ids[2], ids[0], ids[1]]
    assert tracking_ids(client.get(QUEUE, {"order": "nonsense"})) == ids
