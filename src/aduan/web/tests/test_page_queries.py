"""The report pages send the same number of queries whatever the length of the report's
timeline (the list pages have theirs: test_feed, test_staff_inbox, test_staff_queue)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.reports.models import EventAction, Status
from aduan.reports.tests.factories import AttachmentFactory, ReportEventFactory, ReportFactory

from .staff_helpers import sign_in

pytestmark = pytest.mark.django_db

# Measured on 1 and 30 events: the same count.
TRACKING_QUERIES = 8
STAFF_REPORT_QUERIES = 15


def _with_timeline(events: int, **report):
    """A report with ``events`` comments after its submission, every third with a file."""
    report = ReportFactory(**report)
    for n in range(events):
        event = ReportEventFactory(
            report=report, action=EventAction.COMMENTED, note=f"Tanggapan nomor {n}"
        )
        if n % 3 == 0:
            AttachmentFactory(report=report, event=event)
    return report


@pytest.mark.parametrize("events", [1, 30])
def test_tracking_page(client, citizen, agency, events, django_assert_max_num_queries):
    report = _with_timeline(events, verified=True, reporter=citizen, agency=agency)
    sign_in(client, citizen)
    url = reverse("web:track_detail", args=[report.tracking_id])
    client.get(url)
    with django_assert_max_num_queries(TRACKING_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Tanggapan nomor") == events


@pytest.mark.parametrize("events", [1, 30])
def test_staff_report_page(client, people, agency, events, django_assert_max_num_queries):
    report = _with_timeline(events, status=Status.DISPOSITIONED, agency=agency)
    sign_in(client, people["agency_admin"])
    url = reverse("web:staff_report", args=[report.tracking_id])
    client.get(url)
    with django_assert_max_num_queries(STAFF_REPORT_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Tanggapan nomor") == events
