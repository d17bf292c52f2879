"""Data migrations run on the models of their own time, not on today's code."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aduan.reports.audit import chain_verify
from aduan.reports.models import ReportEvent
from aduan.reports.tests.factories import ReportEventFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_chaining_old_events_uses_the_digest_of_its_time_and_verifies_today():
    """0002 chains events written before the audit chain. It must work on the historical
    ReportEvent (which has no ``target_agency``, added later) and give hashes that
    today's ``chain_verify`` accepts."""
    migration = importlib.import_module("aduan.reports.migrations.0002_workflow_and_audit_chain")
    state = MigrationExecutor(connection).loader.project_state(
        ("reports", "0002_workflow_and_audit_chain")
    )
    report = ReportFactory(verified=True)
    ReportEventFactory(report=report, action="comment", note="Catatan lama.")
    before = list(ReportEvent.objects.filter(report=report).values_list("hash", flat=True))

    migration.chain_existing_events(state.apps, None)

    report.refresh_from_db()
    assert report.event_count == 2
    after = list(ReportEvent.objects.filter(report=report).values_list("hash", flat=True))
    assert after == before  # the same digest as today's for events of that shape
    assert list(chain_verify()) == []
