"""Supporting a report on the web: the button on its page (with and without htmx), the
counts on cards, the feed's orders, and similar reports while a report is typed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory
from aduan.reports.models import Report, ReportFollower, ReportSupport, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow.services import report_support

pytestmark = pytest.mark.django_db

FEED = reverse("web:feed")
NEW = reverse("web:report_new")
SIMILAR = reverse("web:report_similar")
HTMX = {"HTTP_HX_REQUEST": "true"}


def support_url(report) -> str:
    return reverse("web:report_support", args=[report.tracking_id])


def follow_url(report) -> str:
    return reverse("web:report_follow", args=[report.tracking_id])


def page_url(report) -> str:
    return reverse("web:track_detail", args=[report.tracking_id])


def count(report) -> int:
    return Report.objects.get(pk=report.pk).support_count


@pytest.fixture
def report(agency):
    return ReportFactory(verified=True, agency=agency, title="Jalan rusak di Sukasari parah")


def test_a_citizen_supports_and_takes_back_without_javascript(client, report, other_citizen):
    client.force_login(other_citizen)
    page = client.get(page_url(report)).content.decode()
    assert "0 supporters" in page
    assert f'action="{support_url(report)}"' in page
    response = client.post(support_url(report), {"support": "1"})
    assert response.status_code == 302
    assert response.url == page_url(report)
    assert count(report) == 1
    page = client.get(page_url(report)).content.decode()
    assert "1 supporter" in page
    assert "You support this report." in page  # the message and the box
    assert "Take back my support" in page
    client.post(support_url(report), {"support": "1"})  # twice is once
    assert count(report) == 1
    client.post(support_url(report), {"support": "0"})
    assert count(report) == 0
    assert not ReportSupport.objects.filter(report=report).exists()


def test_htmx_swaps_the_support_box(client, report, other_citizen):
    client.force_login(other_citizen)
    response = client.post(support_url(report), {"support": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="support-box" id="support-box"')
    assert "<html" not in html
    assert "1 supporter" in html
    assert 'name="support" value="0"' in html
    assert "Stop following" in html
    response = client.post(follow_url(report), {"follow": "0"}, **HTMX)
    assert "Follow this report" in response.content.decode()
    assert not ReportFollower.objects.filter(report=report, user=other_citizen).exists()
    assert count(report) == 1  # unfollowing keeps the support


def test_a_visitor_is_sent_to_sign_in(client, report):
    page = client.get(page_url(report)).content.decode()
    assert "Sign in to support this report" in page
    response = client.post(support_url(report), {"support": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post(follow_url(report)).url.startswith(reverse("account_login"))
    assert count(report) == 0


def test_staff_see_the_count_without_a_button_and_are_refused(client, report, agency):
    for staff in (NationalAdminFactory(), OversightFactory(), AgencyAdminFactory(agency=agency)):
        client.force_login(staff)
        page = client.get(page_url(report)).content.decode()
        assert "0 supporters" in page
        assert f'action="{support_url(report)}"' not in page
        response = client.post(support_url(report), {"support": "1"}, follow=True)
        assert "Only citizens can support reports." in response.content.decode()
        response = client.post(follow_url(report), {"follow": "1"}, follow=True)
        assert "Only citizens can support reports." in response.content.decode()
        assert count(report) == 0
        assert not ReportFollower.objects.filter(report=report, user=staff).exists()


def test_the_reporter_is_refused_with_a_clear_message(client, report):
    client.force_login(report.reporter)
    page = client.get(page_url(report)).content.decode()
    assert f'action="{support_url(report)}"' not in page
    response = client.post(support_url(report), {"support": "1"}, follow=True)
    assert "This is your own report" in response.content.decode()
    htmx = client.post(support_url(report), {"support": "1"}, **HTMX)
    assert "This is your own report" in htmx.content.decode()
    assert count(report) == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"verified": True, "confidential": True}, {"status": Status.SUBMITTED}],
    ids=["confidential", "unverified"],
)
def test_a_hidden_report_is_404(client, other_citizen, kwargs):
    hidden = ReportFactory(**kwargs)
    client.force_login(other_citizen)
    assert client.post(support_url(hidden), {"support": "1"}).status_code == 404
    assert client.post(follow_url(hidden), {"follow": "1"}).status_code == 404
    assert client.post(reverse("web:report_support", args=["23456789AB"])).status_code == 404
    assert count(hidden) == 0


def test_support_and_follow_take_only_post(client, report, other_citizen):
    client.force_login(other_citizen)
    assert client.get(support_url(report)).status_code == 405
    assert client.get(follow_url(report)).status_code == 405


def _card_titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="/lacak/[^"]+">([^<]+)</a></h2>', html)


def test_cards_show_counts_and_the_feed_sorts(client, other_citizen):
    now = timezone.now()
    made = {}
    for days, title, status in (
        (30, "Laporan lama belum dijawab", Status.IN_PROGRESS),
        (20, "Laporan paling didukung warga", Status.DISPOSITIONED),
        (10, "Laporan yang sudah dijawab", Status.RESPONDED),
        (1, "Laporan terbaru minggu ini", Status.DISPOSITIONED),
    ):
        made[title] = ReportFactory(verified=True, status=status, title=title)
        Report.objects.filter(pk=made[title].pk).update(created_at=now - dt.timedelta(days=days))
    for _ in range(3):
        report_support(report=made["Laporan paling didukung warga"], actor=UserFactory())
    report_support(report=made["Laporan yang sudah dijawab"], actor=other_citizen)

    client.force_login(other_citizen)
    newest = client.get(FEED).content.decode()
    assert _card_titles(newest) == [
        "Laporan terbaru minggu ini",
        "Laporan yang sudah dijawab",
        "Laporan paling didukung warga",
        "Laporan lama belum dijawab",
    ]
    assert "3 supporters" in newest
    assert "you support it" in newest
    assert _card_titles(client.get(FEED, {"sort": "most_supported"}).content.decode())[:2] == [
        "Laporan paling didukung warga",
        "Laporan yang sudah dijawab",
    ]
    assert _card_titles(client.get(FEED, {"sort": "oldest_unanswered"}).content.decode()) == [
        "Laporan lama belum dijawab",
        "Laporan paling didukung warga",
        "Laporan terbaru minggu ini",
    ]
    # An unknown order is no order: the default, never an error page.
    unknown = client.get(FEED, {"sort": "random"})
    assert unknown.status_code == 200
    assert _card_titles(unknown.content.decode()) == _card_titles(newest)


def test_the_home_page_cards_show_the_count(client, report):
    report_support(report=report, actor=UserFactory())
    assert "1 supporter" in client.get(reverse("web:home")).content.decode()


def test_the_feeds_queries_do_not_grow_with_supports(client, other_citizen):
    reports = ReportFactory.create_batch(3, verified=True)
    client.force_login(other_citizen)
    client.get(FEED)  # warm up (session, site)
    with CaptureQueriesContext(connection) as before:
        client.get(FEED, {"sort": "most_supported"})
    for extra in ReportFactory.create_batch(5, verified=True) + reports:
        report_support(report=extra, actor=other_citizen)
    client.get(FEED)  # the factories added directory rows: the memo reloads once
    with CaptureQueriesContext(connection) as after:
        html = client.get(FEED, {"sort": "most_supported"}).content.decode()
    assert html.count("you support it") == 8
    assert len(after) == len(before)


# --- Similar reports while typing ---------------------------------------------------------

TYPED = {
    "title": "Jalan berlubang di Sukasari",
    "body": "Jalan berlubang dan rusak parah di depan pasar Sukasari membahayakan pengendara.",
}


@pytest.fixture
def similar_world(region_tree):
    district = region_tree["district"]
    body = "Jalan berlubang dan rusak parah di dekat pasar, belum diperbaiki."
    return {
        "open": ReportFactory(
            verified=True, region=district, title="Jalan berlubang dekat pasar", body=body
        ),
        "responded": ReportFactory(
            verified=True,
            status=Status.RESPONDED,
            title="Lubang jalan pasar Sukasari",
            body=body,
        ),
        "far": ReportFactory(
            verified=True,
            region=region_tree["other"],
            title="Jalan berlubang di Jakarta",
            body=body,
        ),
        "confidential": ReportFactory(
            verified=True, confidential=True, title="Jalan berlubang rahasia", body=body
        ),
        "unverified": ReportFactory(title="Jalan berlubang belum diverifikasi", body=body),
        "closed": ReportFactory(
            verified=True, status=Status.CLOSED, title="Jalan berlubang sudah selesai", body=body
        ),
        "archived": ReportFactory(
            status=Status.ARCHIVED, title="Jalan berlubang diarsipkan", body=body
        ),
        "unrelated": ReportFactory(
            verified=True,
            title="Antrean puskesmas terlalu lama",
            body="Pelayanan puskesmas lambat sekali dan petugas sering tidak ada.",
        ),
    }


def _listed(html: str, world: dict) -> set[str]:
    return {name for name, report in world.items() if report.tracking_id in html}


def test_the_fragment_lists_only_open_public_reports_in_the_same_place(
    client, other_citizen, similar_world
):
    """The same problem in the same place is a duplicate; a place typed narrows the list,
    and without one every open public report with the same words may be."""
    client.force_login(other_citizen)
    response = client.get(SIMILAR, {**TYPED, "province": "32", "regency": "32.73"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert _listed(html, similar_world) == {"open"}
    anywhere = client.get(SIMILAR, TYPED, **HTMX).content.decode()
    assert _listed(anywhere, similar_world) == {"open", "responded", "far"}
    assert 'form="similar-support"' in html
    assert f'formaction="{support_url(similar_world["open"])}"' in html


def test_the_fragment_leaves_out_the_citizens_own_reports_and_masks_nothing_it_should_not(
    client, similar_world
):
    owner = similar_world["open"].reporter
    client.force_login(owner)
    html = client.get(SIMILAR, TYPED, **HTMX).content.decode()
    assert "open" not in _listed(html, similar_world)
    assert not {"confidential", "unverified", "closed", "archived"} & _listed(html, similar_world)


def test_the_fragment_says_when_nothing_is_similar(client, other_citizen, similar_world):
    client.force_login(other_citizen)
    html = client.get(SIMILAR, {"title": "Izin usaha", "body": "Pengurusan izin lama."}).content
    assert b"No similar open reports were found." in html


def test_the_fragment_needs_sign_in(client, similar_world):
    response = client.get(SIMILAR, TYPED)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_form_asks_for_similar_reports_with_htmx_and_without(
    client, other_citizen, similar_world
):
    client.force_login(other_citizen)
    form = client.get(NEW).content.decode()
    assert f'hx-get="{SIMILAR}"' in form
    assert 'name="similar"' in form
    assert '<form id="similar-support" method="post" hidden>' in form
    data = {"classification": "complaint", **TYPED, "province": "32", "agency_id": ""}
    response = client.post(NEW, {**data, "similar": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert _listed(html, similar_world) == {"open"}  # in the province typed
    assert TYPED["body"] in html  # the form as typed
    assert Report.objects.count() == len(similar_world)  # nothing was submitted


def test_support_this_instead_supports_and_opens_the_report(client, other_citizen, similar_world):
    client.force_login(other_citizen)
    chosen = similar_world["open"]
    response = client.post(support_url(chosen), {"support": "1"})
    assert response.url == page_url(chosen)
    assert count(chosen) == 1
    html = client.get(SIMILAR, TYPED, **HTMX).content.decode()
    assert f'formaction="{support_url(chosen)}"' not in html  # supported already


def test_the_agency_chosen_narrows_the_list_too(client, other_citizen, similar_world):
    agency = AgencyFactory()
    far = similar_world["far"]
    Report.objects.filter(pk=far.pk).update(agency=agency)
    client.force_login(other_citizen)
    html = client.get(SIMILAR, {**TYPED, "agency_id": agency.pk}, **HTMX).content.decode()
    assert _listed(html, similar_world) == {"far"}


def test_no_support_box_on_a_report_the_public_cannot_see(client):
    for hidden in (ReportFactory(verified=True, confidential=True), ReportFactory()):
        client.force_login(hidden.reporter)
        page = client.get(page_url(hidden)).content.decode()
        assert 'id="support-box"' not in page
        assert "supporter" not in page


def test_staff_read_the_count_among_the_facts(client, report, agency):
    report_support(report=report, actor=UserFactory())
    client.force_login(AgencyAdminFactory(agency=agency))
    page = client.get(reverse("web:staff_report", args=[report.tracking_id])).content.decode()
    assert "1 supporter" in page
