"""``audit.events_append``: several events of a locked report chained and written in one
UPDATE and one INSERT (the sweep's overdue mark), the same chain as one by one."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection, transaction

from aduan.reports.audit import StaleChainHead, chain_verify, events_append
from aduan.reports.models import Report, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def system_event(report: Report, note: str) -> ReportEvent:
    return ReportEvent(
        report=report,
        actor_role="system",
        action="overdue",
        from_status=report.status,
        to_status=report.status,
        note=note,
        is_public=False,
    )


def locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def test_events_are_chained_after_the_head_in_one_update_and_one_insert(
    django_assert_num_queries,
):
    report = ReportFactory(status=Status.IN_PROGRESS)  # with its ``submitted`` event
    row = locked(report)
    head = (row.event_count, row.audit_head)
    events = [system_event(row, "first"), system_event(row, "second")]
    with django_assert_num_queries(2):
        events_append(report=row, events=events, is_overdue=True)
    assert [event.seq for event in events] == [head[0] + 1, head[0] + 2]
    assert events[0].prev_hash == head[1]
    assert events[1].prev_hash == events[0].hash
    assert all(event.pk for event in events)
    report.refresh_from_db()
    assert (report.event_count, report.audit_head) == (head[0] + 2, events[1].hash)
    assert (row.event_count, row.audit_head) == (report.event_count, report.audit_head)
    assert report.is_overdue
    # An event written the usual way afterwards follows them.
    later = ReportEvent.objects.create(report=report, action="comment", note="Lanjut")
    assert (later.seq, later.prev_hash) == (head[0] + 3, events[1].hash)
    assert list(chain_verify()) == []


def test_a_stale_copy_of_the_report_writes_nothing():
    report = ReportFactory(status=Status.IN_PROGRESS)
    stale = locked(report)
    ReportEvent.objects.create(report=report, action="comment", note="Ditulis lebih dulu")
    with pytest.raises(StaleChainHead), transaction.atomic():
        events_append(report=stale, events=[system_event(stale, "late")], is_overdue=True)
    report.refresh_from_db()
    assert not report.is_overdue
    assert not ReportEvent.objects.filter(note="late").exists()
    assert list(chain_verify()) == []


def test_only_new_events_of_the_same_report_are_taken():
    report, other = ReportFactory(), ReportFactory()
    row = locked(report)
    with pytest.raises(ValueError, match="new events of the given report"):
        events_append(report=row, events=[system_event(other, "elsewhere")])
    written = ReportEvent.objects.filter(report=report).first()
    with pytest.raises(ValueError, match="new events of the given report"):
        events_append(report=row, events=[written])
    assert list(chain_verify()) == []


def test_outside_a_transaction_it_refuses():
    report = ReportFactory()
    with mock.patch.object(connection, "in_atomic_block", False), pytest.raises(AssertionError):
        events_append(report=report, events=[system_event(report, "x")])


def test_without_insert_returning_the_events_are_written_one_by_one():
    """A database that cannot return ids from a multi-row INSERT (SQLite before 3.35)."""
    features = connection.features
    name = "can_return_rows_from_bulk_insert"
    report = ReportFactory(status=Status.IN_PROGRESS)
    row = locked(report)
    events = [system_event(row, "first"), system_event(row, "second")]
    with (
        mock.patch.object(type(features), name, False),
        mock.patch.dict(features.__dict__, {name: False}),
    ):
        events_append(report=row, events=events)
    assert all(event.pk for event in events)
    assert list(
        ReportEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("note", flat=True)
    ) == ["first", "second"]
    assert list(chain_verify()) == []
