"""The desk's work on a report in a real browser, with a trained router: the queue row
offers the suggested agencies, and one click sends the report to the first; on a 320 px
phone the row's suggestions fit the screen."""

from __future__ import annotations

import pytest

from .conftest import overflowing, sign_in

pytestmark = pytest.mark.browser


def test_one_click_on_the_queue_row_sends_the_report_to_the_first_suggestion(
    transactional_db, page_at
):
    from aduan.reports.models import Status
    from aduan.triage.services import router_train
    from aduan.triage.tests.history import build_history, submit

    history = build_history()
    router_train(limit=1000)
    report = submit(history.returned.reporter, "Aspal jalan rusak dan berlubang di kampung kami")
    roads = history.agencies["roads"]

    page = page_at(320)
    sign_in(page, history.admin)
    page.goto("/staf/antrean/")
    row = page.locator(f'tr[data-tracking-id="{report.tracking_id}"]')
    assert roads.name in row.locator(".triage-options li.is-first").inner_text()
    assert overflowing(page) == []
    # The one click, with nothing typed.
    row.locator(".triage-options li.is-first button").click()
    page.wait_for_url("**/staf/antrean/**")
    report.refresh_from_db()
    assert (report.status, report.agency) == (Status.DISPOSITIONED, roads)
    assessment = report.assessments.get()
    assert (assessment.chosen_agency, assessment.chosen_rank) == (roads, 1)
