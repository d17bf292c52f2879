"""Data migrations run on the models of their own time, not on today's code."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aduan.reports.audit import UNSIGNED, chain_verify, event_digest
from aduan.reports.models import ReportEvent
from aduan.reports.tests.factories import ReportEventFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_chaining_old_events_uses_the_digest_of_its_time_and_verifies_today():
    """0002 chains events written before the audit chain. It must work on the historical
    ReportEvent (which has no ``target_agency``, added later) and give hashes that
    today's ``chain_verify`` accepts as a chain from before keys (ADR 0018), which
    ``verify_audit --sign-legacy`` then signs."""
    migration = importlib.import_module("aduan.reports.migrations.0002_workflow_and_audit_chain")
    state = MigrationExecutor(connection).loader.project_state(
        ("reports", "0002_workflow_and_audit_chain")
    )
    report = ReportFactory(verified=True)
    ReportEventFactory(report=report, action="comment", note="Catatan lama.")
    # Events of that time have no key id nor digest (0007 adds the columns empty).
    ReportEvent._base_manager.filter(report=report).update(key_id="", row_digest="", hash="")

    migration.chain_existing_events(state.apps, None)

    report.refresh_from_db()
    assert report.event_count == 2
    events = list(ReportEvent.objects.filter(report=report).order_by("seq"))
    # The same digest as today's plain one for events of that shape.
    assert [e.hash for e in events] == [
        event_digest(e, tracking_id=report.tracking_id) for e in events
    ]
    assert [str(b) for b in chain_verify()] == [f"{report.tracking_id} head: {UNSIGNED}"]
    call_command("verify_audit", "--sign-legacy", stdout=StringIO())
    assert list(chain_verify()) == []
