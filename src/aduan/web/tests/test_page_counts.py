"""A web list counts its rows up to a little past the page being read (``page_count_cap``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.core import pagination
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "cap"), [(None, 12), ("", 12), ("x", 12), ("-3", 12), ("1", 12), ("4", 18)]
)
def test_the_cap_follows_the_page(settings, monkeypatch, page, cap):
    monkeypatch.setattr(pagination, "PAGE_COUNT_AHEAD", 10)
    settings.ADUAN_COUNT_CAP = 10_000
    assert pagination.page_count_cap(page, 2) == cap


def test_never_above_the_count_cap(settings):
    settings.ADUAN_COUNT_CAP = 50
    assert pagination.page_count_cap("999999999999", 20) == 50


def test_the_feed_says_more_until_the_last_pages(client, settings, monkeypatch):
    monkeypatch.setattr(pagination, "PAGE_COUNT_AHEAD", 2)
    settings.ADUAN_PAGE_SIZE = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for n in range(5):
        ReportFactory(verified=True, title=f"Lampu jalan mati nomor {n}")
    first = client.get(reverse("web:feed")).content.decode()
    assert "More than 3 reports" in first
    assert "Page 1 of more than 3" in first
    assert 'rel="next"' in first
    fourth = client.get(reverse("web:feed"), {"page": 4}).content.decode()
    assert "5 reports" in fourth
    assert "Page 4 of 5" in fourth
