"""The report page shows the agency's latest answer first, as the reader may read it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from aduan.workflow import services as wf

from .staff_helpers import responded, sign_in, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

FIRST = "Jalan sudah kami perbaiki hari ini, terima kasih."
SECOND = "Kami tambal ulang; hubungi kami di 0812-3456-7890 bila rusak lagi."
DESK_NOTE = "Catatan antar-meja: kontraktornya bermasalah, jangan dibuka ke pelapor."


def answer_box(response) -> str:
    """The highlighted answer's visible text ('' when the page has none)."""
    html = response.content.decode()
    found = re.search(r'<section class="answer-top".*?</section>', html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split()) if found else ""


def page(client, viewer, report):
    client.logout()
    sign_in(client, viewer)
    return client.get(reverse("web:track_detail", args=[report.tracking_id]))


@pytest.fixture
def answered(citizen, people, agency):
    """Answered twice, sent back in between; a desk note after the latest answer."""
    report = responded(
        citizen,
        admin=people["national_admin"],
        agency=agency,
        agency_admin=people["agency_admin"],
    )
    wf.report_answer(report=report, actor=citizen, body="Masih ada lubang di ujung jalan.")
    wf.report_respond(report=report, actor=people["agency_admin"], body=SECOND)
    wf.report_comment(report=report, actor=people["agency_admin"], body=DESK_NOTE, internal=True)
    return report


def test_the_latest_answer_comes_first_for_everyone_who_may_see_the_report(
    client, citizen, other_citizen, people, answered
):
    people = {**people, "other_citizen": other_citizen}
    for name in ("anonymous", "citizen", "other_citizen", "agency_admin", "other_agency_admin"):
        response = page(client, people[name], answered)
        assert response.status_code == 200
        html = response.content.decode()
        box = answer_box(response)
        assert box.startswith("The agency's answer"), name
        assert FIRST not in box  # the latest only; the first stays in the timeline
        assert DESK_NOTE not in box, name
        # Above the report's own text.
        assert html.index('class="answer-top"') < html.index("What was reported")


def test_the_answer_is_masked_for_those_who_read_the_public_text(client, people, answered):
    public = answer_box(page(client, None, answered))
    assert "0812-3456-7890" not in public
    assert "hubungi kami di [" in public
    assert "0812-3456-7890" in answer_box(page(client, people["citizen"], answered))


def test_a_note_between_desks_is_never_on_the_reporters_page(
    client, other_citizen, people, answered
):
    people = {**people, "other_citizen": other_citizen}
    for name in ("anonymous", "citizen", "other_citizen"):
        assert DESK_NOTE not in page(client, people[name], answered).content.decode(), name


def test_no_answer_box_before_the_agency_answers(client, citizen, people):
    report = submitted(citizen)
    wf.report_comment(report=report, actor=people["national_admin"], body="Sedang kami periksa.")
    assert answer_box(page(client, citizen, report)) == ""


def test_sent_back_says_a_new_answer_is_awaited(client, citizen, people, agency):
    report = responded(
        citizen,
        admin=people["national_admin"],
        agency=agency,
        agency_admin=people["agency_admin"],
    )
    assert "a new answer is awaited" not in answer_box(page(client, citizen, report))
    wf.report_answer(report=report, actor=citizen, body="Masih ada lubang di ujung jalan.")
    box = answer_box(page(client, citizen, report))
    assert FIRST in box
    assert "Sent back to the agency after this answer: a new answer is awaited." in box
