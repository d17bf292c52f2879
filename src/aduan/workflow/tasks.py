"""Tasks of the workflow (django-tasks; the database backend by default).

``sweep`` is enqueued every ``ADUAN_SWEEP_INTERVAL`` seconds by ``manage.py run_scheduler``
and runs ``sweep.sweep_run`` on a worker. Running it twice at once is safe (see sweep.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django_tasks import task

from .sweep import sweep_run


@task()
def sweep(now_iso: str | None = None) -> dict[str, object]:
    """The periodic sweep; ``now_iso`` (an ISO 8601 time with its offset) replays a moment."""
    now = None
    if now_iso is not None:
        now = dt.datetime.fromisoformat(now_iso)
        if now.tzinfo is None:
            raise ValueError("now_iso needs a UTC offset, e.g. 2026-12-01T09:00:00+07:00")
    return sweep_run(now=now).as_dict()


def sweep_slot(*, at: float, interval: int) -> int:
    """The number of the ``interval``-second slot that ``at`` (a Unix time) falls in. Every
    scheduler computes the same slots from the clock, whichever machine it runs on."""
    return int(at // interval)


def sweep_schedule(*, slot: int, interval: int) -> bool:
    """Enqueue the sweep for ``slot`` unless another scheduler already did; True if this
    call enqueued it.

    The claim is ``cache.add`` (atomic in Redis, and in the database cache through its
    primary key), so several schedulers sharing the cache enqueue one sweep per slot. A
    sweep run twice would still do no harm, it would only be wasted work.
    """
    from django.core.cache import cache

    key = f"aduan:sweep:{interval}:{slot}"
    if not cache.add(key, "1", timeout=max(2 * interval, 60)):
        return False
    try:
        sweep.enqueue()
    except Exception:
        # Not enqueued (the database is down, the cache is not): give the slot back, so
        # that the scheduler's retry enqueues it once the database is back.
        with contextlib.suppress(Exception):
            cache.delete(key)
        raise
    return True
