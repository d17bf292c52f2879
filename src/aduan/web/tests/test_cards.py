"""The report card built in Python (``web.cards``): what it shows, escaped, per reader."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.safestring import mark_safe

from aduan.reports.tests.factories import ReportFactory
from aduan.web.cards import report_card

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
