"""Details seen in a browser (issue #8): the current deadline is not drawn like an input,
and a first visit asks for nothing that is missing (the favicon)."""

from __future__ import annotations

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

_STYLE_JS = """
(selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return {
    border: ["Top", "Right", "Bottom", "Left"].map((side) =>
      style[`border${side}Style`] === "none" ? "none" : style[`border${side}Width`]),
    background: style.backgroundColor,
    radius: style.borderTopLeftRadius,
  };
}
"""


@pytest.mark.parametrize(("role", "url"), [("agency_admin", "staf"), ("citizen", "lacak")])
def test_the_current_deadline_is_not_styled_like_an_input(world, page_at, role, url):
    page = page_at(360)
    sign_in(page, world.users[role])
    page.goto(f"/{url}/{'laporan/' if url == 'staf' else ''}{world.public_report.tracking_id}/")
    box = page.evaluate(_STYLE_JS, ".deadline-now")
    field = page.evaluate(_STYLE_JS, "textarea, input[type='text'], input[type='search']")
    assert "none" not in field["border"], field  # the inputs: a border on every side
    assert box["border"][:3] == ["none", "none", "none"], box  # no box drawn around it
    assert box["background"] != field["background"], (box, field)


def test_a_first_visit_requests_nothing_that_is_missing(transactional_db, page_at):
    page = page_at(360)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto("/")
    icon = page.request.get("/favicon.ico")
    assert icon.ok
    assert icon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert page.locator("link[rel='icon']").count() == 1
    assert missing == []
