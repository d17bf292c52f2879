"""Small fixes from issue #8: the favicon, the inbox heading per role, the full place name
(without a query per row) and the admin site's answer to a signed-in outsider."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.regions.tests.factories import DistrictFactory
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

OLD_INBOX_HELP = "Reports with your agency and its units"


def test_favicon_ico_leads_to_the_icon_and_every_page_names_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert f'<link rel="icon" href="{response["Location"]}"' in client.get("/").content.decode()


def test_the_inbox_heading_says_whose_reports_they_are(client, agency):
    expected = {
        OversightFactory(): ("Reports at every agency", "You can read them"),
        NationalAdminFactory(): ("Reports at every agency", "with every agency"),
        AgencyAdminFactory(agency=agency): ("Inbox", OLD_INBOX_HELP),
        UnitOfficerFactory(agency=agency): ("Inbox", OLD_INBOX_HELP),
    }
    for user, (heading, help_text) in expected.items():
        client.force_login(user)
        page = client.get(reverse("web:staff_inbox")).content.decode()
        assert f"<h1>{heading}</h1>" in page, user.role
        assert help_text in page, user.role
        if user.role in ("oversight", "national_admin"):
            assert OLD_INBOX_HELP not in page


def test_the_inbox_heading_is_indonesian_for_oversight(visitor_client):
    visitor_client.force_login(OversightFactory())
    page = visitor_client.get(reverse("web:staff_inbox")).content.decode()
    assert "<h1>Laporan di semua instansi</h1>" in page
    assert "Laporan di instansi Anda" not in page


def test_region_full_name_lists_district_regency_and_province(region_tree):
    assert region_tree["district"].full_name == "Sukasari, Kota Bandung, Jawa Barat"
    assert region_tree["province"].full_name == "Jawa Barat"


def _feed_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("web:feed")).content.decode()
    return len(queries), page


def test_feed_shows_the_full_place_without_a_query_per_report(client, region_tree):
    ReportFactory(verified=True, region=region_tree["district"])
    one, page = _feed_queries(client)
    assert "Sukasari, Kota Bandung, Jawa Barat" in page
    for n in range(5):  # each in its own district, regency and province
        ReportFactory(verified=True, region=DistrictFactory(name=f"Kecamatan Lain {n}"))
    many, page = _feed_queries(client)
    assert page.count(", ") >= 6 * 2
    assert many == one


def test_the_place_on_a_report_page_is_the_full_name(client, region_tree):
    report = ReportFactory(verified=True, region=region_tree["district"])
    page = client.get(reverse("web:track_detail", args=[report.tracking_id])).content.decode()
    assert "Sukasari, Kota Bandung, Jawa Barat" in page


@pytest.mark.parametrize("factory", [OversightFactory, UnitOfficerFactory, UserFactory])
def test_admin_tells_a_signed_in_user_without_access_so(client, factory):
    client.force_login(factory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your account does not have access to this page." in page
    assert 'id="login-form"' not in page


def test_admin_still_opens_for_the_national_admin_and_asks_strangers_to_sign_in(client):
    # Strangers sign in on the site's own page (one lock-out for every way in, issue 12).
    page = client.get("/admin/", follow=True)
    assert page.redirect_chain[-1][0] == "/akun/login/?next=%2Fadmin%2F"
    assert 'name="password"' in page.content.decode()
    client.force_login(NationalAdminFactory(is_staff=True))
    assert client.get("/admin/").status_code == 200
