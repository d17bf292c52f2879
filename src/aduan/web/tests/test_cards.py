"""The report card built in Python (``web.cards``): what it shows, escaped, per reader."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from aduan.reports.models import EventAction, Report, Status
from aduan.reports.tests.factories import AttachmentFactory, ReportEventFactory, ReportFactory
from aduan.web.cards import EXCERPT_CHARS, report_card
from aduan.workflow.lists import THUMBNAILS, report_list_load

from .helpers import picture

pytestmark = pytest.mark.django_db


def test_a_card_escapes_what_people_wrote(citizen, category, region_tree):
    report = ReportFactory(
        verified=True,
        reporter=citizen,
        title='<script>alert("x")</script> & co',
        category=category,
        region=region_tree["district"],
    )
    with translation.override("en"):
        html = report_card(report, user=None, heading="h2")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</a></h2>" in html
    assert "Infrastructure" in html
    assert "Sukasari, Kota Bandung, Jawa Barat" in html
    assert f"/lacak/{report.tracking_id}/" in html
    assert "· Siti Rahmawati" in html
    assert "0 supporters" in html


def test_a_public_card_hides_an_anonymous_reporter_and_the_tracking_number(citizen):
    report = ReportFactory(verified=True, reporter=citizen, anonymous=True, confidential=True)
    with translation.override("en"):
        public = report_card(report, user=None)
        own = report_card(report, user=citizen, show_private=True)
    assert "Siti" not in public
    assert "· Anonymous" in public
    assert f"· {report.tracking_id}" not in public
    assert "Confidential" not in public
    assert f"· {report.tracking_id}" in own
    assert '<span class="badge">Confidential</span>' in own


def test_a_card_shows_support_a_search_highlight_and_only_known_headings(citizen):
    report = ReportFactory(verified=True, reporter=citizen, support_count=1)
    report.supported_by_me = True
    report.search_title = mark_safe("Jalan <mark>rusak</mark>")  # search_highlight's, escaped there
    report.search_snippet = "di depan <b>pasar</b>"
    with translation.override("en"):
        html = report_card(report, user=None, heading="script")
    assert "1 supporter · you support it" in html
    assert '<h3 class="card-title">' in html
    assert "Jalan <mark>rusak</mark>" in html
    assert "di depan &lt;b&gt;pasar&lt;/b&gt;" in html


# --- Excerpt, marker, picture (issue 14) ---------------------------------------------------


def _loaded(report, user=None, parts=frozenset({THUMBNAILS})):
    """``report`` read back as a list page reads it (``workflow.lists``)."""
    fresh = Report.objects.select_related("agency", "category").get(pk=report.pk)
    report_list_load([fresh], user=user, parts=parts)
    return fresh


def test_a_card_shows_an_excerpt_as_the_reader_may_read_it(citizen):
    body = "Hubungi saya di 0812-3456-7890. " + "Jalan di depan sekolah berlubang besar. " * 10
    report = ReportFactory(verified=True, reporter=citizen, body=body)
    with translation.override("en"):
        public = report_card(report, user=None)
        own = report_card(report, user=citizen, show_private=True)
    excerpt = re.search(r'<p class="excerpt">([^<]*)</p>', public).group(1)
    assert excerpt.startswith("Hubungi saya di [")
    assert "0812" not in public
    assert len(excerpt) <= EXCERPT_CHARS
    assert excerpt.endswith("…")
    assert "Hubungi saya di 0812-3456-7890." in own  # the reporter reads what they wrote


@pytest.mark.parametrize(
    ("status", "overdue", "marker"),
    [
        (Status.DISPOSITIONED, False, None),
        (Status.IN_PROGRESS, True, "late"),
        (Status.DISPOSITIONED, True, "late"),
        (Status.RESPONDED, False, "answered"),
        (Status.CLOSED, False, "answered"),
        # Answered, then sent back and late again: late, not answered.
        (Status.IN_PROGRESS, False, None),
    ],
)
def test_a_card_says_answered_or_past_the_deadline(citizen, agency, status, overdue, marker):
    report = ReportFactory(
        verified=True, reporter=citizen, agency=agency, status=status, is_overdue=overdue
    )
    with translation.override("id"):
        html = report_card(report, user=None)
    answered = '<span class="badge badge-answered">' in html
    late = '<span class="badge badge-late">' in html
    assert (answered, late) == (marker == "answered", marker == "late")
    assert ("Sudah dijawab" in html) is answered
    assert ("Melewati batas waktu" in html) is late
    assert "· PU" in html  # the agency, by its short name
    assert "0 dukungan" in html  # the support count


def test_a_card_shows_the_first_public_picture_lazily_at_its_size(citizen, agency):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency, title="Jalan rusak")
    first = picture(report, size=(640, 480))
    picture(report)
    with translation.override("en"):
        html = report_card(_loaded(report), user=None)
    src = reverse("web:attachment_thumbnail", args=[first.pk])
    assert (
        f'<img class="card-thumb" src="{src}" width="320" height="240" loading="lazy" '
        'decoding="async" alt="Photo of the report: Jalan rusak">'
    ) in html
    assert 'class="card card-report has-thumb"' in html


def test_no_picture_for_a_confidential_report_even_on_its_reporters_list(citizen, agency):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency, confidential=True)
    picture(report)
    loaded = _loaded(report, user=citizen)
    assert loaded.card_thumbnail is None
    assert "card-thumb" not in report_card(loaded, user=citizen, show_private=True)
    # Not verified yet: not public either.
    unverified = ReportFactory(reporter=citizen)
    picture(unverified)
    assert _loaded(unverified, user=citizen).card_thumbnail is None


def test_no_picture_from_a_note_between_desks(citizen, agency, people):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency)
    note = ReportEventFactory(report=report, action=EventAction.NOTE, is_public=False)
    internal = picture(report, actor=people["agency_admin"], event=note)
    assert _loaded(report).card_thumbnail is None
    # A picture of the agency's public response may be shown.
    response = ReportEventFactory(report=report, action=EventAction.RESPONDED)
    shown = picture(report, actor=people["agency_admin"], event=response)
    assert _loaded(report).card_thumbnail.pk == shown.pk != internal.pk


def test_a_document_gives_no_picture(citizen, agency):
    report = ReportFactory(verified=True, reporter=citizen, agency=agency)
    AttachmentFactory(report=report)
    assert _loaded(report).card_thumbnail is None
