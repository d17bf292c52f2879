"""The staff report page's "Where this report came from": the channel messages behind a
report, for the staff who handle it, with the sender shown only as far as they may know."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.channels.models import InboundMessage
from aduan.channels.sms.services import sms_receive
from aduan.reports.models import Report
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

from .staff_helpers import BODY, sign_in, submitted, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PHONE = "+6281234567890"
MASKED_PHONE = "+62812••••7890"
PHONE_TRACES = ("+6281234567890", "6281234567890", "081234567890", "34567890")
COMPLAINT = "Jalan rusak parah di depan Pasar Cibinong, sudah tiga bulan tidak diperbaiki."
HEADING = "Where this report came from"


def sms_report(people, agency, *, anonymous: bool = False) -> Report:
    """A report made by ``LAPOR`` over SMS and disposed to ``agency``."""
    sms_receive(message_id="kannel-1", sender=PHONE, text=f"LAPOR {COMPLAINT}")
    report = InboundMessage.objects.get(external_id="kannel-1").report
    admin = people["national_admin"]
    report = wf.report_dispose(report=report, actor=admin, agency_id=agency.pk)
    if anonymous:
        report = wf.report_set_flags(report=report, actor=admin, anonymous=True)
    return report


def staff_page(report: Report) -> str:
    return reverse("web:staff_report", args=[report.tracking_id])


def origin_section(response) -> str:
    """The visible text of the section alone."""
    html = response.content.decode()
    start = html.index('<section class="origin"')
    end = html.index("</section>", start)
    return text(SimpleNamespace(content=html[start:end].encode()))


def test_the_handling_officer_sees_the_sms_the_report_came_from(client, people, agency):
    report = sms_report(people, agency)
    reply = InboundMessage.objects.get().reply
    sign_in(client, people["agency_admin"])
    response = client.get(staff_page(report))
    assert response.status_code == 200
    section = origin_section(response)
    assert section.startswith(HEADING)
    assert f"LAPOR {COMPLAINT}" in section
    assert "Sender " + MASKED_PHONE in section
    assert "Status Accepted" in section
    assert "Aduan's reply " + " ".join(reply.split()) in section
    assert "1 December 2026, 09:00" in section
    html = response.content.decode()
    assert not any(trace in html for trace in PHONE_TRACES)


def test_the_national_admin_sees_the_number(client, people, agency):
    report = sms_report(people, agency)
    sign_in(client, people["national_admin"])
    section = origin_section(client.get(staff_page(report)))
    assert "Sender " + PHONE in section


def test_an_anonymous_sms_report_hides_the_number_from_the_agency(client, people, agency):
    report = sms_report(people, agency, anonymous=True)
    sign_in(client, people["agency_admin"])
    response = client.get(staff_page(report))
    section = origin_section(response)
    assert "Sender hidden (anonymous report)" in section
    assert f"LAPOR {COMPLAINT}" in section
    html = response.content.decode()
    assert not any(trace in html for trace in PHONE_TRACES)
    assert "7890" not in html
    sign_in(client, people["national_admin"])
    assert "Sender " + PHONE in origin_section(client.get(staff_page(report)))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("other_agency_admin", 404),
        ("unit_officer", 404),  # the report is at the agency, above the officer's unit
        ("agency_admin", 200),
        ("national_admin", 200),
        ("oversight", 200),
    ],
)
def test_only_the_staff_who_handle_it_open_the_page(client, people, agency, who, status):
    report = sms_report(people, agency)
    sign_in(client, people[who])
    response = client.get(staff_page(report))
    assert response.status_code == status
    assert (HEADING in response.content.decode()) is (status == 200)
    assert (f"LAPOR {COMPLAINT}" in text(response)) is (status == 200)


@pytest.mark.parametrize("who", ["reporter", "anonymous", "agency_admin"])
def test_the_tracking_page_never_shows_the_messages(client, people, agency, who):
    report = sms_report(people, agency)
    sign_in(client, report.reporter if who == "reporter" else people[who])
    response = client.get(reverse("web:track_detail", args=[report.tracking_id]))
    assert response.status_code == 200
    page = text(response)
    assert COMPLAINT in page  # the report itself is there
    assert HEADING not in page
    assert "LAPOR" not in page
    assert InboundMessage.objects.get().reply not in page


@pytest.mark.parametrize(
    ("channel", "sentence"),
    [("web", "Submitted on the website."), ("api", "Submitted through the mobile app / API.")],
)
def test_a_web_or_api_report_says_so_in_one_line(
    client, people, agency, citizen, channel, sentence
):
    report = report_submit(
        reporter=citizen,
        channel=channel,
        classification="complaint",
        title="Jalan berlubang di depan pasar",
        body=BODY,
        agency_id=agency.pk,
    )
    sign_in(client, people["national_admin"])  # unverified: the national desk sees it
    section = origin_section(client.get(staff_page(report)))
    assert section == f"{HEADING} {sentence}"


def test_the_page_costs_the_same_queries_for_one_message_or_five(
    client, people, agency, django_assert_num_queries
):
    report = sms_report(people, agency)
    sign_in(client, people["agency_admin"])
    client.get(staff_page(report))  # warm: session, caches
    with CaptureQueriesContext(connection) as one:
        response = client.get(staff_page(report))
    assert origin_section(response).count("Sender ") == 1
    for n in range(4):
        sms_receive(message_id=f"kannel-cek-{n}", sender=PHONE, text=f"CEK {report.tracking_id}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(staff_page(report))
    assert origin_section(response).count("Sender ") == 5


def test_both_pages_share_the_facts_and_only_staff_see_the_agency_history(
    client, people, agency, citizen, category, region_tree
):
    # Addressed to the agency, it waits for the national desk, which disposes it there.
    report = submitted(
        citizen,
        agency_id=agency.pk,
        category_id=category.pk,
        region_code="32.73.01",
    )
    report = wf.report_dispose(report=report, actor=people["national_admin"], agency_id=agency.pk)
    sign_in(client, citizen)
    public = text(client.get(reverse("web:track_detail", args=[report.tracking_id])))
    sign_in(client, people["agency_admin"])
    staff = text(client.get(staff_page(report)))
    for page in (public, staff):
        assert "Reporter Siti Rahmawati" in page
        assert "Agency Kementerian Pekerjaan Umum" in page
        assert "Topic Infrastructure" in page
        assert "Place " in page
    assert "Reporter's choice: Kementerian Pekerjaan Umum" not in public
    assert "Reporter's choice Kementerian Pekerjaan Umum" in staff
    assert "Current deadline" in public
