"""Near-duplicates on the web: the desk's queue flags a likely repost with its original
and merges it in one click; the citizen's "similar reports" lists near-duplicates first,
only those the citizen may see."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.accounts.tests.factories import OversightFactory
from aduan.reports.models import EventAction, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.search.selectors import similar_open_reports
from aduan.triage.duplicates import fingerprints_write
from aduan.triage.tests.samples import ORIGINAL, REPOST, UNRELATED

from .staff_helpers import sign_in, text

pytestmark = pytest.mark.django_db

QUEUE = reverse("web:staff_queue")
SIMILAR = reverse("web:report_similar")


def fingerprinted(text_pair, **fields):
    title, body = text_pair
    report = ReportFactory(title=title, body=body, **fields)
    fingerprints_write([report])
    return report


def merge_forms(html: str) -> list[tuple[str, str]]:
    """(action URL, ``into``) of each one-click merge form of a page."""
    forms = re.findall(
        r'<form method="post" action="([^"]+)" class="quick-merge">(.*?)</form>', html, re.S
    )
    return [(url, re.search(r'name="into" value="([^"]+)"', body).group(1)) for url, body in forms]


# --- The desk's queue ------------------------------------------------------------------------


def test_the_queue_flags_a_likely_duplicate_and_merges_it_in_one_click(client, people):
    original = fingerprinted(ORIGINAL, status=Status.DISPOSITIONED)
    repost = fingerprinted(REPOST)
    unrelated = fingerprinted(UNRELATED)
    sign_in(client, people["national_admin"])
    page = client.get(QUEUE)
    html = page.content.decode()
    assert f"Likely duplicate of {original.tracking_id}" in text(page)
    original_url = reverse("web:staff_report", args=[original.tracking_id])
    assert f'<a href="{original_url}">Likely duplicate of {original.tracking_id}</a>' in html
    repost_url = reverse("web:staff_report", args=[repost.tracking_id])
    assert merge_forms(html) == [(repost_url, original.tracking_id)]
    assert f"Merge into {original.tracking_id}" in text(page)
    assert "Likely duplicate of" not in _row(html, unrelated.tracking_id)

    form = re.search(r'class="quick-merge">(.*?)</form>', html, re.S).group(1)
    data = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    response = client.post(repost_url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    repost.refresh_from_db()
    assert repost.status == Status.ARCHIVED
    assert repost.merged_into == original
    assert repost.events.filter(action=EventAction.MERGED).exists()
    assert merge_forms(client.get(QUEUE).content.decode()) == []


def _row(html: str, tracking_id: str) -> str:
    return re.search(rf'data-tracking-id="{tracking_id}">(.*?)</tr>', html, re.S).group(1)


def test_oversight_sees_the_flag_without_the_merge_button(client, people):
    original = fingerprinted(ORIGINAL)
    fingerprinted(REPOST)
    sign_in(client, OversightFactory())
    page = client.get(QUEUE)
    assert f"Likely duplicate of {original.tracking_id}" in text(page)
    assert merge_forms(page.content.decode()) == []


def test_a_closed_or_merged_original_is_not_offered(client, people):
    closed = fingerprinted(ORIGINAL)
    merged = fingerprinted(ORIGINAL)
    fingerprinted(REPOST)
    ReportFactory._meta.model.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    ReportFactory._meta.model.objects.filter(pk=merged.pk).update(merged_into=closed)
    sign_in(client, people["national_admin"])
    page = client.get(QUEUE)
    assert "Likely duplicate of" not in text(page)
    assert merge_forms(page.content.decode()) == []


@pytest.mark.parametrize("pairs", [1, 6])
def test_the_candidates_of_a_page_cost_the_same_queries_whatever_its_rows(
    client, people, settings, pairs
):
    settings.ADUAN_PAGE_SIZE = 30
    fingerprinted(UNRELATED)
    sign_in(client, people["national_admin"])
    # Each measure follows an unmeasured request: the factories add directory rows, and
    # the first request after that reloads the per-process directory memo.
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as alone:
        client.get(QUEUE)
    for _ in range(pairs):
        fingerprinted(ORIGINAL)
        fingerprinted(REPOST)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as full:
        page = client.get(QUEUE)
    # Every report but the first of its story repeats an earlier one.
    assert len(merge_forms(page.content.decode())) == 2 * pairs - 1
    # Without candidates the bands' query alone; with them, their signatures' one more.
    assert len(full) == len(alone) + 1


# --- The citizen's form ----------------------------------------------------------------------


def test_near_duplicates_come_first_in_the_similar_reports(client, other_citizen):
    original = fingerprinted(ORIGINAL, verified=True)
    # The draft's words, sorted: the word search's best match, not a repost of the story.
    words = sorted(set(re.findall(r"[a-z]+", " ".join(REPOST).lower())))
    salad = fingerprinted(
        (" ".join(words[:8]), " ".join(words[8:]) + " " + " ".join(words[:8])), verified=True
    )
    client.force_login(other_citizen)
    html = client.get(SIMILAR, {"title": REPOST[0], "body": REPOST[1]}).content.decode()
    assert original.tracking_id in html
    assert salad.tracking_id in html
    assert html.index(original.tracking_id) < html.index(salad.tracking_id)


def test_near_duplicates_are_listed_only_where_the_citizen_may_see_them(other_citizen):
    """The near-duplicates pass the form's own rule: public, verified, open, not one's own."""
    public = fingerprinted(ORIGINAL, verified=True)
    confidential = fingerprinted(ORIGINAL, verified=True, confidential=True)
    unverified = fingerprinted(ORIGINAL)
    own = fingerprinted(ORIGINAL, verified=True, reporter=other_citizen)
    closed = fingerprinted(ORIGINAL, verified=True, status=Status.CLOSED)
    near = [confidential.pk, unverified.pk, own.pk, closed.pk, public.pk]
    # A draft whose words match none of them: only the near-duplicates can list them.
    listed = similar_open_reports(
        "Izin usaha", "Pengurusan izin lama.", user=other_citizen, near=near
    )
    assert [r.pk for r in listed] == [public.pk]
    assert similar_open_reports("Izin usaha", "Pengurusan izin lama.", user=other_citizen) == []
