"""Triage hears of every report event (``workflow.listeners``) to keep the duplicate
fingerprints of open reports, and only theirs."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from aduan.reports.models import EventAction, Report, ReportEvent
from aduan.workflow.listeners import ReportListener, ReportNews

from .duplicates import fingerprint_drop, is_fingerprinted

# The text compared changes, or the report is open again.
_REWRITE = frozenset({EventAction.SUBMITTED, EventAction.REDACTED, EventAction.REOPENED})


def _enqueue(report_id: int) -> None:
    from .tasks import fingerprint_report

    fingerprint_report.enqueue(report_id=report_id)


class FingerprintListener(ReportListener):
    name = "triage_fingerprints"

    def hear(self, news: ReportNews) -> None:
        """News says nothing the fingerprints need (``recorded`` sees every event)."""

    def recorded(self, *, report: Report, event: ReportEvent) -> None:
        if not is_fingerprinted(report):
            # Closed, archived or merged: no longer anyone's original, in this transaction.
            fingerprint_drop([report.pk])
        elif event.action in _REWRITE:
            transaction.on_commit(partial(_enqueue, report.pk), robust=True)
