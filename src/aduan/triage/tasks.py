"""Tasks of triage (django-tasks): a report's duplicate fingerprint, written after the
commit that submitted (or redacted, or reopened) it, off the request."""

from __future__ import annotations

from django_tasks import task

from aduan.reports.models import Report

from .duplicates import fingerprints_write


@task()
def fingerprint_report(report_id: int) -> int:
    """Write (or drop, once it is no longer open) the rows of one report; 1 if written."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    return fingerprints_write([report])
