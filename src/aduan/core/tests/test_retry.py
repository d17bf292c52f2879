"""The one retry schedule: the wait after each failed attempt, capped at the last."""

from __future__ import annotations

from datetime import timedelta

from aduan.core.retry import BACKOFF, MAX_ATTEMPTS, backoff_after


def test_the_schedule_gives_up_after_the_last_wait():
    assert [backoff_after(n) for n in range(1, MAX_ATTEMPTS)] == list(BACKOFF)
    assert BACKOFF[0] == timedelta(minutes=1)
    assert BACKOFF[-1] == timedelta(hours=12)
    assert list(BACKOFF) == sorted(BACKOFF)


def test_out_of_range_attempts_are_clamped():
    assert backoff_after(0) == BACKOFF[0]
    assert backoff_after(-3) == BACKOFF[0]
    assert backoff_after(MAX_ATTEMPTS) == BACKOFF[-1]
    assert backoff_after(1000) == BACKOFF[-1]
