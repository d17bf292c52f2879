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
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from .models import ReportEvent

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
    event.seq = count + 1
    event.prev_hash = head or GENESIS
    # Hash the values exactly as the database will give them back.
    event.ip_address = type(event)._meta.get_field("ip_address").get_prep_value(event.ip_address)
    event.hash = event_digest(event, tracking_id=tracking_id)
    Report.objects.filter(pk=event.report_id).update(event_count=event.seq, audit_head=event.hash)


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
