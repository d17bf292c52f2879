"""Riding out a database restart in long-running processes (scheduler, worker, mail intake).

A process that loops for days meets the database restarting sooner or later: its
connection breaks (``OperationalError``/``InterfaceError``), and a new one is refused
until the server is back. Instead of dying, the loop closes its connections (so the next
try opens a fresh one), waits a little longer after each failed try (capped, so it is back
within seconds of the database), and logs the outage once when it starts and once when it
ends, not on every try.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# What a lost or refused connection raises (Django wraps psycopg's and sqlite3's errors).
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

T = TypeVar("T")


def close_database_connections() -> None:
    """Drop every open connection of this thread so the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connection.close()


class DatabaseBackoff:
    """The waits between tries while the database is unreachable: ``first`` seconds, then
    doubling up to ``cap``. ``failed`` logs when an outage starts, ``succeeded`` when it
    ends (with how long it lasted); tries in between are silent."""

    def __init__(
        self,
        *,
        name: str,
        first: float = 0.5,
        cap: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.first = first
        self.cap = cap
        self.clock = clock
        self.failures = 0
        self.outage_started: float | None = None

    def next_delay(self) -> float:
        return min(self.cap, self.first * 2 ** max(self.failures - 1, 0))

    def failed(self, error: BaseException) -> float:
        """Note a failed try, close the connections; return the seconds to wait."""
        close_database_connections()
        if self.failures == 0:
            self.outage_started = self.clock()
            logger.warning(
                "%s: the database is unavailable (%s: %s); retrying with back-off up to %g s",
                self.name,
                type(error).__name__,
                str(error).strip().splitlines()[0] if str(error).strip() else "",
                self.cap,
            )
        self.failures += 1
        return self.next_delay()

    def succeeded(self) -> None:
        if self.failures:
            logger.warning(
                "%s: the database is back after %.1f s (%d failed tries)",
                self.name,
                self.clock() - (self.outage_started or self.clock()),
                self.failures,
            )
        self.failures = 0
        self.outage_started = None


def call_with_reconnect(
    func: Callable[[], T],
    *,
    backoff: DatabaseBackoff,
    wait: Callable[[float], bool | None],
) -> tuple[bool, T | None]:
    """Call ``func`` until it gets through to the database; return ``(True, its result)``.

    Between failed tries ``wait(seconds)`` is called (``threading.Event.wait`` or
    ``time.sleep``); when it returns True (the process was asked to stop) the loop gives
    up and returns ``(False, None)``. Errors other than a lost connection propagate.
    """
    while True:
        try:
            result = func()
        except DATABASE_UNAVAILABLE as error:
            if wait(backoff.failed(error)):
                return False, None
            continue
        backoff.succeeded()
        return True, result
