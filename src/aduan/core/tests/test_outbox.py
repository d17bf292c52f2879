"""The one outbox loop, on a probe table (the notifications' rows) with a fake sender."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aduan.accounts.tests.factories import UserFactory
from aduan.core.outbox import Attempt, Outbox, Refused, Settled
from aduan.core.retry import BACKOFF, MAX_ATTEMPTS
from aduan.notifications.models import Notification, NotificationKind, NotificationState

pytestmark = pytest.mark.django_db


class Probe(Outbox):
    """Sends by calling ``behaviour`` (default: accept); records sends and retries."""

    model = Notification
    states = NotificationState
    label = "probe"
    logger = logging.getLogger(__name__)

    def __init__(self, behaviour=None) -> None:
        self.behaviour = behaviour
        self.sends: list[int] = []
        self.retries: list[tuple[int, object]] = []
        self.failures_seen: list[str] = []

    def send(self, attempt: Attempt) -> dict:
        self.sends.append(attempt.pk)
        if self.behaviour is not None:
            return self.behaviour(attempt) or {}
        return {}

    def failed(self, attempt: Attempt, error: str) -> None:
        self.failures_seen.append(error)

    def enqueue_retry(self, pk: int, retry_at) -> None:
        self.retries.append((pk, retry_at))


def refuse(attempt: Attempt) -> dict:
    raise OSError("connection refused")


@pytest.fixture
def row() -> Notification:
    return Notification.objects.create(
        recipient=UserFactory(),
        kind=NotificationKind.STATUS_CHANGED,
        subject="s",
        body="b",
        channel="probe",
        idempotency_key="probe:1",
    )


def _reload(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def test_a_due_row_is_sent_once(row):
    outbox = Probe()
    assert outbox.deliver_each(outbox.due(limit=10)) == {"sent": 1}
    sent = _reload(row)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert sent.sent_at is not None
    assert sent.claimed_by  # the worker that sent it
    assert outbox.deliver(row.pk) == "not_claimed"
    assert outbox.due(limit=10) == []
    assert outbox.sends == [row.pk]


def test_a_row_not_due_yet_is_left_alone(row):
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + BACKOFF[0])
    outbox = Probe()
    assert outbox.due(limit=10) == []
    assert outbox.deliver(row.pk) == "not_claimed"
    assert outbox.sends == []


def test_a_failure_is_retried_on_the_schedule(row):
    outbox = Probe(refuse)
    moment = timezone.now()
    for attempt, wait in enumerate(BACKOFF, start=1):
        with time_machine.travel(moment, tick=False):
            assert outbox.deliver(row.pk) == "retry"
        waiting = _reload(row)
        assert (waiting.state, waiting.attempts) == ("pending", attempt)
        assert (waiting.claimed_by, waiting.claimed_at) == ("", None)
        assert waiting.last_error == "OSError: connection refused"
        assert waiting.next_attempt_at == moment + wait
        assert outbox.retries[-1] == (row.pk, moment + wait)
        with time_machine.travel(moment + wait - timedelta(seconds=1), tick=False):
            assert outbox.deliver(row.pk) == "not_claimed"  # not before its time
        moment += wait
    assert len(outbox.sends) == len(BACKOFF)


def test_the_last_failure_gives_up(row, caplog):
    Notification.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)
    outbox = Probe(refuse)
    with caplog.at_level(logging.ERROR, logger=__name__):
        assert outbox.deliver(row.pk) == "failed"
    failed = _reload(row)
    assert (failed.state, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert failed.last_error == "OSError: connection refused"
    assert outbox.retries == []
    assert outbox.failures_seen == ["OSError: connection refused"]
    assert f"probe {row.pk} failed for good" in caplog.text
    assert outbox.due(limit=10) == []


def test_a_row_another_worker_holds_is_skipped(row):
    """While one worker sends, a second one (another process, the sweep) finds the row
    claimed: it neither sends it nor touches it. Conditional UPDATEs in autocommit, so the
    same on SQLite and PostgreSQL."""
    second = Probe()
    seen: dict[str, object] = {}

    def meanwhile(attempt: Attempt) -> dict:
        seen["due"] = second.due(limit=10)
        seen["outcome"] = second.deliver(attempt.pk, worker="second")
        return {}

    first = Probe(meanwhile)
    assert first.deliver(row.pk, worker="first") == "sent"
    assert seen == {"due": [], "outcome": "not_claimed"}
    assert second.sends == []
    sent = _reload(row)
    assert (sent.state, sent.attempts, sent.claimed_by) == ("sent", 1, "first")


def test_a_row_released_from_its_worker_is_not_marked_by_it(row):
    """The attempt's rows are the row while this worker holds it."""

    def released(attempt: Attempt) -> dict:
        Notification.objects.filter(pk=attempt.pk).update(state="pending", claimed_by="")
        raise OSError("late")

    outbox = Probe(released)
    assert outbox.deliver(row.pk) == "retry"  # recorded for a row it no longer holds: no-op
    waiting = _reload(row)
    assert (waiting.last_error, waiting.attempts) == ("", 1)


def test_settled_and_refused_store_their_fields(row):
    def skip(attempt: Attempt) -> dict:
        raise Settled("skipped", state=NotificationState.SKIPPED, last_error="no address")

    assert Probe(skip).deliver(row.pk) == "skipped"
    assert (_reload(row).state, _reload(row).last_error) == ("skipped", "no address")

    Notification.objects.filter(pk=row.pk).update(state="pending")

    def refused(attempt: Attempt) -> dict:
        raise Refused("HTTP 500: down" + "!" * 2000, url="/x")

    assert Probe(refused).deliver(row.pk) == "retry"
    waiting = _reload(row)
    assert (waiting.url, len(waiting.last_error)) == ("/x", Outbox.error_max)
    assert waiting.last_error.startswith("HTTP 500: down")


def test_an_error_outside_failures_propagates_and_leaves_the_claim(row):
    class Strict(Probe):
        failures = (OSError,)

    def crash(attempt: Attempt) -> dict:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        Strict(crash).deliver(row.pk)
    assert _reload(row).state == "sending"  # for the table's release of stale claims


def test_isolated_rows_count_a_crash_and_go_on(row, caplog):
    other = Notification.objects.create(
        recipient=row.recipient,
        kind=row.kind,
        subject="s",
        body="b",
        channel="probe",
        idempotency_key="probe:2",
    )
    outbox = Probe()

    def deliver(pk: int) -> str:
        if pk == row.pk:
            raise RuntimeError("database connection lost")
        return outbox.deliver(pk)

    with pytest.raises(RuntimeError):
        outbox.deliver_each([row.pk, other.pk], deliver=deliver)
    counts = outbox.deliver_each([row.pk, other.pk], deliver=deliver, isolate=True, counts={"x": 1})
    assert counts == {"x": 1, "error": 1, "sent": 1}
    assert f"probe {row.pk}: the attempt crashed" in caplog.text
