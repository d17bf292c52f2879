"""Layout on a phone: the account menu can be reached, nothing scrolls sideways at 320 px,
and no page skips a heading level (issue #8)."""

from __future__ import annotations

import itertools

import pytest

from .conftest import ROLES, open_menu, overflowing, sign_in, sign_in_as

pytestmark = pytest.mark.browser

MENU_ITEMS = ("Profil", "Token API", "Keluar")

# The left and right edges of every item of the open account menu, by its text.
_ITEM_BOXES_JS = """
(menu) => Object.fromEntries([...menu.querySelectorAll("a, button")].map((item) => {
  const box = item.getBoundingClientRect();
  return [item.textContent.trim(), [box.left, box.right]];
}))
"""

_HEADING_LEVELS_JS = """
() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]))
"""


@pytest.mark.parametrize("role", ROLES)
def test_the_account_menu_opens_on_screen_and_signs_out(transactional_db, page_at, role):
    page = page_at(320)
    sign_in_as(page, role)
    page.goto("/")
    menu = page.locator("details.account-menu ul")
    for width in (320, 360, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        open_menu(page)
        page.locator("details.account-menu summary").click()
        boxes = menu.evaluate(_ITEM_BOXES_JS)
        assert set(MENU_ITEMS) <= set(boxes), f"{role} at {width} px: {boxes}"
        for name, (left, right) in boxes.items():
            assert left >= 0, f"{role} at {width} px: {name} starts at x={left}"
            assert right <= width, f"{role} at {width} px: {name} ends at x={right}"
        page.locator("details.account-menu summary").click()  # closed again
    page.set_viewport_size({"width": 320, "height": 800})
    open_menu(page)
    page.locator("details.account-menu summary").click()
    menu.get_by_role("button", name="Keluar").click()
    page.wait_for_load_state()
    open_menu(page)
    assert page.get_by_role("link", name="Masuk").first.is_visible()
    page.goto("/laporan-saya/")
    assert "/akun/login/" in page.url  # signed out for real, not just a different page


def _pages_for(role: str, world) -> list[str]:
    public, queued = world.public_report.tracking_id, world.queued_report.tracking_id
    pages = [
        "/",
        "/laporan/",
        f"/lacak/{public}/",
        "/lapor/",
        "/laporan-saya/",
        "/notifikasi/",
        "/akun/profil/",
        "/akun/token/",
    ]
    if role == "citizen":
        return [*pages, f"/lapor/terkirim/{queued}/"]
    pages += ["/staf/kotak-masuk/", f"/staf/laporan/{public}/"]
    if role in ("national_admin", "oversight"):
        pages += ["/staf/antrean/", f"/staf/laporan/{queued}/", "/staf/triase/"]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_fits_a_320px_phone_and_keeps_its_heading_outline(world, page_at, role):
    page = page_at(320)
    sign_in(page, world.users[role])
    too_wide, skipped = {}, {}
    for url in _pages_for(role, world):
        response = page.goto(url)
        assert response.status == 200, url
        if found := overflowing(page):
            too_wide[url] = found
        levels = page.evaluate(_HEADING_LEVELS_JS)
        if levels[:1] != [1] or any(b > a + 1 for a, b in itertools.pairwise(levels)):
            skipped[url] = levels
    assert too_wide == {}
    assert skipped == {}


def test_the_checks_see_a_wide_page(transactional_db, page_at):
    """The helpers themselves: a long unbroken URL and a heading jump are caught."""
    page = page_at(320)
    page.set_content(
        "<body style='margin:0'><h1>A</h1><h3>B</h3><p style='overflow-wrap:normal'>"
        "https://contoh.example.id/lacak/ABCDEFGHJK/dengan/jalan/yang/sangat/panjang</p></body>"
    )
    assert any("text in p" in line for line in overflowing(page))
    assert page.evaluate(_HEADING_LEVELS_JS) == [1, 3]
