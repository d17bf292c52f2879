"""Browser tests: the site served by pytest-django's ``live_server``, driven through
Playwright in Debian's Chromium (``/usr/bin/chromium``; never a downloaded browser).

Shared helpers for layout tests: ``sign_in(page, role)`` makes a user of that role with
the factories and hands its session to the browser; ``page_at(width)`` opens a phone- or
desktop-sized page; ``overflowing(page)`` lists what is wider than the viewport;
``open_menu(page)`` opens the header's navigation on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory

ROLES = ("citizen", "national_admin", "agency_admin", "unit_officer", "oversight")
STAFF_ROLES = ("national_admin", "agency_admin", "unit_officer", "oversight")
PHONE_HEIGHT = 800

# Every element whose box reaches past the viewport's left or right edge, unless an
# ancestor clips or scrolls it (a wide table in a scrolling box is fine). Hidden elements
# (zero size, the visually-hidden 1 px pattern, inside a closed <details>) do not count;
# text that sticks out of its element does.
_OVERFLOWING_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow !== "visible") return true;
    }
    return false;
  };
  const name = (element) => {
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (typeof element.className === "string" && element.className.trim())
      text += "." + element.className.trim().split(/\\s+/).join(".");
    return text;
  };
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    if (box.right <= width + 0.5 && box.left >= -0.5) continue;
    if (clipped(element)) continue;
    found.push(`${name(element)} [${Math.round(box.left)}..${Math.round(box.right)}] `
      + (element.textContent || "").trim().slice(0, 40));
  }
  // Text sticking out of its element (a long URL that does not wrap) has no box of its own.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const element = text.parentElement;
    if (!text.data.trim() || !element.checkVisibility({visibilityProperty: true})) continue;
    range.selectNodeContents(text);
    const box = range.getBoundingClientRect();
    if (box.width <= 1 || (box.right <= width + 0.5 && box.left >= -0.5) || clipped(text)) continue;
    found.push(`text in ${name(element)} [${Math.round(box.left)}..${Math.round(box.right)}] `
      + text.data.trim().slice(0, 40));
  }
  if (document.documentElement.scrollWidth > width)
    found.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  return found;
}
"""


def open_menu(page) -> None:
    """Open the header's navigation where it waits behind "Menu" (a phone); at desktop
    width it stands inline and there is nothing to open."""
    button = page.locator(".menu-button")
    if button.is_visible() and page.locator("details.nav-menu[open]").count() == 0:
        button.click()


def overflowing(page) -> list[str]:
    """Elements of ``page`` wider than its viewport (or sticking out left), described as
    ``tag#id.class [left..right] text``; empty when nothing scrolls sideways."""
    return page.evaluate(_OVERFLOWING_JS)


@dataclass
class Site:
    """The live server and the browser contexts opened on it during one test."""

    url: str
    browser: object
    contexts: list

    def page_at(self, width: int, height: int = PHONE_HEIGHT):
        """A new page (its own cookies) whose viewport is ``width`` CSS pixels wide."""
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            base_url=self.url,
            locale="id-ID",
        )
        context.set_default_timeout(5000)
        self.contexts.append(context)
        page = context.new_page()
        page.site_url = self.url  # for sign_in's cookie
        return page


@pytest.fixture
def site(browser, live_server) -> Iterator[Site]:
    opened = Site(url=live_server.url, browser=browser, contexts=[])
    yield opened
    for context in opened.contexts:
        context.close()


@pytest.fixture
def page_at(site) -> Callable:
    """``page_at(320)``: a fresh page 320 px wide on the live server."""
    return site.page_at


def make_user(role: str, **extra):
    """A user of ``role`` like the demo's: staff belong to an agency (officers to a unit)."""
    if role == "citizen":
        return UserFactory(**extra)
    if role == "national_admin":
        return NationalAdminFactory(is_staff=True, **extra)
    if role == "oversight":
        return OversightFactory(**extra)
    agency = extra.pop("agency", None) or AgencyFactory(name="Pemerintah Kota Bandung")
    if role == "agency_admin":
        return AgencyAdminFactory(agency=agency, is_staff=True, **extra)
    if role == "unit_officer":
        unit = UnitFactory(parent=agency, name="Dinas Kependudukan dan Pencatatan Sipil")
        return UnitOfficerFactory(agency=unit, **extra)
    raise ValueError(role)


def sign_in(page, user) -> None:
    """Give ``page``'s browser context a signed-in session of ``user`` (no login form:
    the session is made the way Django's test client makes one)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.site_url}]
    )


def sign_in_as(page, role: str, **extra):
    """Make a user of ``role`` (see ``make_user``), sign ``page`` in as them, return them."""
    user = make_user(role, **extra)
    sign_in(page, user)
    return user


def pytest_collection_modifyitems(items):
    """Browser tests run last in each worker: while Chromium runs, Django's async-safety
    check is off (see ``browser``), and no other test should run without it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@dataclass
class World:
    """One user per role and the reports they work on, for page-by-page layout tests."""

    users: dict
    public_report: object  # verified, with the agency, assigned to its unit, in a district
    queued_report: object  # awaiting verification in the national queue


@pytest.fixture
def world(transactional_db) -> World:
    from aduan.regions.tests.factories import DistrictFactory, ProvinceFactory, RegencyFactory
    from aduan.workflow import services as wf
    from aduan.workflow.services import report_submit

    province = ProvinceFactory(code="32", name="JAWA BARAT")
    regency = RegencyFactory(code="32.73", name="KOTA BANDUNG", parent=province)
    district = DistrictFactory(code="32.73.01", name="Sukasari", parent=regency)
    agency = AgencyFactory(name="Pemerintah Kota Bandung")
    users = {
        "citizen": make_user("citizen", full_name="Siti Rahmawati"),
        "national_admin": make_user("national_admin"),
        "agency_admin": make_user("agency_admin", agency=agency),
        "unit_officer": make_user("unit_officer", agency=agency),
        "oversight": make_user("oversight"),
    }
    report = report_submit(
        reporter=users["citizen"],
        channel="web",
        classification="complaint",
        title="Jalan berlubang besar di depan Pasar Sukasari membahayakan pengendara motor",
        body="Lubang selebar dua meter di Jalan Gegerkalong Hilir sudah tiga bulan tidak "
        "diperbaiki; https://contoh.example.id/foto/jalan-berlubang-di-depan-pasar-sukasari",
        region_code=district.code,
    )
    report = wf.report_dispose(
        report=report, actor=users["national_admin"], agency_id=agency.pk, note="Mohon segera."
    )
    report = wf.report_accept(report=report, actor=users["agency_admin"])
    report = wf.report_forward(
        report=report, actor=users["agency_admin"], agency_id=users["unit_officer"].agency_id
    )
    queued = report_submit(
        reporter=users["citizen"],
        channel="web",
        classification="complaint",
        title="Antrean pembuatan KTP elektronik di kantor kecamatan sangat panjang",
        body="Warga harus datang sejak subuh dan tetap tidak terlayani pada hari yang sama.",
        region_code=district.code,
    )
    return World(users=users, public_report=report, queued_report=queued)
