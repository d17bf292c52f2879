"""The public feed and "My reports": what is listed, how it filters and pages, how many queries."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from aduan.agencies.tests.factories import AgencyFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.regions.tests.factories import RegencyFactory
from aduan.reports.models import Status
from aduan.reports.tests.factories import ReportFactory

from .helpers import picture

pytestmark = pytest.mark.django_db

FEED = reverse("web:feed")
MINE = reverse("web:my_reports")


def titles(response) -> set[str]:
    return set(
        re.findall(
            r'<h2 class="card-title"><a href="/lacak/[^"]+">([^<]+)</a></h2>',
            response.content.decode(),
        )
    )


def test_feed_never_shows_a_confidential_report(client, viewers, citizen):
    ReportFactory(verified=True, reporter=citizen, title="Laporan terbuka untuk umum")
    ReportFactory(
        verified=True, reporter=citizen, title="Laporan rahasia sekali", confidential=True
    )
    ReportFactory(
        verified=True, reporter=citizen, title="Laporan yang diarsipkan", status=Status.ARCHIVED
    )
    for name, viewer in viewers.items():
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert titles(client.get(FEED)) == {"Laporan terbuka untuk umum"}, name


def test_feed_hides_anonymous_reporters_and_every_contact(client, citizen):
    ReportFactory(
        verified=True, reporter=citizen, title="Laporan anonim tentang sekolah", anonymous=True
    )
    ReportFactory(verified=True, title="Laporan biasa tentang sekolah")
    client.force_login(citizen)  # even the reporter's own view of the public feed
    html = client.get(FEED).content.decode()
    assert "Laporan anonim tentang sekolah" in html
    assert "Siti Rahmawati" not in html
    assert "siti@example.id" not in html
    assert "+6281234567890" not in html
    assert "@example.id" not in html


@pytest.fixture
def mixed_reports(agency, unit, region_tree, category):
    other_category = CategoryFactory()
    other_agency = AgencyFactory()
    return {
        "status": ReportFactory(
            verified=True, title="Sudah ditanggapi instansi", status=Status.RESPONDED
        ),
        "agency": ReportFactory(verified=True, title="Ditangani oleh unit", agency=unit),
        "other_agency": ReportFactory(
            verified=True, title="Ditangani instansi lain", agency=other_agency
        ),
        "district": ReportFactory(
            verified=True, title="Terjadi di Sukasari", region=region_tree["district"]
        ),
        "other_region": ReportFactory(
            verified=True, title="Terjadi di Jakarta", region=region_tree["other"]
        ),
        "category": ReportFactory(verified=True, title="Topik infrastruktur", category=category),
        "other_category": ReportFactory(
            verified=True, title="Topik lain sekali", category=other_category
        ),
        "aspiration": ReportFactory(
            verified=True, title="Usulan taman kota baru", classification="aspiration"
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "responded"}, {"Sudah ditanggapi instansi"}),
        ({"classification": "aspiration"}, {"Usulan taman kota baru"}),
        ({"province": "32"}, {"Terjadi di Sukasari"}),
        ({"province": "32", "regency": "32.73"}, {"Terjadi di Sukasari"}),
        ({"region": "32.73.01"}, {"Terjadi di Sukasari"}),
        ({"province": "31"}, {"Terjadi di Jakarta"}),
    ],
)
def test_feed_filters(client, mixed_reports, params, expected):
    response = client.get(FEED, params)
    assert response.status_code == 200
    assert titles(response) == expected


def test_feed_filter_by_category(client, mixed_reports, category):
    assert titles(client.get(FEED, {"category": category.pk})) == {"Topik infrastruktur"}


def test_feed_filter_by_agency_includes_its_units(client, mixed_reports, agency):
    response = client.get(FEED, {"agency": agency.pk})
    assert titles(response) == {"Ditangani oleh unit"}
    assert f'name="agency" value="{agency.pk}" checked' in response.content.decode()


def test_feed_ignores_nonsense_filters(client, mixed_reports):
    response = client.get(
        FEED, {"status": "hilang", "category": "abc", "province": "99", "agency": "x"}
    )
    assert response.status_code == 200
    assert len(titles(response)) == len(mixed_reports)


def test_feed_agency_search_without_javascript(client, agency):
    html = client.get(FEED, {"agency_q": "pekerjaan"}).content.decode()
    assert f'name="agency" value="{agency.pk}"' in html


def test_feed_pages_by_twenty(client):
    for number in range(45):
        ReportFactory(verified=True, title=f"Laporan bernomor urut {number:02d}")
    first = client.get(FEED)
    assert len(titles(first)) == 20
    assert "Laporan bernomor urut 44" in titles(first)  # newest first
    third = client.get(FEED, {"page": 3})
    assert len(titles(third)) == 5
    assert titles(third).isdisjoint(titles(first))
    html = client.get(FEED, {"page": 2, "status": "dispositioned"}).content.decode()
    assert 'href="?status=dispositioned&amp;page=3"' in html
    assert 'href="?status=dispositioned&amp;page=1"' in html
    assert client.get(FEED, {"page": "banyak"}).status_code == 200


def _fill(reporter, count: int, agency, region_tree, category) -> None:
    """Half the reports are the citizen's, in one place; the other half each have their own
    reporter, agency, region and category: the shape where an N+1 query would show. Every
    report has a photo (a public card shows its thumbnail)."""
    for number in range(count):
        if number % 2:
            report = ReportFactory(
                verified=True,
                reporter=reporter,
                agency=agency,
                region=region_tree["district"],
                category=category,
                confidential=number % 3 == 0,
            )
        else:
            report = ReportFactory(
                verified=True,
                agency=AgencyFactory(),
                region=RegencyFactory(parent=region_tree["province"]),
                category=CategoryFactory(),
            )
        picture(report)


def test_feed_query_count_does_not_grow_with_reports(
    client, django_assert_max_num_queries, citizen, agency, region_tree, category
):
    _fill(citizen, 30, agency, region_tree, category)
    # count, page, the page's regions, reporters and thumbnails (``workflow.lists``),
    # topics, provinces, and per chosen level its parent and its children
    with django_assert_max_num_queries(11):
        response = client.get(FEED, {"province": "32", "regency": "32.73"})
    assert response.status_code == 200
    assert response.content.decode().count('class="card-thumb"') == len(titles(response))
    client.force_login(citizen)
    # + session, user and the header's unread-notification count, - no region levels
    with django_assert_max_num_queries(10):
        assert client.get(FEED).status_code == 200
    with django_assert_max_num_queries(7):
        response = client.get(reverse("web:home"))
    assert response.content.decode().count('class="card-thumb"') == 5


def test_my_reports_query_count(
    client, django_assert_max_num_queries, citizen, agency, region_tree, category
):
    _fill(citizen, 40, agency, region_tree, category)
    client.force_login(citizen)
    # with the header's unread-notification count, the page's regions and thumbnails
    with django_assert_max_num_queries(9):
        response = client.get(MINE)
    assert response.status_code == 200
    assert len(titles(response)) == 20
    # The confidential ones (every third of the citizen's) show no picture, even here.
    assert 0 < response.content.decode().count('class="card-thumb"') < 20


def test_my_reports_lists_only_mine_with_confidential_ones(client, citizen, other_citizen):
    ReportFactory(reporter=citizen, title="Laporan saya yang terbuka")
    ReportFactory(reporter=citizen, title="Laporan saya yang rahasia", confidential=True)
    ReportFactory(reporter=citizen, title="Laporan saya yang diarsipkan", status=Status.ARCHIVED)
    ReportFactory(reporter=other_citizen, title="Laporan orang lain sekali")
    client.force_login(citizen)
    response = client.get(MINE)
    assert titles(response) == {
        "Laporan saya yang terbuka",
        "Laporan saya yang rahasia",
        "Laporan saya yang diarsipkan",
    }
    assert titles(client.get(MINE, {"status": "archived"})) == {"Laporan saya yang diarsipkan"}


def test_my_reports_needs_sign_in(client, citizen):
    ReportFactory(reporter=citizen, title="Laporan saya yang rahasia", confidential=True)
    response = client.get(MINE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_see_only_their_own_reports_in_my_reports(client, viewers, citizen, agency):
    ReportFactory(reporter=citizen, agency=agency, title="Laporan warga ke instansi")
    client.force_login(viewers["agency_admin"])
    assert titles(client.get(MINE)) == set()


def test_the_feed_searches_words_in_any_form_and_marks_them(client, db):
    from aduan.reports.tests.factories import ReportFactory

    ReportFactory(
        verified=True,
        title="Jalanan kampung rusak parah",
        body="Jalanan di kampung kami belum pernah diperbaiki sejak tahun lalu.",
    )
    ReportFactory(verified=True, title="Sampah menumpuk di pasar", body="Sampah tidak diangkut.")
    ReportFactory(title="Jalan rusak belum diverifikasi", body="Belum diperbaiki sama sekali.")
    page = client.get(FEED, {"q": "perbaikan jalan"}).content.decode()
    assert "<mark>Jalanan</mark> kampung rusak parah" in page
    assert "belum pernah <mark>diperbaiki</mark>" in page
    assert "Sampah" not in page
    assert "belum diverifikasi" not in page
    assert 'name="q"' in page


def test_a_ranked_search_lists_the_newest_matches_and_says_there_are_more(client, settings):
    """Ranked, the feed and the API list the best of the newest matches and count them
    as "more than …"; by newest, every match."""
    settings.ADUAN_SEARCH_RANK_WINDOW = 2
    for n in range(4):
        ReportFactory(verified=True, title=f"Banjir di kompleks {n}", body="Air setinggi lutut.")
    page = client.get(FEED, {"q": "banjir"}).content.decode()
    assert page.count('class="card-title"') == 2
    assert "More than 2 reports" in page
    assert "The best matches among the newest 2." in page
    data = client.get("/api/v1/reports", {"q": "banjir"}).json()
    assert (data["count"], data["count_is_capped"], len(data["results"])) == (2, True, 2)
    oldest = client.get(FEED, {"q": "banjir", "sort": "oldest_unanswered"}).content.decode()
    assert "among the newest" not in oldest
    data = client.get("/api/v1/reports", {"q": "banjir", "sort": "most_supported"}).json()
    assert (data["count"], data["count_is_capped"]) == (4, False)


def test_the_order_shown_is_the_order_used(client):
    """With words the feed lists the best match first and says so; "newest" then lists
    every match newest first; without words "best match" is not offered."""
    older = ReportFactory(verified=True, title="Banjir di kompleks perumahan", body="Air naik.")
    newer = ReportFactory(verified=True, title="Keluhan warga", body="Banjir lagi di kompleks.")
    searched = client.get(FEED, {"q": "banjir"}).content.decode()
    assert re.search(r'<option value="best_match" selected>', searched)
    assert searched.index(older.tracking_id) < searched.index(newer.tracking_id)  # title match
    newest = client.get(FEED, {"q": "banjir", "sort": "newest"}).content.decode()
    assert re.search(r'<option value="newest" selected>', newest)
    assert newest.index(newer.tracking_id) < newest.index(older.tracking_id)
    plain = client.get(FEED).content.decode()
    assert 'value="best_match"' not in plain
    assert re.search(r'<option value="newest" selected>', plain)
    data = client.get("/api/v1/reports", {"q": "banjir", "sort": "newest"}).json()
    assert [r["tracking_id"] for r in data["results"]] == [newer.tracking_id, older.tracking_id]
    data = client.get("/api/v1/reports", {"q": "banjir"}).json()
    assert [r["tracking_id"] for r in data["results"]] == [older.tracking_id, newer.tracking_id]


def test_cards_name_the_whole_place_and_only_a_named_reporter(client, citizen, region_tree):
    # The rows are read with few joins and the rest loaded per page (``workflow.lists``):
    # the card still shows the region with its ancestors and the name the reporter showed.
    ReportFactory(
        verified=True, reporter=citizen, title="Laporan bernama", region=region_tree["district"]
    )
    ReportFactory(verified=True, reporter=citizen, title="Laporan tanpa nama", anonymous=True)
    html = client.get(FEED).content.decode()
    assert "Sukasari, Kota Bandung, Jawa Barat" in html
    assert html.count(citizen.full_name) == 1
    assert "Anonymous" in html or "Anonim" in html
    client.force_login(citizen)
    html = client.get(MINE).content.decode()
    assert "Sukasari, Kota Bandung, Jawa Barat" in html


def _filter_bar(query: str) -> str:
    from django.template import Context, Template
    from django.test import RequestFactory

    from aduan.web.forms import FeedFilterForm

    request = RequestFactory().get(FEED + query)
    return Template("{% load web_tags %}{% filter_bar filters %}").render(
        Context({"request": request, "filters": FeedFilterForm(QueryDict(query.lstrip("?")))})
    )


def test_the_filter_bar_is_remembered_only_as_long_as_it_is_the_same(
    category, region_tree, django_assert_num_queries
):
    from django.template.loader import render_to_string
    from django.utils import translation

    from aduan.web.forms import FeedFilterForm

    with translation.override("en"):
        first = _filter_bar("?province=32")
        fresh = render_to_string(
            "web/partials/filters.html",
            {"filters": FeedFilterForm(QueryDict("province=32")), "filters_open": True},
        )
        assert first == fresh
        with django_assert_num_queries(0):
            assert _filter_bar("?province=32") == first
        # What the bar offers changes: shown at once.
        category.name_en = "Roads and bridges"
        category.save()
        assert "Roads and bridges" in _filter_bar("?province=32")
        # Typed words and agencies searched are the reader's own: never remembered.
        assert "jalan berlubang" in _filter_bar("?q=jalan+berlubang")
        assert 'value="jalan rusak"' in _filter_bar("?q=jalan+rusak&province=32")
        assert "jalan rusak" not in _filter_bar("?province=32")
    with translation.override("id"):
        assert _filter_bar("?province=32") != first
