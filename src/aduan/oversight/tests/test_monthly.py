"""The monthly PDF per agency: its content read back, the periodic job that enqueues it on
the first working day of the month (once), its e-mail and who may download it."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from aduan.core.periodic import periodic_jobs
from aduan.oversight.models import MonthlyReport
from aduan.oversight.monthly import month_of, monthly_pdf, monthly_report_recipients
from aduan.oversight.tasks import MONTHLY_JOB, monthly_reports_job
from aduan.reports.models import Report
from aduan.sla.models import DayOff
from aduan.workflow.tests.test_transitions import WIB, world_build

from .helpers import disposed, submitted

pytestmark = pytest.mark.django_db
NOVEMBER = dt.datetime(2026, 11, 10, 10, 0, tzinfo=WIB)
REPORTER_NAME = "Siti Rahayu Kusumawati"


@pytest.fixture
def world():
    with time_machine.travel(NOVEMBER, tick=False):
        world = world_build()
        reporter = world.users["reporter"]
        reporter.first_name, reporter.last_name = REPORTER_NAME.split(" ", 1)
        reporter.save()
        disposed(world, responded=True)
        late = disposed(world, anonymous=True)
        submitted(world)
        # The sweep would mark it; the figures here are November's, the list is today's.
        Report.objects.filter(pk=late.pk).update(
            is_overdue=True, title="Jembatan desa runtuh belum diperbaiki"
        )
        world.late = Report.objects.get(pk=late.pk)
    return world


def pdf_text(content: bytes) -> str:
    with pikepdf.open(io.BytesIO(content)) as pdf:  # a valid PDF
        assert len(pdf.pages) >= 1
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_is_valid_and_holds_the_agencys_figures_and_overdue_list(world):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 15, tzinfo=WIB), tick=False):
        content = monthly_pdf(world.agency, month_of(NOVEMBER.date()))
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert world.agency.name in text
    assert "Laporan bulanan" in text
    assert "November 2026" in text
    lines = text.splitlines()
    # Two of the three reports were disposed to it; the third is still at the desk.
    assert "Diterima 2" in lines, text
    assert "Terverifikasi 2" in lines
    assert "Tanggapan pertama 1" in lines
    assert "Persentase tepat waktu 100%" in lines
    # The weekly table under the chart.
    assert "9 Nov 2026 2 0" in lines
    # The overdue list: the report, without its (anonymous) reporter.
    assert world.late.tracking_id in text
    assert "Jembatan desa runtuh" in text
    assert REPORTER_NAME.split()[0] not in text
    assert world.users["reporter"].email not in text


def test_another_agencys_reports_are_not_in_its_pdf(world):
    with time_machine.travel(NOVEMBER, tick=False):
        other = submitted(world)
    text = pdf_text(monthly_pdf(world.elsewhere, month_of(NOVEMBER.date())))
    assert world.elsewhere.name in text
    assert world.late.tracking_id not in text
    assert other.tracking_id not in text


def run_job(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return monthly_reports_job(now=at, batch=100, stop_at=0)


def test_the_job_is_registered():
    assert MONTHLY_JOB in {job.name for job in periodic_jobs()}


def test_the_job_runs_on_the_first_working_day_once_and_keeps_and_sends_the_pdf(world):
    assert run_job(dt.datetime(2026, 11, 30, 9, 15, tzinfo=WIB)) is None
    # 1 December 2026 is a Tuesday and a working day.
    first = dt.datetime(2026, 12, 1, 0, 15, tzinfo=WIB)
    assert run_job(first - dt.timedelta(minutes=1)) is None  # once an hour only
    assert run_job(first) == "2026-11-01"
    kept = MonthlyReport.objects.get()
    assert kept.agency == world.agency  # the other agency received nothing
    assert kept.month == dt.date(2026, 11, 1)
    assert kept.emailed_at is not None
    assert world.agency.name in pdf_text(kept.file.read())
    assert len(mail.outbox) == 1
    # The sweep calls it every minute: once a month, and the task itself keeps nothing twice.
    assert run_job(first + dt.timedelta(hours=1)) is None
    assert run_job(dt.datetime(2026, 12, 2, 9, 15, tzinfo=WIB)) is None
    from aduan.oversight.tasks import monthly_reports

    with time_machine.travel(first, tick=False):
        assert monthly_reports.call("2026-11-01") == {"created": 0, "sent": 0}
    assert MonthlyReport.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_day_off_on_the_first_moves_the_job(world):
    DayOff.objects.create(date=dt.date(2026, 12, 1), name="Cuti bersama")
    assert run_job(dt.datetime(2026, 12, 1, 9, 15, tzinfo=WIB)) is None
    assert run_job(dt.datetime(2026, 12, 2, 9, 15, tzinfo=WIB)) == "2026-11-01"
    assert MonthlyReport.objects.count() == 1


def test_a_national_holiday_and_the_weekend_move_the_job():
    # 1 January 2027 is New Year's Day (a Friday), then a weekend: Monday the 4th.
    for day in (1, 2, 3):
        assert run_job(dt.datetime(2027, 1, day, 9, 15, tzinfo=WIB)) is None
    assert run_job(dt.datetime(2027, 1, 4, 9, 15, tzinfo=WIB)) == "2026-12-01"


def test_the_email_goes_to_the_agencys_admins_and_oversight_with_the_pdf(world):
    run_job(dt.datetime(2026, 12, 1, 9, 15, tzinfo=WIB))
    (message,) = mail.outbox
    expected = {world.users[kind].email for kind in ("agency_admin", "parent_admin", "oversight")}
    assert set(message.recipients()) == expected
    assert set(monthly_report_recipients(world.agency)) == expected
    assert not message.to  # each recipient sees only their own address
    assert world.users["other_admin"].email not in message.recipients()
    assert world.users["unit_officer"].email not in message.recipients()
    assert world.agency.name in message.subject
    ((name, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf"
    assert name.endswith("2026-11.pdf")
    assert world.agency.name in pdf_text(content)


# --- Download ------------------------------------------------------------------------------

LIST_URL = "/staf/statistik/laporan-bulanan/"


@pytest.fixture
def kept(world):
    run_job(dt.datetime(2026, 12, 1, 9, 15, tzinfo=WIB))
    return MonthlyReport.objects.get()


def download_url(kept):
    return reverse("oversight:monthly_report_download", args=[kept.pk])


@pytest.mark.parametrize("kind", ["agency_admin", "oversight", "national_admin"])
def test_staff_who_may_see_the_agencys_figures_list_and_download_its_pdf(client, world, kept, kind):
    client.force_login(world.users[kind])
    listing = client.get(LIST_URL)
    assert listing.status_code == 200
    assert download_url(kept) in listing.content.decode()
    response = client.get(download_url(kept))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_agencys_admin_gets_404_and_an_empty_list(client, world, kept):
    client.force_login(world.users["other_admin"])
    assert client.get(download_url(kept)).status_code == 404
    listing = client.get(LIST_URL)
    assert listing.status_code == 200
    assert download_url(kept) not in listing.content.decode()
    # A unit's officer sees the unit's figures only, not the agency's PDF.
    client.force_login(world.users["unit_officer"])
    assert client.get(download_url(kept)).status_code == 404


def test_a_citizen_is_refused_and_a_visitor_sent_to_sign_in(client, world, kept):
    for url in (LIST_URL, download_url(kept)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    client.force_login(world.users["reporter"])
    assert client.get(LIST_URL).status_code == 403
    assert client.get(download_url(kept)).status_code == 403


def test_without_the_font_the_pdf_fails_clearly(world, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ADUAN_PDF_FONT_DIR = "/nonexistent/fonts"
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core"):
        monthly_pdf(world.agency, month_of(NOVEMBER.date()))
