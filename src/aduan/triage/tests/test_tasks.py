"""A report reaching the desk is assessed on a worker after the commit; the retraining is
enqueued once a night from the periodic sweep."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from aduan.accounts.tests.factories import UserFactory
from aduan.core.periodic import periodic_jobs
from aduan.triage.models import Assessment, RouterModel
from aduan.triage.tasks import RETRAIN_JOB, router_retrain_job, waiting_assess_job

from .history import build_history, submit

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


def test_a_submission_is_assessed_after_its_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = submit(UserFactory(), "Jalan berlubang di depan pasar")
    assert callbacks
    assert Assessment.objects.filter(report=report, decided_at__isnull=True).count() == 1


def test_a_rolled_back_submission_enqueues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(UserFactory(), "Jalan berlubang di depan pasar")
    assert len(callbacks) >= 1  # run only if the transaction commits
    assert not Assessment.objects.exists()


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_retraining_runs_once_a_night_at_its_hour(settings, clean_cache):
    build_history()
    settings.ADUAN_TRIAGE_RETRAIN_HOUR = 2
    at = dt.datetime(2026, 12, 3, 2, 30, tzinfo=WIB)
    assert router_retrain_job(now=at - dt.timedelta(hours=1), batch=100, stop_at=0) is None
    assert router_retrain_job(now=at - dt.timedelta(minutes=1), batch=100, stop_at=0) is None
    assert router_retrain_job(now=at, batch=100, stop_at=0) == "2026-12-03"
    assert RouterModel.objects.count() == 1  # the immediate task backend trained it
    assert router_retrain_job(now=at, batch=100, stop_at=0) is None  # once a night
    assert router_retrain_job(now=at + dt.timedelta(minutes=5), batch=100, stop_at=0) is None
    assert router_retrain_job(now=at + dt.timedelta(days=1), batch=100, stop_at=0)
    assert RouterModel.objects.count() == 2


def test_the_job_is_in_the_periodic_registry():
    assert RETRAIN_JOB in [job.name for job in periodic_jobs()]


def test_the_sweep_assesses_waiting_reports_that_have_no_open_round():
    citizen = UserFactory()
    reports = [submit(citizen, f"Jalan berlubang nomor {n}") for n in range(3)]
    assert not Assessment.objects.exists()  # their tasks never ran (no commit here)
    assert waiting_assess_job(now=None, batch=2, stop_at=0) == 2
    assert waiting_assess_job(now=None, batch=2, stop_at=0) == 1
    assert waiting_assess_job(now=None, batch=2, stop_at=0) == 0
    assert {a.report_id for a in Assessment.objects.all()} == {r.pk for r in reports}
