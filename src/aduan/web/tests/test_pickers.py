"""The htmx endpoints behind the region and agency pickers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.agencies.loaders import agencies_load_directory
from aduan.agencies.models import AgencyKind
from aduan.agencies.tests.factories import AgencyFactory, NationalAdminAgencyFactory
from aduan.regions.loaders import regions_load

pytestmark = pytest.mark.django_db

REGIONS = reverse("web:region_options")
AGENCIES = reverse("web:agency_suggestions")


def test_provinces_when_no_parent(client, region_tree):
    html = client.get(REGIONS).content.decode()
    assert '<option value="">' in html
    assert '<option value="32">Jawa Barat</option>' in html
    assert f'<option value="31">{region_tree["other"].display_name}</option>' in html
    assert "32.73" not in html


@pytest.mark.parametrize("param", ["parent", "province"])
def test_regencies_of_a_province(client, region_tree, param):
    response = client.get(REGIONS, {param: "32"}, headers={"hx-request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="32.73">Kota Bandung</option>' in html
    assert 'value="32"' not in html
    assert "<html" not in html  # a fragment, not a page


def test_districts_of_a_regency(client, region_tree):
    html = client.get(REGIONS, {"regency": "32.73"}).content.decode()
    assert '<option value="32.73.01">Sukasari</option>' in html


def test_filters_say_all_instead_of_choose(client, region_tree):
    html = client.get(REGIONS, {"province": "32", "empty": "all"}).content.decode()
    assert "— choose —" not in html
    assert "32.73" in html


def test_unknown_parent_is_404(client, region_tree):
    assert client.get(REGIONS, {"parent": "99"}).status_code == 404
    assert client.get(REGIONS, {"parent": "<script>"}).status_code == 404


def test_region_picker_needs_no_sign_in_and_no_post(client, region_tree):
    assert client.post(REGIONS, {"parent": "32"}).status_code == 405


def test_agency_suggestions(client, agency, unit):
    AgencyFactory(name="Badan Pusat Statistik", short_name="BPS")
    html = client.get(AGENCIES, {"agency_q": "jalan"}).content.decode()
    assert f'name="agency_id" value="{unit.pk}"' in html
    assert "Direktorat Jalan Daerah" in html
    assert "(PU)" in html  # the parent, to tell units of the same name apart
    assert "Badan Pusat Statistik" not in html
    assert 'role="status"' in html


def test_agency_suggestions_match_every_word_and_the_short_name(client, agency):
    AgencyFactory(name="Badan Pusat Statistik", short_name="BPS")
    assert "Badan Pusat Statistik" in client.get(AGENCIES, {"agency_q": "bps"}).content.decode()
    html = client.get(AGENCIES, {"agency_q": "kementerian statistik"}).content.decode()
    assert "Badan Pusat Statistik" not in html
    assert "Kementerian Pekerjaan Umum" not in html


def test_agency_suggestions_leave_out_bodies_that_take_no_reports(client):
    NationalAdminAgencyFactory()
    AgencyFactory(name="Ombudsman Perwakilan", kind=AgencyKind.OVERSIGHT)
    AgencyFactory(name="Kementerian Tidak Aktif", is_active=False)
    for query in ("admin", "ombudsman", "tidak aktif"):
        html = client.get(AGENCIES, {"agency_q": query}).content.decode()
        assert 'name="agency_id" value="' not in html.replace('name="agency_id" value=""', "")


def test_agency_suggestions_keep_the_chosen_agency(client, agency, unit):
    html = client.get(AGENCIES, {"agency_q": "statistik", "agency_id": agency.pk}).content
    assert f'name="agency_id" value="{agency.pk}" checked'.encode() in html


def test_agency_suggestions_for_the_feed_filter(client, agency):
    html = client.get(AGENCIES, {"agency_q": "pekerjaan", "field": "agency"}).content.decode()
    assert f'name="agency" value="{agency.pk}"' in html


def test_agency_suggestions_escape_the_query(client):
    html = client.get(AGENCIES, {"agency_q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert" not in html


def test_empty_query_suggests_nothing(client, agency):
    html = client.get(AGENCIES, {"agency_q": "  "}).content.decode()
    assert f'value="{agency.pk}"' not in html


def test_picker_attributes_are_escaped(client, region_tree):
    html = client.get(reverse("web:feed")).content.decode()
    assert 'hx-vals="{&quot;empty&quot;: &quot;all&quot;}"' in html
    assert 'hx-vals="{&quot;field&quot;: &quot;agency&quot;}"' in html


def test_agency_suggestions_drop_a_nul_from_the_query(client, agency, unit):
    """PostgreSQL refuses NUL in a query's parameters: it was a 500 there."""
    response = client.get(AGENCIES, {"agency_q": "jalan\x00"})
    assert response.status_code == 200
    assert f'name="agency_id" value="{unit.pk}"' in response.content.decode()


def test_the_dispose_forms_agency_search_lists_the_best_match_first(client):
    """The staff picker with the real directory: "Kota Bandung" names the city first."""
    regions_load(villages=False)
    agencies_load_directory()
    html = client.get(AGENCIES, {"agency_q": "Kota Bandung", "staff": "1"}).content.decode()
    listed = re.findall(r'name="agency_id" value="\d+"> ([^<(]+)', html)
    assert len(listed) == 7
    assert listed[0].strip() == "Pemerintah Kota Bandung"
