"""Every page renders for every kind of visitor, in the visitor's language, and stays light."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["web:home", "web:feed", "web:track"]


@pytest.fixture(params=["anonymous", "citizen", "staff", "national_admin"])
def visitor(request, client, citizen, agency):
    users = {
        "anonymous": None,
        "citizen": citizen,
        "staff": AgencyAdminFactory(agency=agency),
        "national_admin": NationalAdminFactory(),
    }
    if users[request.param]:
        client.force_login(users[request.param])
    return users[request.param]


def landmarks_ok(html: str) -> None:
    assert '<html lang="' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<nav" in html
    assert "<footer" in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_render_for_everyone(client, visitor, name):
    ReportFactory(title="Lampu jalan mati di Jalan Merdeka")
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    landmarks_ok(html)
    assert reverse("web:report_new") in html
    if visitor is None:
        assert reverse("account_login") in html
        assert reverse("account_logout") not in html
    else:
        assert reverse("account_logout") in html
        assert "/akun/profil/" in html
        assert "/akun/token/" in html


def test_home_has_call_to_action_track_box_and_feed(client):
    ReportFactory(verified=True, title="Lampu jalan mati di Jalan Merdeka")
    html = client.get(reverse("web:home")).content.decode()
    assert f'class="button" href="{reverse("web:report_new")}"' in html
    assert f'action="{reverse("web:track")}"' in html
    assert 'name="id"' in html
    assert "Lampu jalan mati di Jalan Merdeka" in html
    assert reverse("web:feed") in html


def test_home_feed_hides_confidential_reports(client):
    ReportFactory(title="Laporan rahasia tentang pungutan liar", confidential=True)
    html = client.get(reverse("web:home")).content.decode()
    assert "Laporan rahasia tentang pungutan liar" not in html


@pytest.mark.parametrize("name", ["web:report_new", "web:my_reports"])
def test_signed_in_pages_render_for_signed_in_users(client, visitor, name, region_tree, category):
    if visitor is None:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert "next=" + reverse(name) in response.url
        return
    response = client.get(reverse(name))
    assert response.status_code == 200
    landmarks_ok(response.content.decode())


def test_report_form_offers_every_field(client, citizen, region_tree, category):
    client.force_login(citizen)
    html = client.get(reverse("web:report_new")).content.decode()
    for name in (
        "classification",
        "title",
        "body",
        "incident_date",
        "province",
        "regency",
        "district",
        "latitude",
        "longitude",
        "agency_q",
        "agency_id",
        "category_id",
        "anonymous",
        "confidential",
        "files",
    ):
        assert f'name="{name}"' in html, name
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="files"[^>]*multiple', html)
    # Every visible input has a label.
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="(id_[a-z_]+)"', html):
        if input_id.startswith("id_classification_"):
            continue  # the radios sit inside their <label>
        assert f'for="{input_id}"' in html, input_id
    assert 'value="32"' in html  # the provinces are offered
    assert "Infrastru" in html  # and the categories
    assert "EXIF" in html


def test_unknown_page_is_the_site_404(client):
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert 'class="skip-link"' in response.content.decode()


def test_browser_language_does_not_override_indonesian(visitor_client):
    """Phones set to English still get the Indonesian site until the visitor switches."""
    html = visitor_client.get(
        reverse("web:home"), headers={"accept-language": "en-US,en"}
    ).content.decode()
    assert '<html lang="id">' in html
    assert 'name="language" value="en"' in html


def test_api_follows_accept_language(client):
    english = client.post(
        "/api/v1/auth/token", {}, "application/json", headers={"accept-language": "en"}
    )
    assert english.json()["title"] == "Invalid input"


def test_indonesian_by_default(visitor_client):
    html = visitor_client.get(reverse("web:home")).content.decode()
    assert '<html lang="id">' in html
    assert 'name="language" value="en"' in html


def test_set_language_switches_the_site(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/laporan/"})
    assert response.status_code == 302
    assert response.url == "/laporan/"
    html = client.get(reverse("web:feed")).content.decode()
    assert '<html lang="en">' in html


def test_page_weight_of_home_with_its_css_and_js(client):
    for number in range(20):
        ReportFactory(title=f"Laporan contoh yang cukup panjang nomor {number}")
    html = client.get(reverse("web:home")).content
    assets = [finders.find(path) for path in ("web/site.css", "web/site.js", "web/htmx.min.js")]
    assert all(assets)
    total = len(html) + sum(Path(path).stat().st_size for path in assets)
    assert total < 150 * 1024, total


def test_every_page_is_light(client, citizen, region_tree, category):
    for number in range(25):
        ReportFactory(title=f"Laporan contoh yang cukup panjang nomor {number}", reporter=citizen)
    client.force_login(citizen)
    for name in ("web:home", "web:feed", "web:my_reports", "web:report_new", "web:track"):
        assert len(client.get(reverse(name)).content) < 60 * 1024, name


def test_allauth_pages_use_the_site_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="skip-link"' in html, name
        assert 'class="logo"' in html, name
        assert "<form" in html
