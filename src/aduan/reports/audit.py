"""The audit chain: every report event carries the signed hash of the one before it.

Each report's events form their own chain (seq 1, 2, 3 …), and the report row keeps the
chain's head (``event_count``, ``audit_head``). Per-report chains need no global lock, so
writers of different reports never wait for each other; the workflow already locks the
report row it changes, which serialises the writers of one chain.

Each event's ``hash`` is an HMAC-SHA256 under a key kept outside the database
(``audit_keys``, named by the event's ``key_id``) of its fields, the previous hash and a
digest of the report's audited fields after it (``AUDITED_COLUMNS``). ``chain_verify``
finds an edited, deleted or reordered event, a forged one, a chain cut at its end (the
head no longer matches) and a report row changed without an event; compared with a
checkpoint (``checkpoints``), a chain shortened or rewritten since. ADR 0018 says what
this proves and what it cannot.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, models, transaction

from .audit_keys import KeyRing, audit_keyring

if TYPE_CHECKING:
    from .models import Report, ReportEvent

GENESIS = "0" * 64

# The report's own fields each event vouches for, as they are after it: what was reported,
# by whom, who sees it, who handles it and where it stands. Each changes only through a
# service that writes an event after saving it (workflow.services, the admin's correction),
# so that a change of the row without an event shows. Not here: what the app keeps up to
# date without an event (deadlines and their due state, counters, ``updated_at``) and the
# chain's head itself. Changing this list changes the digest: only with a migration that
# re-signs the chains' last events (``chains_sign``).
AUDITED_COLUMNS = (
    "created_at",
    "channel",
    "reporter_id",
    "classification",
    "title",
    "body",
    "public_title",
    "public_body",
    "incident_date",
    "region_id",
    "latitude",
    "longitude",
    "category_id",
    "requested_agency_id",
    "anonymous",
    "confidential",
    "status",
    "agency_id",
    "disposed_agency_id",
    "merged_into_id",
)


def _plain(value: object) -> object:
    """A column's value as JSON, the same whichever database or Python object it came from."""
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def report_digest(values: Sequence[object]) -> str:
    """SHA-256 of the report's ``AUDITED_COLUMNS`` (``values`` in that order)."""
    payload = [[name, _plain(value)] for name, value in zip(AUDITED_COLUMNS, values, strict=True)]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _row_values(report: Report) -> list[object]:
    return [getattr(report, column) for column in AUDITED_COLUMNS]


def _event_fields(event: ReportEvent, tracking_id: str) -> list[object]:
    return [
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


def event_digest(event: ReportEvent, *, tracking_id: str) -> str:
    """The plain SHA-256 of an event written before the chain was keyed (ADR 0008)."""
    payload = _event_fields(event, tracking_id)
    if event.target_agency_id is not None:  # added later: absent from older events' digests
        payload.append(event.target_agency_id)
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def event_mac(event: ReportEvent, *, tracking_id: str, key: bytes) -> str:
    """HMAC-SHA256 under ``key`` of the event, the key's id, the report's digest after
    the event and the previous event's hash."""
    payload = [
        "aduan-event/2",
        event.key_id,
        *_event_fields(event, tracking_id),
        event.target_agency_id,
        event.row_digest,
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(key, encoded.encode("utf-8"), hashlib.sha256).hexdigest()


def event_chain(event: ReportEvent) -> None:
    """Fill in seq, prev_hash, the report's digest and hash, and move the report's head
    (inside a transaction, after the report's own change is saved)."""
    from .models import Report

    assert transaction.get_connection().in_atomic_block
    count, head, tracking_id, *row = (
        Report.objects.select_for_update()
        .filter(pk=event.report_id)
        .values_list("event_count", "audit_head", "tracking_id", *AUDITED_COLUMNS)
        .get()
    )
    count, head = _link(
        [event], count=count, head=head, tracking_id=tracking_id, row_digest=report_digest(row)
    )
    Report.objects.filter(pk=event.report_id).update(event_count=count, audit_head=head)


class StaleChainHead(RuntimeError):
    """``events_append`` was given a report whose head is no longer the database's."""


def events_append(
    *, report: Report, events: Sequence[ReportEvent], **report_changes: object
) -> None:
    """Chain ``events`` (new events of ``report``, in order) after the report's head and
    write them: one UPDATE of the report row (the head, and ``report_changes``: other
    columns the caller changes in the same transaction, never audited ones) and one
    INSERT of every event, where ``ReportEvent.save`` takes a read, an update and an
    insert for each.

    The caller holds the report row's lock (``SELECT … FOR UPDATE``) in this transaction
    and read ``report`` after taking it, so its ``event_count`` and ``audit_head`` are the
    chain's head and its audited fields the row's. A stale copy matches no row in the
    UPDATE (it is conditional on the count): ``StaleChainHead`` is raised and nothing of
    a broken chain is written."""
    from .models import Report, ReportEvent

    assert transaction.get_connection().in_atomic_block
    if not events:
        return
    for event in events:
        if event.pk is not None or event.report_id != report.pk:
            raise ValueError("events_append writes new events of the given report only.")
    audited = {name.removesuffix("_id") for name in AUDITED_COLUMNS} | set(AUDITED_COLUMNS)
    if audited & set(report_changes):
        raise ValueError("events_append changes no audited field; save those first.")
    count, head = _link(
        events,
        count=report.event_count,
        head=report.audit_head,
        tracking_id=report.tracking_id,
        row_digest=report_digest(_row_values(report)),
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


def events_append_many(
    appends: Sequence[tuple[Report, Sequence[ReportEvent]]], **report_changes: object
) -> None:
    """``events_append`` for many reports at once (the sweep's batch): each report's
    events chained after its head, then one UPDATE of every report row (its head, and
    ``report_changes``, the same expressions for all: e.g. a subquery on ``OuterRef("pk")``)
    and one INSERT of every event. The caller holds every report's lock; a stale copy
    raises ``StaleChainHead`` and the caller's transaction writes nothing."""
    from .models import Report, ReportEvent

    assert transaction.get_connection().in_atomic_block
    appends = [(report, events) for report, events in appends if events]
    if not appends:
        return
    if len({report.pk for report, _events in appends}) != len(appends):
        raise ValueError("events_append_many takes each report once.")
    audited = {name.removesuffix("_id") for name in AUDITED_COLUMNS} | set(AUDITED_COLUMNS)
    if audited & set(report_changes):
        raise ValueError("events_append_many changes no audited field; save those first.")
    heads = {}
    for report, events in appends:
        for event in events:
            if event.pk is not None or event.report_id != report.pk:
                raise ValueError("events_append_many writes new events of the given reports only.")
        heads[report.pk] = _link(
            events,
            count=report.event_count,
            head=report.audit_head,
            tracking_id=report.tracking_id,
            row_digest=report_digest(_row_values(report)),
        )

    def by_report(values: Mapping[int, object], field: models.Field) -> models.Case:
        return models.Case(
            *(models.When(pk=pk, then=models.Value(value)) for pk, value in values.items()),
            output_field=field,
        )

    meta = Report._meta
    moved = Report.objects.filter(
        pk__in=list(heads),
        event_count=by_report(
            {report.pk: report.event_count for report, _events in appends},
            meta.get_field("event_count"),
        ),
    ).update(
        event_count=by_report(
            {pk: count for pk, (count, _head) in heads.items()}, meta.get_field("event_count")
        ),
        audit_head=by_report(
            {pk: head for pk, (_count, head) in heads.items()}, meta.get_field("audit_head")
        ),
        **report_changes,
    )
    if moved != len(heads):
        raise StaleChainHead(f"{len(heads) - moved} reports: the chain's head moved since read")
    written = [event for _report, events in appends for event in events]
    if connection.features.can_return_rows_from_bulk_insert:  # as in ``events_append``
        ReportEvent._base_manager.bulk_create(written)
    else:
        for event in written:
            models.Model.save_base(event, force_insert=True)
    for report, _events in appends:
        report.event_count, report.audit_head = heads[report.pk]


def _link(
    events: Iterable[ReportEvent], *, count: int, head: str, tracking_id: str, row_digest: str
) -> tuple[int, str]:
    """Give each of ``events`` its place after ``(count, head)``, signed with the newest
    key; the new head."""
    ring = audit_keyring()
    for event in events:
        count += 1
        event.seq = count
        event.prev_hash = head or GENESIS
        event.key_id = ring.signing_id
        event.row_digest = row_digest
        # Sign the values exactly as the database will give them back.
        event.ip_address = (
            type(event)._meta.get_field("ip_address").get_prep_value(event.ip_address)
        )
        event.hash = head = event_mac(event, tracking_id=tracking_id, key=ring.signing_key)
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
    """How much ``chain_verify`` has walked so far (for the command's summary), and each
    intact chain's head (``heads``: tracking id → (seq, hash), for a checkpoint)."""

    reports: int = 0
    events: int = 0
    heads: dict[str, tuple[int, str]] | None = None


UNSIGNED = "no event is signed with a key yet (run `manage.py verify_audit --sign-legacy`)"


def chain_verify(
    *,
    batch_size: int = 500,
    tracking_ids: Collection[str] | None = None,
    tally: ChainTally | None = None,
    checkpoint: Mapping[str, tuple[int, str]] | None = None,
) -> Iterator[ChainBreak]:
    """Walk every report's chain (or only those of ``tracking_ids``) and yield each place
    it breaks; with ``checkpoint`` (tracking id → (seq, hash) of an earlier head), also
    each chain that no longer descends from its checkpointed head, and each checkpointed
    report that is gone. Reports are read ``batch_size`` at a time, with their events in
    one query."""
    from .models import Report, ReportEvent

    ring = audit_keyring()
    reports_qs = Report.objects.all()
    if tracking_ids is not None:
        reports_qs = reports_qs.filter(tracking_id__in=list(tracking_ids))
    unseen = set(checkpoint or ())
    if tracking_ids is not None:
        unseen &= set(tracking_ids)
    last_pk = 0
    while True:
        reports = list(
            reports_qs.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "tracking_id", "event_count", "audit_head", *AUDITED_COLUMNS)[
                :batch_size
            ]
        )
        if not reports:
            break
        last_pk = reports[-1][0]
        events_by_report: dict[int, list[ReportEvent]] = {pk: [] for pk, *_ in reports}
        for event in ReportEvent.objects.filter(report_id__in=events_by_report).order_by(
            "report_id", "seq"
        ):
            events_by_report[event.report_id].append(event)
        for pk, tracking_id, event_count, audit_head, *row in reports:
            events = events_by_report[pk]
            breaks = list(
                _verify_one(tracking_id, events, event_count, audit_head, report_digest(row), ring)
            )
            if checkpoint is not None and tracking_id in checkpoint:
                unseen.discard(tracking_id)
                breaks += _compare_one(tracking_id, events, checkpoint[tracking_id])
            if tally is not None:
                tally.reports += 1
                tally.events += len(events)
                if tally.heads is not None and not breaks and events:
                    tally.heads[tracking_id] = (events[-1].seq, events[-1].hash)
            yield from breaks
    for tracking_id in sorted(unseen):
        yield ChainBreak(tracking_id, None, "the report is gone since the checkpoint")


def _verify_one(
    tracking_id: str,
    events: Sequence[ReportEvent],
    event_count: int,
    audit_head: str,
    row_digest: str,
    ring: KeyRing,
) -> Iterator[ChainBreak]:
    expected_prev = GENESIS
    expected_seq = 1
    signed = False
    for event in events:
        if event.seq != expected_seq:
            yield ChainBreak(tracking_id, expected_seq, f"missing (next found is {event.seq})")
        if event.prev_hash != expected_prev:
            yield ChainBreak(tracking_id, event.seq, "does not follow the previous event")
        if not event.key_id:
            # Written before keys (ADR 0008): a signed event after it vouches for it, as
            # its HMAC covers this event's hash; an unsigned one after a signed one is a
            # downgrade by someone without the key.
            if signed:
                yield ChainBreak(tracking_id, event.seq, "is not signed, after signed events")
            elif event_digest(event, tracking_id=tracking_id) != event.hash:
                yield ChainBreak(tracking_id, event.seq, "was changed after it was written")
        else:
            signed = True
            key = ring.keys.get(event.key_id)
            if key is None:
                yield ChainBreak(
                    tracking_id, event.seq, f"is signed with an unknown key {event.key_id!r}"
                )
            elif not hmac.compare_digest(
                event_mac(event, tracking_id=tracking_id, key=key), event.hash
            ):
                yield ChainBreak(tracking_id, event.seq, "was changed after it was written")
        expected_prev = event.hash
        expected_seq = event.seq + 1
    last_seq = events[-1].seq if events else 0
    if event_count != last_seq or (audit_head or GENESIS) != expected_prev:
        yield ChainBreak(tracking_id, None, "the newest events are missing")
    if events and not signed:
        yield ChainBreak(tracking_id, None, UNSIGNED)
    elif events and events[-1].row_digest and events[-1].row_digest != row_digest:
        yield ChainBreak(tracking_id, None, "the report was changed without an event")


def _compare_one(
    tracking_id: str, events: Sequence[ReportEvent], head: tuple[int, str]
) -> list[ChainBreak]:
    """The chain must still hold the checkpointed head (the rest of it is checked above)."""
    seq, hash_ = head
    held = next((event for event in events if event.seq == seq), None)
    if held is None:
        last = events[-1].seq if events else 0
        return [
            ChainBreak(
                tracking_id,
                None,
                f"shorter than at the checkpoint ({last} events, the checkpoint has {seq})",
            )
        ]
    if not hmac.compare_digest(held.hash, hash_):
        return [ChainBreak(tracking_id, seq, "differs from the checkpoint (rewritten since)")]
    return []


@dataclass
class SignResult:
    signed: list[str] = field(default_factory=list)
    refused: list[ChainBreak] = field(default_factory=list)


def chains_sign(*, batch_size: int = 500) -> SignResult:
    """Sign every chain none of whose events is signed yet (written before keys came):
    each chain is checked as ADR 0008 checked it, then its last event is signed with the
    newest key and the report's digest now, which vouches for every event before it. A
    broken chain is left as it is and reported. One transaction per report, which holds
    the report row's lock."""
    from .models import Report, ReportEvent

    ring = audit_keyring()
    result = SignResult()
    # Reports some of whose events have no key id; whether one has a signed event is
    # decided under the lock (a new event may come meanwhile).
    candidates = (
        Report.objects.filter(events__key_id="").order_by("pk").values_list("pk", flat=True)
    )
    last_pk = 0
    while True:
        batch = list(candidates.filter(pk__gt=last_pk).distinct()[:batch_size])
        if not batch:
            return result
        last_pk = batch[-1]
        for pk in batch:
            with transaction.atomic():
                count, head, tracking_id, *row = (
                    Report.objects.select_for_update()
                    .filter(pk=pk)
                    .values_list("event_count", "audit_head", "tracking_id", *AUDITED_COLUMNS)
                    .get()
                )
                events = list(ReportEvent.objects.filter(report_id=pk).order_by("seq"))
                if any(event.key_id for event in events):
                    continue
                digest = report_digest(row)
                breaks = [
                    b
                    for b in _verify_one(tracking_id, events, count, head, digest, ring)
                    if b.problem != UNSIGNED
                ]
                if breaks:
                    result.refused += breaks
                    continue
                last = events[-1]
                last.key_id, last.row_digest = ring.signing_id, digest
                last.hash = event_mac(last, tracking_id=tracking_id, key=ring.signing_key)
                ReportEvent._base_manager.filter(pk=last.pk).update(
                    key_id=last.key_id, row_digest=last.row_digest, hash=last.hash
                )
                Report.objects.filter(pk=pk).update(audit_head=last.hash)
                result.signed.append(tracking_id)
