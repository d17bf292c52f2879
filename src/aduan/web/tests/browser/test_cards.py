"""Issue 14 in a browser, on a phone (360 × 800): a report card with its picture and
"answered" marker fits; the agency's answer comes first; the next-step form fits and its
five stars are chosen with the keyboard alone."""

from __future__ import annotations

import os

import pytest

from aduan.reports.models import Rating, Status
from aduan.web.tests.helpers import picture

from .conftest import overflowing, sign_in

pytestmark = pytest.mark.browser

# The fill of each star's picture, in order.
_STAR_FILLS_JS = """
() => [...document.querySelectorAll(".stars .star svg")].map((svg) => getComputedStyle(svg).fill)
"""
_FOCUS_OUTLINE_JS = """
() => {
  const input = document.activeElement;
  const label = document.querySelector(`label[for="${input.id}"]`);
  return [input.name, input.value, getComputedStyle(label).outlineStyle];
}
"""


@pytest.fixture
def answered(world):
    """The world's public report, answered by its unit with a photo of the report."""
    from aduan.workflow import services as wf

    report = world.public_report
    picture(report, size=(1200, 900))
    return wf.report_respond(
        report=report,
        actor=world.users["unit_officer"],
        body="Lubang sudah kami tambal pada hari Senin; mohon dicek kembali.",
    )


def test_a_card_with_its_picture_and_marker_fits_a_phone(answered, page_at):
    page = page_at(360)
    page.goto("/laporan/")
    card = page.locator("li.card-report").first
    assert "Sudah dijawab" in card.locator(".badge-answered").inner_text()
    assert card.locator(".excerpt").inner_text().startswith("Lubang selebar dua meter")
    thumb = card.locator("img.card-thumb")
    assert thumb.get_attribute("loading") == "lazy"
    assert thumb.get_attribute("alt").startswith("Foto laporan: Jalan berlubang")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert thumb.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    # Shown at the ratio its width/height reserve: nothing jumps when it arrives.
    box = thumb.bounding_box()
    assert abs(box["width"] / box["height"] - 320 / 240) < 0.05
    assert box["width"] < 360 / 3
    assert overflowing(page) == []
    if shots := os.environ.get("ADUAN_SCREENSHOTS"):
        card.screenshot(path=f"{shots}/card-360.png")


def test_the_answer_first_and_the_stars_chosen_with_the_keyboard(world, answered, page_at):
    page = page_at(360)
    sign_in(page, world.users["citizen"])
    page.goto(f"/lacak/{answered.tracking_id}/")
    answer = page.locator("section.answer-top")
    assert "Lubang sudah kami tambal" in answer.inner_text()
    assert answer.bounding_box()["y"] < page.locator(".report-body").bounding_box()["y"]
    assert overflowing(page) == []

    # Keyboard only: choose "accept", Tab into the stars, arrow to the fourth.
    page.locator("#id_next_step_accept").focus()
    page.keyboard.press("Space")
    assert page.locator("#id_next_step_accept").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUS_OUTLINE_JS) == ["score", "1", "solid"]
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(_FOCUS_OUTLINE_JS) == ["score", "4", "solid"]
    assert page.locator("#id_next_score_4").is_checked()
    if shots := os.environ.get("ADUAN_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/track-360.png", full_page=True)
    fills = page.evaluate(_STAR_FILLS_JS)
    assert len(set(fills[:4])) == 1, fills  # the four first filled alike
    assert fills[4] != fills[0], fills  # the fifth not
    assert overflowing(page) == []

    page.keyboard.press("Tab")
    page.keyboard.type("Terima kasih, sudah rapi.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Berhasil: Terima jawaban dan beri nilai." in page.locator(".messages").inner_text()
    rating = Rating.objects.get(report=answered)
    assert (rating.score, rating.comment) == (4, "Terima kasih, sudah rapi.")
    answered.refresh_from_db()
    assert answered.status == Status.CLOSED
    assert overflowing(page) == []
