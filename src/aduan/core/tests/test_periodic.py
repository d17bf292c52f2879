"""The periodic jobs' registry: each app registers its own, the sweep runs them in order."""

from __future__ import annotations

import datetime as dt

import pytest

from aduan.core import periodic


def test_the_apps_register_their_jobs_in_the_order_the_sweep_always_ran_them():
    assert [job.name for job in periodic.periodic_jobs()] == [
        "stale_tasks",
        "deadlines",
        "triage_waiting",
        "notifications",
        "webhook_deliveries",
        "x_media",
        "attachments_pending",
        "orphan_files",
        "submission_keys",
        "api_tokens",
        "pending_uploads",
        "monthly_reports",
        "statistics_warm",
        "export_jobs",
        "triage_retrain",
    ]


def test_a_run_calls_every_job_in_order_and_keeps_what_each_returned(monkeypatch):
    monkeypatch.setattr(periodic, "_registry", {})
    calls = []

    def job(label):
        def run(*, now, batch, stop_at):
            calls.append((label, now, batch, stop_at))
            return label.upper()

        return run

    periodic.periodic_register(name="late", function=job("late"), order=20)
    periodic.periodic_register(name="b", function=job("b"), order=10)
    periodic.periodic_register(name="a", function=job("a"), order=10)
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert periodic.periodic_run(now=now, batch=7, stop_at=1.5) == {
        "a": "A",
        "b": "B",
        "late": "LATE",
    }
    assert calls == [("a", now, 7, 1.5), ("b", now, 7, 1.5), ("late", now, 7, 1.5)]


def test_registering_a_name_again_replaces_it_and_a_job_needs_a_name(monkeypatch):
    monkeypatch.setattr(periodic, "_registry", {})
    periodic.periodic_register(name="x", function=lambda **kw: 1, order=1)
    periodic.periodic_register(name="x", function=lambda **kw: 2, order=1)
    assert len(periodic.periodic_jobs()) == 1
    with pytest.raises(ValueError, match="name"):
        periodic.periodic_register(name="", function=lambda **kw: 0, order=1)


@pytest.mark.parametrize(("minute", "purged"), [(29, False), (30, True), (31, False)])
def test_pending_uploads_are_purged_once_an_hour(monkeypatch, minute, purged):
    """The web's job keeps the rule the sweep always had: the purge runs at minute 30."""
    from aduan.web import pending_uploads

    calls = []
    monkeypatch.setattr(pending_uploads, "pending_uploads_purge", lambda *, now: calls.append(now))
    job = next(j for j in periodic.periodic_jobs() if j.name == "pending_uploads")
    now = dt.datetime(2026, 3, 2, 9, minute, tzinfo=dt.UTC)
    job.function(now=now, batch=100, stop_at=0.0)
    assert calls == ([now] if purged else [])
