"""The duplicate fingerprints of ``triage`` (an app below this one) kept in step with the
report's events: written after the commit of a new text or a reopening, dropped with
the event that closes, archives or merges the report. Registered in ``apps.ready``."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from aduan.reports.models import OPEN_STATUSES, EventAction, Report, ReportEvent
from aduan.triage.duplicates import fingerprint_drop, is_fingerprinted

from .listeners import ReportListener, ReportNews

# The text compared changes, or the report is open again.
_REWRITE = frozenset({EventAction.SUBMITTED, EventAction.REDACTED, EventAction.REOPENED})


def _enqueue(report_id: int) -> None:
    from aduan.triage.tasks import fingerprint_report

    fingerprint_report.enqueue(report_id=report_id)


class FingerprintListener(ReportListener):
    name = "triage_fingerprints"

    def hear(self, news: ReportNews) -> None:
        """News says nothing the fingerprints need (``recorded`` sees every event)."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:
        if not is_fingerprinted(report):
            if event.from_status in OPEN_STATUSES:
                # Just closed, archived or merged: nobody's original any more.
                fingerprint_drop([report.pk])
        elif event.action in _REWRITE:
            transaction.on_commit(partial(_enqueue, report.pk), robust=True)
