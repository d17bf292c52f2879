"""The back-off loop long-running processes use to ride out a database restart."""

from __future__ import annotations

import logging

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection

from aduan.core.reconnect import DatabaseBackoff, call_with_reconnect


class FlakyDatabase:
    """A call that fails with a lost connection ``failures`` times, then answers."""

    def __init__(self, failures: int, error: type[Exception] = OperationalError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("server closed the connection unexpectedly")
        return "answered"


def test_delays_start_small_double_and_stop_at_the_cap():
    backoff = DatabaseBackoff(name="test", first=0.5, cap=10.0)
    delays = [backoff.failed(OperationalError("down")) for _ in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    backoff.succeeded()
    assert backoff.failed(OperationalError("down again")) == 0.5


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_call_is_retried_until_the_database_answers(error):
    waits: list[float] = []
    flaky = FlakyDatabase(failures=4, error=error)
    done, result = call_with_reconnect(
        flaky, backoff=DatabaseBackoff(name="test"), wait=lambda s: waits.append(s)
    )
    assert (done, result) == (True, "answered")
    assert flaky.calls == 5
    assert waits == [0.5, 1.0, 2.0, 4.0]


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    ticks = iter([100.0, 103.5])
    backoff = DatabaseBackoff(name="run_scheduler", clock=lambda: next(ticks))
    with caplog.at_level(logging.WARNING, logger="aduan.core.reconnect"):
        call_with_reconnect(FlakyDatabase(failures=6), backoff=backoff, wait=lambda s: None)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("run_scheduler: the database is unavailable (OperationalError")
    assert messages[1] == "run_scheduler: the database is back after 3.5 s (6 failed tries)"


def test_a_stop_request_while_waiting_ends_the_loop():
    flaky = FlakyDatabase(failures=100)
    done, result = call_with_reconnect(
        flaky, backoff=DatabaseBackoff(name="test"), wait=lambda s: True
    )
    assert (done, result) == (False, None)
    assert flaky.calls == 1


def test_other_errors_are_not_swallowed():
    def broken() -> None:
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        call_with_reconnect(broken, backoff=DatabaseBackoff(name="test"), wait=lambda s: None)


@pytest.mark.django_db(transaction=True)
def test_a_failed_try_closes_the_connection_so_the_next_one_reconnects():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes the in-memory SQLite test database")
    connection.ensure_connection()
    assert connection.connection is not None
    DatabaseBackoff(name="test").failed(OperationalError("terminating connection"))
    assert connection.connection is None
    with connection.cursor() as cursor:  # a fresh connection
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
