"""Tasks of the read side (django-tasks): the monthly PDFs per agency.

``monthly_reports_job`` runs on every sweep (``core.periodic``); on the first working day
of a month (the deadline calendar, so a holiday on the 1st moves it) it enqueues
``monthly_reports`` for the month before, once: it looks at minute 15 of each hour
only, and a cache claim per month stops the later hours from enqueuing it again, and the unique (agency, month) makes a
task run twice keep and send nothing twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django_tasks import task

from aduan.sla.services import NATIONAL_TIMEZONE, calendar_current

from .monthly import month_of, monthly_reports_run, previous_month

MONTHLY_JOB = "monthly_reports"
CHECK_MINUTE = 15


@task()
def monthly_reports(month_iso: str) -> dict[str, int]:
    """Keep and e-mail the PDFs of the month starting ``month_iso`` (YYYY-MM-01)."""
    return monthly_reports_run(period=month_of(dt.date.fromisoformat(month_iso)))


def first_working_day(day: dt.date) -> dt.date:
    """The first working day of ``day``'s month (the deadline calendar's days off)."""
    return calendar_current().working_day_on_or_after(day.replace(day=1))


def monthly_reports_job(*, now: dt.datetime, batch: int, stop_at: float) -> str | None:
    """Enqueue last month's PDFs on the first working day of the month, once; the month
    enqueued (ISO), else None."""
    local = now.astimezone(ZoneInfo(NATIONAL_TIMEZONE))
    today = local.date()
    # Looked at once an hour (a failed enqueue is tried again the next hour), and no month
    # starts with three weeks off: the other sweeps cost no query.
    if local.minute != CHECK_MINUTE or today.day > 21 or first_working_day(today) != today:
        return None
    month = previous_month(today).start.isoformat()
    key = f"aduan:monthly-reports:{month}"
    if not cache.add(key, "1", timeout=3 * 24 * 3600):
        return None
    try:
        monthly_reports.enqueue(month)
    except Exception:
        with contextlib.suppress(Exception):
            cache.delete(key)
        raise
    return month
