"""The statistics pages and the programme filter on a 320 px phone: the per-programme
tables, the agency table's "show all" link and the wrapped topic names scroll inside
their own boxes, never the page."""

from __future__ import annotations

import pytest

from .conftest import overflowing, sign_in

pytestmark = pytest.mark.browser

LONG_NAME = "Korupsi, pungutan liar dan maladministrasi pelayanan publik di daerah"


def test_statistics_and_the_programme_filter_fit_a_320px_phone(world, page_at):
    from aduan.categories.tests.factories import CategoryFactory
    from aduan.programmes.tests.factories import ProgrammeFactory
    from aduan.workflow import services as wf

    programme = ProgrammeFactory(name="Rumah Sakit Berkualitas di Kabupaten/Kota")
    ProgrammeFactory(name="Koperasi Desa/Kelurahan Merah Putih")
    wf.report_set_programmes(
        report=world.public_report,
        actor=world.users["national_admin"],
        programme_ids=[programme.pk],
    )
    topic = CategoryFactory(name_id=LONG_NAME)
    wf.report_dispose(
        report=world.queued_report,
        actor=world.users["national_admin"],
        agency_id=world.public_report.disposed_agency_id,
        category_id=topic.pk,
    )
    page = page_at(320)
    sign_in(page, world.users["oversight"])
    too_wide = {}
    for url in (
        "/statistik/",
        "/statistik/?region=32",
        "/staf/statistik/",
        "/staf/statistik/?all_agencies=1",
        f"/staf/statistik/?programme={programme.pk}",
        f"/staf/kotak-masuk/?programme={programme.pk}",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        if found := overflowing(page):
            too_wide[url] = found
    assert too_wide == {}
    page.goto(f"/staf/kotak-masuk/?programme={programme.pk}")
    assert page.locator("select[name=programme]").is_visible()
    page.goto("/staf/statistik/")
    assert page.locator("svg.chart title", has_text=LONG_NAME).count() == 1
