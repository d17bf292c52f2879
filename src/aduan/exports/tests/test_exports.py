"""Exports of the staff lists: the rows the list shows, read under the visibility rules,
safe in a spreadsheet, streamed without holding the list in memory."""

from __future__ import annotations

import csv
import io
import logging
from unittest import mock

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from aduan.exports.columns import COLUMNS, report_row
from aduan.exports.writers import csv_safe
from aduan.reports.selectors import report_text_for
from aduan.web.tests.staff_helpers import disposed, sign_in
from aduan.web.tests.test_staff_queue import tracking_ids
from aduan.workflow import services as wf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

INBOX = reverse("web:staff_inbox")
QUEUE = reverse("web:staff_queue")
KEY = [c.key for c in COLUMNS]


def export_url(name: str, fmt: str = "csv") -> str:
    return reverse(f"exports:{name}", args=[fmt])


def read_csv(response) -> list[dict]:
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return [dict(zip(KEY, row, strict=True)) for row in rows[1:]]


def export_ids(client, name: str, **params) -> list[str]:
    response = client.get(export_url(name), params)
    assert response.status_code == 200
    return [row["tracking_id"] for row in read_csv(response)]


# --- Which rows ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agency_admin", "unit_officer", "national_admin", "oversight"])
def test_the_inbox_export_holds_the_rows_the_inbox_shows(client, people, work, who):
    sign_in(client, people[who])
    for params in ({}, {"status": "in_progress"}, {"q": "rusak"}):
        shown = tracking_ids(client.get(INBOX, params))
        assert export_ids(client, "inbox", **params) == shown, params


def test_an_agency_export_never_holds_another_agencys_report(client, people, work):
    sign_in(client, people["agency_admin"])
    exported = set(export_ids(client, "inbox"))
    assert exported == {work[k].tracking_id for k in ("named", "anonymous", "at_unit", "busy")}
    assert work["elsewhere"].tracking_id not in exported
    # Narrowing to another agency finds nothing rather than its reports.
    other = work["elsewhere"].agency
    assert work["elsewhere"].tracking_id not in export_ids(client, "inbox", unit=other.pk)
    client.logout()
    sign_in(client, people["other_agency_admin"])
    assert export_ids(client, "inbox") == []
    # The national admin's export of every agency holds it.
    client.logout()
    sign_in(client, people["national_admin"])
    assert work["elsewhere"].tracking_id in export_ids(client, "inbox")


@pytest.mark.parametrize("who", ["national_admin", "oversight"])
def test_the_queue_export_holds_the_rows_the_queue_shows(client, people, work, who):
    sign_in(client, people[who])
    shown = tracking_ids(client.get(QUEUE))
    assert shown == [work["waiting"].tracking_id]
    assert export_ids(client, "queue") == shown


def test_the_exports_narrow_to_a_programme_like_the_lists(client, people, work):
    from aduan.api.tests.utils import bearer
    from aduan.programmes.tests.factories import ProgrammeFactory

    programme = ProgrammeFactory()
    for name in ("named", "busy", "waiting"):
        wf.report_set_programmes(
            report=work[name], actor=people["national_admin"], programme_ids=[programme.pk]
        )
    sign_in(client, people["agency_admin"])
    chosen = {"programme": programme.pk}
    expected = [work["named"].tracking_id, work["busy"].tracking_id]
    assert sorted(export_ids(client, "inbox", **chosen)) == sorted(expected)
    assert export_ids(client, "inbox", **chosen) == tracking_ids(client.get(INBOX, chosen))
    client.logout()
    sign_in(client, people["national_admin"])
    assert export_ids(client, "queue", **chosen) == [work["waiting"].tracking_id]
    auth = bearer(people["agency_admin"])
    response = client.get(API_EXPORT, {**chosen, "format": "csv"}, **auth)
    assert sorted(r["tracking_id"] for r in read_csv(response)) == sorted(expected)
    assert client.get(API_EXPORT, {"programme": "mbg"}, **auth).status_code == 422


# --- What each row says ------------------------------------------------------------------


def test_an_anonymous_reporter_stays_anonymous_in_an_agencys_export(client, people, work):
    sign_in(client, people["agency_admin"])
    rows = {r["tracking_id"]: r for r in read_csv(client.get(export_url("inbox")))}
    hidden = work["anonymous"].reporter
    row = rows[work["anonymous"].tracking_id]
    assert row["reporter"] == "Anonymous"
    assert row["reporter_email"] == row["reporter_phone"] == ""
    raw = b"".join(client.get(export_url("inbox")).streaming_content).decode("utf-8-sig")
    assert hidden.full_name not in raw
    assert hidden.email not in raw
    # A named reporter's name, but never their contact details, for an agency.
    named = rows[work["named"].tracking_id]
    assert named["reporter"] == "Siti Rahmawati"
    assert named["reporter_email"] == named["reporter_phone"] == ""
    assert "siti@example.id" not in raw
    assert "6281234567890" not in raw


def test_the_national_desk_exports_who_reported_with_contact_details(client, people, work):
    sign_in(client, people["national_admin"])
    rows = {r["tracking_id"]: r for r in read_csv(client.get(export_url("inbox")))}
    row = rows[work["anonymous"].tracking_id]
    assert row["reporter"] == work["anonymous"].reporter.full_name
    assert row["reporter_email"] == work["anonymous"].reporter.email
    assert rows[work["named"].tracking_id]["reporter_phone"] == "'+6281234567890"


def test_the_text_is_what_report_text_for_gives_each_reader(people, citizen, agency):
    """Handlers read the original; anyone else (here another agency's admin reading the
    public report) reads the redaction with personal data masked."""
    admin = people["national_admin"]
    report = disposed(citizen, admin=admin, agency=agency, title="Tagihan air salah")
    report.body = "Hubungi saya di 081234567890 soal tagihan air yang salah hitung."
    report.save(update_fields=["body"])
    wf.report_redact(report=report, actor=admin, public_title="Tagihan air salah")
    report.refresh_from_db()
    handler, stranger = people["agency_admin"], people["other_agency_admin"]
    by_key = dict(zip(KEY, report_row(report, user=handler), strict=True))
    assert by_key["body"] == report.body
    by_key = dict(zip(KEY, report_row(report, user=stranger), strict=True))
    assert "081234567890" not in by_key["body"]
    assert (by_key["title"], by_key["body"]) == report_text_for(user=stranger, report=report)


def test_the_columns_hold_status_agency_deadline_and_rating(client, people, work):
    sign_in(client, people["agency_admin"])
    rows = {r["tracking_id"]: r for r in read_csv(client.get(export_url("inbox")))}
    row = rows[work["busy"].tracking_id]
    assert row["status"] == work["busy"].get_status_display()
    assert row["agency"] == "Kementerian Pekerjaan Umum"
    assert row["title"] == "Sedang ditangani"
    assert row["due_at"].startswith("2026-12-")
    assert row["overdue"] == "No"
    assert row["rating"] == ""
    assert row["channel"] == "Website"
    placed = rows[work["named"].tracking_id]
    assert placed["region"] == "Isola, Sukasari, Kota Bandung, Jawa Barat"


# --- Safe in a spreadsheet ----------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_prefixed(text):
    assert csv_safe(text) == "'" + text
    assert csv_safe("Jalan " + text) == "Jalan " + text


def test_a_formula_in_a_title_is_text_in_both_formats(client, people, citizen, agency):
    disposed(citizen, admin=people["national_admin"], agency=agency, title='=cmd|" /C calc"!A0')
    sign_in(client, people["agency_admin"])
    (row,) = read_csv(client.get(export_url("inbox")))
    assert row["title"] == '\'=cmd|" /C calc"!A0'
    response = client.get(export_url("inbox", "xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet.cell(row=2, column=KEY.index("title") + 1)
    assert cell.data_type == "s"
    assert cell.value == '=cmd|" /C calc"!A0'


def test_headers_are_indonesian_by_default(visitor_client, people, work):
    visitor_client.force_login(people["agency_admin"])
    response = visitor_client.get(export_url("inbox"))
    first = next(iter(response.streaming_content)).decode()
    assert first.startswith("\ufeffNomor pelacakan,")
    assert "Pelapor" in first


def test_xlsx_reads_back_with_the_same_rows(client, people, work):
    sign_in(client, people["agency_admin"])
    expected = export_ids(client, "inbox")
    response = client.get(export_url("inbox", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="aduan-kotak-masuk-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Tracking number"
    assert [r[0] for r in rows[1:]] == expected
    anonymous = next(r for r in rows if r[0] == work["anonymous"].tracking_id)
    assert anonymous[KEY.index("reporter")] == "Anonymous"
    assert anonymous[KEY.index("overdue")] is False
    assert anonymous[KEY.index("created_at")].year == 2026


# --- Streamed ------------------------------------------------------------------------------


def test_the_csv_is_streamed_through_an_iterator(client, people, work, settings):
    """The view answers before any report is read; the rows are then read through
    ``iterator()`` (never the whole queryset at once: ``_fetch_all`` is never called)."""
    sign_in(client, people["national_admin"])
    with CaptureQueriesContext(connection) as before:
        response = client.get(export_url("inbox"))
    assert response.streaming
    assert not any('"body"' in q["sql"] for q in before.captured_queries)
    with (
        mock.patch.object(QuerySet, "_fetch_all", side_effect=AssertionError("whole queryset")),
        mock.patch.object(QuerySet, "iterator", autospec=True, side_effect=QuerySet.iterator) as it,
        CaptureQueriesContext(connection) as during,
    ):
        rows = read_csv(response)
    assert len(rows) == 5
    it.assert_called_once()
    assert it.call_args.kwargs["chunk_size"] > 0
    # One query for all the rows and their joins, none per row.
    assert sum('"body"' in q["sql"] for q in during.captured_queries) == 1
    assert len(during.captured_queries) <= 2


def test_each_export_is_logged_with_user_filters_and_row_count(client, people, work, caplog):
    sign_in(client, people["agency_admin"])
    with caplog.at_level(logging.INFO, logger="aduan.exports.responses"):
        read_csv(client.get(export_url("inbox"), {"status": "in_progress", "q": "ditangani"}))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "aduan.exports.responses"]
    assert f"user={people['agency_admin'].pk}" in line
    assert "list=kotak-masuk format=csv" in line
    assert "'status': 'in_progress'" in line
    assert "rows=1" in line
    assert "ditangani" not in line  # the words searched for may be personal data


def test_exports_are_rate_limited_per_user(client, people, work, settings):
    settings.ADUAN_EXPORT_RATE = "2/h"
    sign_in(client, people["agency_admin"])
    assert client.get(export_url("inbox")).status_code == 200
    assert client.get(export_url("inbox", "xlsx")).status_code == 200
    refused = client.get(export_url("inbox"))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode()
    client.logout()
    sign_in(client, people["unit_officer"])
    assert client.get(export_url("inbox")).status_code == 200


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inbox", "queue"])
def test_visitors_are_sent_to_sign_in_and_citizens_get_403(client, people, name):
    response = client.get(export_url(name))
    assert response.status_code == 302
    assert "/akun/" in response["Location"]
    sign_in(client, people["citizen"])
    assert client.get(export_url(name)).status_code == 403


@pytest.mark.parametrize("who", ["agency_admin", "unit_officer"])
def test_the_queue_export_is_for_the_desk_and_oversight_only(client, people, work, who):
    sign_in(client, people[who])
    assert client.get(export_url("queue")).status_code == 403
    assert client.get(export_url("queue", "xlsx")).status_code == 403


def test_an_unknown_format_is_404(client, people):
    sign_in(client, people["agency_admin"])
    assert client.get(export_url("inbox", "pdf")).status_code == 404


def test_the_lists_link_to_their_exports_with_the_filters(client, people, work):
    sign_in(client, people["national_admin"])
    page = client.get(INBOX, {"status": "in_progress", "page": "1"}).content.decode()
    assert 'href="/staf/ekspor/kotak-masuk.csv?status=in_progress"' in page
    assert 'href="/staf/ekspor/kotak-masuk.xlsx?status=in_progress"' in page
    page = client.get(QUEUE).content.decode()
    assert 'href="/staf/ekspor/antrean.csv"' in page


# --- The API ---------------------------------------------------------------------------------


API_EXPORT = reverse("api:inbox_export")


def test_the_api_export_holds_the_api_inbox_rows(client, people, work):
    from aduan.api.tests.utils import bearer

    auth = bearer(people["agency_admin"])
    listed = client.get(reverse("api:inbox"), {"status": "dispositioned"}, **auth).json()
    response = client.get(API_EXPORT, {"status": "dispositioned", "format": "csv"}, **auth)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert [r["tracking_id"] for r in rows] == [r["tracking_id"] for r in listed["results"]]
    anonymous = next(r for r in rows if r["tracking_id"] == work["anonymous"].tracking_id)
    assert anonymous["reporter"] == "Anonymous"
    xlsx = client.get(API_EXPORT, {"format": "xlsx"}, **auth)
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.max_row == 5


def test_the_api_export_is_for_staff_only(client, people, work):
    from aduan.api.tests.utils import bearer

    assert client.get(API_EXPORT).status_code == 401
    assert client.get(API_EXPORT, **bearer(people["citizen"])).status_code == 403
    queue = {"queue": "true"}
    assert client.get(API_EXPORT, queue, **bearer(people["agency_admin"])).status_code == 403
    assert (
        client.get(API_EXPORT, {"format": "pdf"}, **bearer(people["oversight"])).status_code == 422
    )
    other = client.get(API_EXPORT, **bearer(people["other_agency_admin"]))
    assert read_csv(other) == []
    response = client.get(API_EXPORT, queue, **bearer(people["oversight"]))
    assert [r["tracking_id"] for r in read_csv(response)] == [work["waiting"].tracking_id]
