"""Periodic jobs: work that is due because time passed, registered by the app that owns it.

Each app registers its jobs from its ``AppConfig.ready()`` with ``periodic_register``; the
sweep (``workflow.sweep.sweep_run``, every minute on a worker) runs them all, in
``order``. So the scheduler imports none of the apps whose work it runs, and a new job
(a roll-up, a retraining) is one registration in its own app.

A job is called with keywords only: ``now`` (aware: when the run believes it is),
``batch`` (how many items to read per query) and ``stop_at`` (a ``time.monotonic()``
value after which it should take no new work). What it returns is kept, under its name,
in the run's outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: Callable[..., object]
    # Lower runs first; equal orders run by name.
    order: int


_registry: dict[str, PeriodicJob] = {}


def periodic_register(*, name: str, function: Callable[..., object], order: int) -> PeriodicJob:
    """Register ``function`` to run on every sweep. Registering a name again replaces it."""
    if not name:
        raise ValueError("A periodic job needs a name.")
    job = PeriodicJob(name=name, function=function, order=order)
    _registry[name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job, in the order a run takes them."""
    return sorted(_registry.values(), key=lambda job: (job.order, job.name))


def periodic_run(*, now: dt.datetime, batch: int, stop_at: float) -> dict[str, object]:
    """Run every job once, in order; what each returned, by its name."""
    return {
        job.name: job.function(now=now, batch=batch, stop_at=stop_at) for job in periodic_jobs()
    }
