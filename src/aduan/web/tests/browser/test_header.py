"""The header (issue 14): on a phone one line with the name, the unread count and a
"Menu" button that opens the navigation, with or without JavaScript, by mouse or
keyboard; at desktop width the navigation stands inline."""

from __future__ import annotations

import itertools

import pytest

from aduan.notifications.models import NotificationKind
from aduan.notifications.services import notify
from aduan.reports.tests.factories import ReportFactory

from .conftest import overflowing, sign_in_as

pytestmark = pytest.mark.browser

# The boxes of the header's row and of its three parts at the top of a page.
_HEADER_JS = """
() => {
  const box = (selector) => {
    const element = document.querySelector(selector);
    if (!element || !element.checkVisibility()) return null;
    const { left, right, top, bottom } = element.getBoundingClientRect();
    return { left, right, top, bottom };
  };
  return {
    row: box(".header-row"),
    logo: box(".site-header .logo"),
    badge: box(".site-header .notification-badge"),
    button: box(".menu-button"),
  };
}
"""


def _one_line(boxes: dict, width: int) -> None:
    parts = {name: boxes[name] for name in ("logo", "badge", "button") if boxes[name]}
    row = boxes["row"]
    assert row["bottom"] - row["top"] < 72, boxes  # one line, not two
    for name, part in parts.items():
        assert part["left"] >= 0, (name, boxes)
        assert part["right"] <= width, (name, boxes)
        assert part["top"] >= row["top"], (name, boxes)
        assert part["bottom"] <= row["bottom"], (name, boxes)
    ordered = sorted(parts.values(), key=lambda part: part["left"])
    for before, after in itertools.pairwise(ordered):
        assert before["right"] <= after["left"], boxes  # side by side, not overlapping


@pytest.mark.parametrize("role", ["citizen", "national_admin"])
@pytest.mark.parametrize("width", [320, 360])
def test_the_phone_header_is_one_line_and_the_menu_opens_from_its_button(
    transactional_db, page_at, role, width
):
    page = page_at(width)
    user = sign_in_as(page, role)
    report = ReportFactory()
    for i in range(12):
        notify(recipients=[user], kind=NotificationKind.COMMENT_POSTED, report=report, key=f"h{i}")
    page.goto("/")
    boxes = page.evaluate(_HEADER_JS)
    assert boxes["badge"], boxes
    assert boxes["button"], boxes
    _one_line(boxes, width)
    assert page.locator(".site-header .badge").inner_text() == "12"
    report = page.get_by_role("link", name="Lapor", exact=True)
    assert not report.is_visible()  # the navigation waits behind "Menu"
    page.locator(".menu-button").click()
    assert report.is_visible()
    page.locator("details.account-menu summary").click()
    assert page.get_by_role("button", name="Keluar").is_visible()
    assert overflowing(page) == []
    report.click()
    page.wait_for_url("**/lapor/")


@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_works_without_javascript_and_stands_inline_on_a_desktop(
    transactional_db, site, javascript
):
    context = site.browser.new_context(
        viewport={"width": 360, "height": 800},
        base_url=site.url,
        locale="id-ID",
        java_script_enabled=javascript,
    )
    site.contexts.append(context)
    page = context.new_page()
    page.goto("/laporan/")
    _one_line(page.evaluate(_HEADER_JS), 360)
    track = page.get_by_role("link", name="Lacak", exact=True)
    assert not track.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert track.is_visible()
    assert page.get_by_role("link", name="Masuk").is_visible()
    page.set_viewport_size({"width": 1366, "height": 800})
    page.reload()
    assert not page.locator(".menu-button").is_visible()
    for name in ("Lapor", "Lacak", "Laporan saya", "Statistik", "Masuk", "Daftar"):
        assert page.get_by_role("link", name=name, exact=True).is_visible(), name
    row = page.evaluate(_HEADER_JS)["row"]
    assert row["bottom"] - row["top"] < 72  # the whole navigation on the header's line


_FOCUS_RING_JS = "() => getComputedStyle(document.activeElement).outlineStyle"


def _menu_expanded(page) -> bool | None:
    """The "expanded" state screen readers are given for the "Menu" button, from
    Chromium's accessibility tree (a <summary> has it without any aria attribute)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    for node in nodes:
        if node.get("name", {}).get("value") == "Menu" and not node.get("ignored"):
            for prop in node.get("properties", []):
                if prop["name"] == "expanded":
                    return prop["value"]["value"]
            return None
    raise AssertionError("no element named Menu in the accessibility tree")


def test_the_menu_is_usable_by_keyboard_and_announces_its_state(transactional_db, page_at):
    page = page_at(360)
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the name
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "menu-button"
    assert page.evaluate(_FOCUS_RING_JS) == "solid"  # focus is visible
    assert _menu_expanded(page) is False
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Lapor", exact=True).is_visible()
    assert _menu_expanded(page) is True
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Lapor"
    page.keyboard.press("Escape")  # site.js: closes the menu, focus back on its button
    assert not page.get_by_role("link", name="Lapor", exact=True).is_visible()
    assert page.evaluate("() => document.activeElement.className") == "menu-button"
    assert _menu_expanded(page) is False
