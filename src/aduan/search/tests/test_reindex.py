import io

import pytest
from django.core.management import call_command

from aduan.reports.models import Report
from aduan.reports.tests.factories import ReportFactory
from aduan.search.models import SearchEntry
from aduan.search.selectors import search_reports

pytestmark = pytest.mark.django_db


def test_search_reindex_rebuilds_rows_written_around_the_orm():
    """A bulk load (``bench/``) or an ``update()`` leaves the index behind; the command
    catches it up, in batches."""
    reports = [ReportFactory(verified=True, title=f"Banjir di blok {n}") for n in range(5)]
    Report.objects.filter(pk=reports[0].pk).update(title="Longsor di blok nol")
    SearchEntry.objects.filter(pk__in=[r.pk for r in reports[1:3]]).delete()
    assert search_reports(user=None, q="banjir").count() == 3  # one stale, two missing
    out = io.StringIO()
    call_command("search_reindex", batch_size=2, stdout=out, stderr=io.StringIO())
    assert "Indexed 5 reports." in out.getvalue()
    assert search_reports(user=None, q="banjir").count() == 4
    assert [r.pk for r in search_reports(user=None, q="longsor")] == [reports[0].pk]
    assert SearchEntry.objects.count() == 5


def test_a_save_that_leaves_the_text_alone_does_not_touch_the_index(django_assert_num_queries):
    report = ReportFactory(verified=True, title="Banjir di blok satu")
    report.is_overdue = True
    with django_assert_num_queries(1):
        report.save(update_fields=["is_overdue"])
