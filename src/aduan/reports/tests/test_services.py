"""The operator's correction in the admin site (``report_filing_correct``): only how a
report is filed, saved with its event (the admin's own test posts the form)."""

from __future__ import annotations

import pytest

from aduan.accounts.models import User
from aduan.reports.audit import chain_verify
from aduan.reports.models import Report
from aduan.reports.services import report_filing_correct
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return User.objects.create_superuser("operator@example.id", "sandi-rahasia-123")


def test_only_the_fields_given_are_saved_from_the_copy(operator):
    report = ReportFactory(confidential=False)
    copy = Report.objects.get(pk=report.pk)
    copy.confidential = True
    copy.title = "Judul yang tidak boleh diubah di sini"  # not among the fields given
    report_filing_correct(report=copy, actor=operator, fields=["confidential"])
    report.refresh_from_db()
    assert report.confidential is True
    assert report.title != copy.title
    assert report.event_count == 2
    assert list(chain_verify()) == []


def test_nothing_changed_writes_nothing(operator):
    report = ReportFactory()
    report_filing_correct(report=report, actor=operator, fields=[])
    assert Report.objects.get(pk=report.pk).event_count == 1


def test_fields_the_workflow_owns_are_refused(operator):
    report = ReportFactory()
    report.status = "closed"
    with pytest.raises(ValueError, match="not correctable in the admin"):
        report_filing_correct(report=report, actor=operator, fields=["status"])
    assert Report.objects.get(pk=report.pk).status != "closed"
