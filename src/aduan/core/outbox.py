"""The one claim/send/retry loop of the outbox tables (notifications, agency webhooks,
mail answers). A row is claimed with one conditional UPDATE (whoever updates nothing lost
the race, so a row another worker holds is skipped), sent outside any transaction, then
marked sent, retried on the schedule of ``core.retry`` or given up. A table says only how
to send one row and what ends it otherwise (an ``Outbox`` subclass).

A send that succeeded while the database went away (a restart, a failover) is recorded
once it is back (``RECORD_PATIENCE_SECONDS`` at most): what is known is written, not
guessed later. Past that (or if the worker dies), the row stays ``sending`` with its
start stamped, and the table's sweep decides what an unrecorded send means."""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from aduan.core.reconnect import DatabaseBackoff, call_with_reconnect
from aduan.core.retry import MAX_ATTEMPTS, backoff_after, worker_id

# Longer than a restart or a failover takes; a worker holds its row this long at most.
RECORD_PATIENCE_SECONDS = 60.0


class SentNotRecorded(Exception):
    """The row was sent, but the database stayed unreachable for ``RECORD_PATIENCE_SECONDS``:
    it stays ``sending`` with its start stamped, for the sweep to settle."""


class Settled(Exception):
    """Raised by ``send`` when the row ends otherwise than sent or failed-and-retried:
    ``fields`` (its new state included) are written to the claimed row, if any, and the
    attempt's outcome is ``outcome`` (``skipped``, ``withdrawn``, ``not_claimed`` …)."""

    def __init__(self, outcome: str, **fields: Any) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.fields = fields


class Refused(Exception):
    """A failed attempt already described for people (``error``), with ``fields`` to store
    with it; other exceptions in ``Outbox.failures`` are recorded as ``Type: message``."""

    def __init__(self, error: str, **fields: Any) -> None:
        super().__init__(error)
        self.error = error
        self.fields = fields


@dataclass
class Attempt:
    """One claimed row: ``rows`` selects it while this attempt still holds it."""

    pk: int
    worker: str
    row: Any
    rows: QuerySet


class Outbox(abc.ABC):
    """An outbox table: the rows have ``state`` (with PENDING, SENDING, SENT and FAILED in
    ``states``), ``attempts``, ``next_attempt_at`` and ``last_error``; with ``claims`` also
    ``claimed_at`` and ``claimed_by`` (who holds a row, for releasing dead workers' claims)."""

    model: ClassVar[type[Model]]
    states: ClassVar[Any]
    label: ClassVar[str]  # names a row in the log: "notification 12 failed …"
    logger: ClassVar[logging.Logger]
    claims: ClassVar[bool] = True
    reset: ClassVar[dict[str, Any]] = {}  # written at the claim and when a retry releases it
    error_max: ClassVar[int] = 1000
    # What a failed attempt raises; anything else propagates, the row stays "sending".
    failures: ClassVar[tuple[type[BaseException], ...]] = (Exception,)
    give_up_level: ClassVar[int] = logging.ERROR
    retry_level: ClassVar[int] = logging.WARNING

    # --- what a table says -----------------------------------------------------------

    def claimable(self) -> Q:
        """Further conditions for a due row to be claimed."""
        return Q()

    def load(self, pk: int) -> Any:
        return self.model._default_manager.get(pk=pk)

    @abc.abstractmethod
    def send(self, attempt: Attempt) -> dict[str, Any]:
        """Send the row; return further fields to store with ``sent``. Raise ``Settled``,
        ``Refused`` or an exception in ``failures``."""

    def sent_rows(self, attempt: Attempt) -> QuerySet:
        """The rows marked sent after a successful send."""
        return attempt.rows

    def sent(self, attempt: Attempt) -> None:  # noqa: B027 - an optional hook
        """After the row was marked sent."""

    def failed(self, attempt: Attempt, error: str) -> None:  # noqa: B027 - an optional hook
        """After a failed attempt was recorded (retry or given up)."""

    def enqueue_retry(self, pk: int, retry_at: datetime) -> None:  # noqa: B027 - optional hook
        """Schedule the retry where the task backend can defer; the sweep covers the rest."""

    # --- the loop ----------------------------------------------------------------------

    def due(self, *, limit: int, where: Q | None = None) -> list[int]:
        """The ids of up to ``limit`` rows to deliver, oldest due first: by default the
        pending rows due now that ``claimable`` allows; ``where`` replaces "due now"."""
        if where is None:
            where = Q(next_attempt_at__lte=timezone.now())
        rows = self.model._default_manager.filter(
            where, self.claimable(), state=self.states.PENDING
        )
        return list(rows.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])

    def deliver(self, pk: int, *, worker: str | None = None) -> str:
        """Claim row ``pk`` if it is due and nobody holds it, send it, record the outcome:
        ``sent``, ``retry``, ``failed``, ``not_claimed`` or one a ``Settled`` names."""
        worker = worker or worker_id()
        now = timezone.now()
        holder = {"claimed_at": now, "claimed_by": worker} if self.claims else {}
        manager = self.model._default_manager
        claimed = manager.filter(
            self.claimable(), pk=pk, state=self.states.PENDING, next_attempt_at__lte=now
        ).update(state=self.states.SENDING, attempts=F("attempts") + 1, **holder, **self.reset)
        if not claimed:
            return "not_claimed"
        rows = (
            manager.filter(pk=pk, state=self.states.SENDING, claimed_by=worker)
            if self.claims
            else manager.filter(pk=pk)
        )
        attempt = Attempt(pk=pk, worker=worker, row=self.load(pk), rows=rows)
        try:
            fields = self.send(attempt)
        except Settled as settled:
            if settled.fields:
                rows.update(**settled.fields)
            return settled.outcome
        except Refused as refused:
            return self._record_failure(attempt, refused.error, refused.fields)
        except self.failures as exc:
            return self._record_failure(attempt, f"{type(exc).__name__}: {exc}", {})
        self._record_sent(attempt, fields)
        self.sent(attempt)
        return "sent"

    def _record_sent(self, attempt: Attempt, fields: dict[str, Any]) -> None:
        """Mark the row sent, reconnecting while the database is away (not inside a
        transaction: a broken one cannot be resumed, so the error propagates there)."""
        sent_at = timezone.now()

        def record() -> int:
            return self.sent_rows(attempt).update(
                state=self.states.SENT, sent_at=sent_at, last_error="", **fields
            )

        if transaction.get_connection().in_atomic_block:
            record()
            return
        deadline = time.monotonic() + RECORD_PATIENCE_SECONDS

        def wait(seconds: float) -> bool:
            if time.monotonic() + seconds > deadline:
                return True
            time.sleep(seconds)
            return False

        backoff = DatabaseBackoff(name=f"{self.label} {attempt.pk} sent, recording", cap=5.0)
        recorded, _count = call_with_reconnect(record, backoff=backoff, wait=wait)
        if not recorded:
            self.logger.error(
                "%s %s was sent, but the database stayed unreachable for %g s: not recorded",
                self.label,
                attempt.pk,
                RECORD_PATIENCE_SECONDS,
            )
            raise SentNotRecorded(f"{self.label} {attempt.pk}")

    def _record_failure(self, attempt: Attempt, error: str, fields: dict[str, Any]) -> str:
        error = error[: self.error_max]
        fields = {"last_error": error, **fields}
        attempts = attempt.row.attempts
        if attempts >= MAX_ATTEMPTS:
            self.logger.log(
                self.give_up_level, "%s %s failed for good: %s", self.label, attempt.pk, error
            )
            attempt.rows.update(state=self.states.FAILED, **fields)
            outcome = "failed"
        else:
            retry_at = timezone.now() + backoff_after(attempts)
            self.logger.log(
                self.retry_level,
                "%s %s failed, retry at %s: %s",
                self.label,
                attempt.pk,
                retry_at,
                error,
            )
            release = {"claimed_at": None, "claimed_by": ""} if self.claims else {}
            attempt.rows.update(
                state=self.states.PENDING,
                next_attempt_at=retry_at,
                **release,
                **self.reset,
                **fields,
            )
            self.enqueue_retry(attempt.pk, retry_at)
            outcome = "retry"
        self.failed(attempt, error)
        return outcome

    def deliver_each(
        self,
        pks: Iterable[int],
        *,
        deliver: Callable[[int], str] | None = None,
        counts: dict[str, int] | None = None,
        isolate: bool = False,
    ) -> dict[str, int]:
        """Deliver each row of ``pks`` (due rows, read before; an iterator may release
        claims as it goes) with ``deliver`` (default ``self.deliver``) and count the
        outcomes into ``counts``. With ``isolate`` an attempt that raises is logged and
        counted as ``error``, and the others go on."""
        deliver = deliver or self.deliver
        counts = {} if counts is None else counts
        for pk in pks:
            try:
                outcome = deliver(pk)
            except Exception:
                if not isolate:
                    raise
                self.logger.exception("%s %s: the attempt crashed", self.label, pk)
                outcome = "error"
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts
