"""Triage's background work (django-tasks): assessing reports as they reach the desk, a
report's duplicate fingerprint (written after the commit that submitted, redacted or
reopened it), and the nightly retraining, which ``router_retrain_job`` enqueues from the
periodic sweep."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

from aduan.reports.models import Report
from aduan.sla.services import NATIONAL_TIMEZONE

from .duplicates import fingerprints_write
from .services import assessments_open, router_train, waiting_assess
from .store import router_forget

RETRAIN_JOB = "triage_retrain"
WAITING_JOB = "triage_waiting"
CHECK_MINUTE = 30


@task()
def reports_assess_task(report_ids: list[int]) -> int:
    """Open the routing round of reports that wait for the desk (a report that has one
    keeps it); how many were looked at."""
    reports = list(Report.objects.filter(pk__in=report_ids))
    assessments_open(reports)
    return len(reports)


@task()
def router_retrain() -> str | None:
    """Train and keep a new router from the history; its version, or None (too little)."""
    row = router_train(limit=settings.ADUAN_TRIAGE_TRAINING_LIMIT)
    router_forget()
    return row.version if row else None


def router_retrain_job(*, now: dt.datetime, batch: int, stop_at: float) -> str | None:
    """Enqueue the retraining once a night at ``ADUAN_TRIAGE_RETRAIN_HOUR`` (national
    time); the date enqueued, else None. Looked at from minute 30 of that hour only (a
    sweep missed then is made up by the next), so the other sweeps cost nothing; a cache
    claim per date keeps it to once."""
    local = now.astimezone(ZoneInfo(NATIONAL_TIMEZONE))
    if local.hour != settings.ADUAN_TRIAGE_RETRAIN_HOUR or local.minute < CHECK_MINUTE:
        return None
    day = local.date().isoformat()
    key = f"aduan:triage-retrain:{day}"
    if not cache.add(key, "1", timeout=2 * 24 * 3600):
        return None
    try:
        router_retrain.enqueue()
    except Exception:
        with contextlib.suppress(Exception):
            cache.delete(key)
        raise
    return day


def waiting_assess_job(*, now: dt.datetime, batch: int, stop_at: float) -> int:
    """Every sweep: assess the reports waiting for the desk that have no open round."""
    return waiting_assess(batch=batch)


@task()
def report_intake_task(report_id: int) -> int:
    """A report just submitted: its routing round and its duplicate fingerprint, in one
    task (one queue row per submission instead of two); 1 if the fingerprint was written."""
    reports = list(Report.objects.filter(pk=report_id))
    assessments_open(reports)
    return fingerprints_write(reports) if reports else 0


@task()
def fingerprint_report(report_id: int) -> int:
    """Write (or drop, once it is no longer open) the rows of one report; 1 if written."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    return fingerprints_write([report])
