"""The audit chain: every report event carries the hash of the one before it.

Each report's events form their own chain (seq 1, 2, 3 …), and the report row keeps the
chain's head (``event_count``, ``audit_head``). Per-report chains need no global lock, so
writers of different reports never wait for each other; the workflow already locks the
report row it changes, which serialises the writers of one chain.

What the chain proves: an event edited in place (its hash no longer matches), an event
deleted from the middle (a gap in seq, and the next event's prev_hash does not match) or
from the end (the report's head no longer matches). ``manage.py verify_audit`` walks every
chain and says where one breaks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, models, transaction

if TYPE_CHECKING:
    from .models import Report, ReportEvent

GENESIS = "0" * 64


def event_digest(event: ReportEvent, *, tracking_id: str) -> str:
    """SHA-256 over the event's fields in a fixed, documented order."""
    payload = [
        tracking_id,
        event.seq,
        event.actor_id,
        event.actor_role,
        event.actor_agency_id,
        event.action,
        event.from_status,
        event.to_status,
        event.note,
        bool(event.is_public),
        event.ip_address or "",
        event.created_at.isoformat(timespec="microseconds"),
        event.prev_hash,
    ]
    if event.target_agency_id is not None:  # added later: absent from older events' digests
        payload.append(event.target_agency_id)
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def event_chain(event: ReportEvent) -> None:
    """Fill in seq, prev_hash and hash, and move the report's head (inside a transaction)."""
    from .models import Report

    assert transaction.get_connection().in_atomic_block
    count, head, tracking_id = (
        Report.objects.select_for_update()
        .filter(pk=event.report_id)
        .values_list("event_count", "audit_head", "tracking_id")
        .get()
    )
    count, head = _link([event], count=count, head=head, tracking_id=tracking_id)
    Report.objects.filter(pk=event.report_id).update(event_count=count, audit_head=head)


class StaleChainHead(RuntimeError):
    """``events_append`` was given a report whose head is no longer the database's."""


def events_append(
    *, report: Report, events: Sequence[ReportEvent], **report_changes: object
) -> None:
    """Chain ``events`` (new events of ``report``, in order) after the report's head and
    write them: one UPDATE of the report row (the head, and ``report_changes``: other
    columns the caller changes in the same transaction) and one INSERT of every event,
    where ``ReportEvent.save`` takes a read, an update and an insert for each.

    The caller holds the report row's lock (``SELECT … FOR UPDATE``) in this transaction
    and read ``report`` after taking it, so its ``event_count`` and ``audit_head`` are the
    chain's head. A stale copy matches no row in the UPDATE (it is conditional on the
    count): ``StaleChainHead`` is raised and nothing of a broken chain is written."""
    from .models import Report, ReportEvent

    assert transaction.get_connection().in_atomic_block
    if not events:
        return
    for event in events:
        if event.pk is not None or event.report_id != report.pk:
            raise ValueError("events_append writes new events of the given report only.")
    count, head = _link(
        events, count=report.event_count, head=report.audit_head, tracking_id=report.tracking_id
    )
    moved = Report.objects.filter(pk=report.pk, event_count=report.event_count).update(
        event_count=count, audit_head=head, **report_changes
    )
    if moved != 1:
        raise StaleChainHead(f"report {report.pk}: the chain's head moved since it was read")
    # ``ReportEvent.objects`` refuses bulk_create because it skips ``save()`` and with it
    # the chain: the events are chained above. The ids come back from the INSERT
    # (RETURNING, PostgreSQL and SQLite 3.35+); elsewhere they are written one by one.
    if connection.features.can_return_rows_from_bulk_insert:
        ReportEvent._base_manager.bulk_create(events)
    else:
        for event in events:
            models.Model.save_base(event, force_insert=True)
    report.event_count, report.audit_head = count, head


def _link(
    events: Iterable[ReportEvent], *, count: int, head: str, tracking_id: str
) -> tuple[int, str]:
    """Give each of ``events`` its place after ``(count, head)``; the new head."""
    for event in events:
        count += 1
        event.seq = count
        event.prev_hash = head or GENESIS
        # Hash the values exactly as the database will give them back.
        event.ip_address = (
            type(event)._meta.get_field("ip_address").get_prep_value(event.ip_address)
        )
        event.hash = head = event_digest(event, tracking_id=tracking_id)
    return count, head


@dataclass(frozen=True)
class ChainBreak:
    tracking_id: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "head"
        return f"{self.tracking_id} {where}: {self.problem}"


@dataclass
class ChainTally:
    """How much ``chain_verify`` has walked so far (for the command's summary)."""

    reports: int = 0
    events: int = 0


def chain_verify(
    *,
    batch_size: int = 500,
    tracking_ids: Collection[str] | None = None,
    tally: ChainTally | None = None,
) -> Iterator[ChainBreak]:
    """Walk every report's chain (or only those of ``tracking_ids``) and yield each place
    it breaks. Reports are read ``batch_size`` at a time, with their events in one query."""
    from .models import Report, ReportEvent

    reports_qs = Report.objects.all()
    if tracking_ids is not None:
        reports_qs = reports_qs.filter(tracking_id__in=list(tracking_ids))
    last_pk = 0
    while True:
        reports = list(
            reports_qs.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "tracking_id", "event_count", "audit_head")[:batch_size]
        )
        if not reports:
            return
        last_pk = reports[-1][0]
        events_by_report: dict[int, list[ReportEvent]] = {pk: [] for pk, *_ in reports}
        for event in ReportEvent.objects.filter(report_id__in=events_by_report).order_by(
            "report_id", "seq"
        ):
            events_by_report[event.report_id].append(event)
        for pk, tracking_id, event_count, audit_head in reports:
            if tally is not None:
                tally.reports += 1
                tally.events += len(events_by_report[pk])
            yield from _verify_one(tracking_id, events_by_report[pk], event_count, audit_head)


def _verify_one(tracking_id, events, event_count, audit_head) -> Iterator[ChainBreak]:
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            yield ChainBreak(tracking_id, expected_seq, f"missing (next found is {event.seq})")
        if event.prev_hash != expected_prev:
            yield ChainBreak(tracking_id, event.seq, "does not follow the previous event")
        if event_digest(event, tracking_id=tracking_id) != event.hash:
            yield ChainBreak(tracking_id, event.seq, "was changed after it was written")
        expected_prev = event.hash
        expected_seq = event.seq + 1
    last_seq = events[-1].seq if events else 0
    if event_count != last_seq or (audit_head or GENESIS) != expected_prev:
        yield ChainBreak(tracking_id, None, "the newest events are missing")
