#!/usr/bin/env python
"""Time the periodic sweep (``aduan.workflow.sweep.sweep_run``) on the bench database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aduan_bench \\
        .venv/bin/python bench/sweep.py --due 10000

Needs the database ``generate.py`` filled (it writes the open deadlines of the open
reports). Steps:

1. **Settle** to the steady state a sweep every minute keeps: deadlines whose reminder
   time has come are stamped reminded, past-due agency deadlines overdue and escalated,
   auto-close deadlines already past due moved a few days ahead (SQL, no
   notifications), and the reports waiting for the desk given their triage round.
2. **Staff**: an admin for each agency with open deadlines, national admins and
   oversight users (``sweep-*@bench.aduan.test``, verified e-mail), so that the sweep
   writes the notifications it would in production (in-app and e-mail rows).
3. **Nothing due**: ``--repeat`` sweeps over the settled database: the cost every minute.
4. **N due**: ``--due`` open response deadlines made overdue (marked, event, acting
   party told, escalated), then ``--due`` made due for a reminder; one sweep each.
5. ``EXPLAIN (ANALYZE, BUFFERS)`` of the sweep's queries in the settled state.

Each due case prints ms per item, this process's CPU time per item (Python's share) and
statements per item (counted with ``execute_wrapper``, the task rows written on commit
included), and the deadline job's own time: a run longer than 30 s also delivers up to
500 of its own e-mails (the pass over pending rows; no worker runs here);
``--query-shapes`` also counts the statements by shape, with the time waited on each.
A run uses up 2 × ``--due`` open deadlines due more than 10 days ahead.

``--try-indexes`` repeats 3 and 5 with two extra partial indexes (created here and
dropped afterwards unless ``--keep-indexes``), to show what they would change.
The sweep writes events and notifications: the bench database is changed by the run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup, json_option, json_write

EXTRA_INDEXES = {
    "bench_deadline_open_unmarked": (
        "CREATE INDEX IF NOT EXISTS bench_deadline_open_unmarked ON sla_deadline (due_at) "
        "WHERE state = 'open' AND overdue_at IS NULL"
    ),
    "bench_deadline_open_unreminded": (
        "CREATE INDEX IF NOT EXISTS bench_deadline_open_unreminded ON sla_deadline (due_at) "
        "WHERE state = 'open' AND reminded_at IS NULL"
    ),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--due", type=int, default=10_000, help="due deadlines per case")
    parser.add_argument("--repeat", type=int, default=10, help="timed empty sweeps")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--try-indexes", action="store_true", help="also time with 2 indexes")
    parser.add_argument("--keep-indexes", action="store_true")
    parser.add_argument(
        "--query-shapes", action="store_true", help="count the due cases' queries by shape"
    )
    json_option(parser)
    args = parser.parse_args()
    if not 0 <= args.due <= 200_000:
        parser.error("--due must be between 0 and 200,000")
    if not 1 <= args.repeat <= 1000:
        parser.error("--repeat must be between 1 and 1,000")
    return args


def main() -> None:
    args = parse_args()
    # The sweep delivers e-mails that wait longer than a moment: not to the terminal.
    os.environ.setdefault("ADUAN_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    django_setup()
    from django.db import connection
    from django.utils import timezone

    from aduan.reports.models import OPEN_STATUSES, Report
    from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
    from aduan.sla.selectors import reminder_horizon
    from aduan.sla.services import calendar_current

    now = timezone.now()
    open_reports = Report.objects.filter(status__in=OPEN_STATUSES).count()
    open_deadlines = Deadline.objects.filter(state=DeadlineState.OPEN).count()
    if not open_deadlines:
        sys.exit("No open deadlines: run bench/generate.py --truncate (it writes them).")
    per_10k = open_reports / 10_000
    print(f"{open_reports:,} open reports, {open_deadlines:,} open deadlines")

    with connection.cursor() as cursor:
        settle(cursor, now=now, horizon=reminder_horizon(now=now, calendar=calendar_current()))
        staff(cursor)

    figures: dict[str, dict[str, object]] = {}
    scale = {"open_reports": open_reports, "open_deadlines": open_deadlines}
    cases: list[tuple[str, float, str]] = []
    cases += empty_case(args, per_10k, label="nothing due", figures=figures, scenario="sweep_idle")
    if args.due:
        cases += due_cases(
            args, per_10k, kinds=(DeadlineKind.RESPONSE, DeadlineKind.COMPLETION), figures=figures
        )
    if args.try_indexes:
        with connection.cursor() as cursor:
            for ddl in EXTRA_INDEXES.values():
                cursor.execute(ddl)
            cursor.execute("ANALYZE sla_deadline")
        cases += empty_case(
            args,
            per_10k,
            label="nothing due, with the 2 partial indexes",
            figures=figures,
            scenario="sweep_idle_extra_indexes",
        )
    for scenario in figures.values():
        scenario.update(scale)

    print("\n| case | ms | ms per 10,000 open reports |\n|---|---:|---:|")
    for label, ms, note in cases:
        print(f"| {label} | {ms:,.1f} | {note} |")
    json_write(args.json, figures)
    if not args.no_explain:
        explain(args)
    if args.try_indexes and not args.keep_indexes:
        with connection.cursor() as cursor:
            for name in EXTRA_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def settle(cursor, *, now, horizon, quiet: bool = False) -> None:
    """What a sweep every minute leaves behind (see the module docstring)."""
    steps = {
        "deadlines reminded": (
            (
                "UPDATE sla_deadline SET reminded_at = due_at - interval '1 day' "
                "WHERE state = 'open' AND reminded_at IS NULL AND due_at < %s"
            ),
            [horizon],
        ),
        "deadlines marked overdue and escalated": (
            (
                "UPDATE sla_deadline SET overdue_at = COALESCE(overdue_at, due_at), "
                "escalated_at = COALESCE(escalated_at, due_at) WHERE state = 'open' "
                "AND kind <> 'autoclose' AND due_at < %s "
                "AND (overdue_at IS NULL OR escalated_at IS NULL)"
            ),
            [now],
        ),
        "notifications marked sent (the worker's job)": (
            (
                "UPDATE notifications_notification SET state = 'sent', sent_at = %s "
                "WHERE state = 'pending'"
            ),
            [now],
        ),
        "auto-close deadlines moved ahead": (
            (
                "UPDATE sla_deadline SET due_at = %s + (3 + id %% 7) * interval '1 day', "
                "reminded_at = NULL WHERE state = 'open' AND kind = 'autoclose' AND due_at < %s"
            ),
            [horizon, now],
        ),
    }
    for label, (sql, params) in steps.items():
        cursor.execute(sql, params)
        if not quiet:
            print(f"settle: {cursor.rowcount:,} {label}")
    # The generator writes no triage rounds: the sweep's triage job would assess the
    # waiting reports 500 a run for tens of runs, which a sweep every minute has long done.
    from aduan.triage.services import waiting_assess

    assessed = 0
    while done := waiting_assess(batch=2000):
        assessed += done
    if not quiet:
        print(f"settle: {assessed:,} waiting reports assessed (triage)")
    # The bulk UPDATEs above leave dead index entries that a sweep every minute never
    # would: vacuum them away so that the timings show the steady state. The rounds just
    # opened too: before autovacuum counts them the planner takes the open rounds for a
    # few dozen and joins the waiting reports to them in a nested loop (32 s at 1,000,000
    # reports instead of milliseconds).
    cursor.execute("VACUUM (ANALYZE) sla_deadline, notifications_notification, triage_assessment")


def staff(cursor) -> None:
    """Admins of every agency with open deadlines, national admins, oversight."""
    from allauth.account.models import EmailAddress

    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.sla.models import Deadline

    if User.objects.filter(
        email__startswith="sweep-", email__endswith="@bench.aduan.test"
    ).exists():
        return
    agency_ids = set(
        Deadline.objects.filter(state="open", agency__isnull=False)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    parents = set(
        Agency.objects.filter(pk__in=agency_ids, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    national = Agency.objects.filter(kind=AgencyKind.NATIONAL_ADMIN).first()
    oversight = Agency.objects.filter(kind=AgencyKind.OVERSIGHT).first()
    users = [
        User(
            email=f"sweep-admin-{pk}@bench.aduan.test",
            full_name=f"Admin Instansi {pk}",
            role=Role.AGENCY_ADMIN,
            agency_id=pk,
        )
        for pk in sorted(agency_ids | parents)
    ]
    users += [
        User(
            email=f"sweep-national-{n}@bench.aduan.test",
            full_name=f"Admin Nasional {n}",
            role=Role.NATIONAL_ADMIN,
            agency=national,
        )
        for n in range(3)
    ]
    users += [
        User(
            email=f"sweep-oversight-{n}@bench.aduan.test",
            full_name=f"Pengawas {n}",
            role=Role.OVERSIGHT,
            agency=oversight,
        )
        for n in range(2)
    ]
    for user in users:
        user.set_unusable_password()
    created = User.objects.bulk_create(users)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created]
    )
    print(f"staff: {len(created):,} users ({len(agency_ids | parents):,} agency admins)")


class QueryTally:
    """Counts the statements a sweep sends (``execute_wrapper``: no log kept, no cap), and
    with ``--query-shapes`` how often each statement shape was sent."""

    def __init__(self, *, shapes: bool) -> None:
        self.count = 0
        self.shapes: Counter[str] | None = Counter() if shapes else None
        self.seconds: Counter[str] = Counter()
        self.cpu_ms = 0.0  # this process's CPU time (Python's share, not PostgreSQL's)
        self.jobs_ms: dict[str, float] = {}  # each periodic job's wall time

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.shapes is None:
            return execute(sql, params, many, context)
        shape = _shape(sql)
        self.shapes[shape] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[shape] += time.perf_counter() - started


def _shape(sql: str) -> str:
    shape = re.sub(r"%s(, %s)+", "%s, …", sql)
    shape = re.sub(r"\(%s, …\)(, \(%s, …\))+", "(…), …", shape)
    return re.sub(r'"[a-z_]+"\."([a-z_]+)"', r"\1", shape)[:160]


def timed_sweep(args, **kwargs) -> tuple[float, object, QueryTally]:
    from django.db import connection

    from aduan.core import periodic
    from aduan.workflow.sweep import sweep_run

    tally = QueryTally(shapes=args.query_shapes)
    registry = dict(periodic._registry)
    for name, job in registry.items():  # each job's own time, in ``tally.jobs_ms``
        periodic._registry[name] = dataclasses.replace(
            job, function=_timed(job.function, name, tally.jobs_ms)
        )
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(tally):
            result = sweep_run(batch=args.batch, time_budget=3600, **kwargs)
    finally:
        periodic._registry.update(registry)
    tally.cpu_ms = (time.process_time() - cpu) * 1000
    return (time.perf_counter() - started) * 1000, result, tally


def _timed(function, name: str, times: dict[str, float]):
    def timed(**kwargs):
        started = time.perf_counter()
        try:
            return function(**kwargs)
        finally:
            times[name] = (time.perf_counter() - started) * 1000

    return timed


def empty_case(
    args, per_10k: float, *, label: str, figures: dict, scenario: str
) -> list[tuple[str, float, str]]:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:  # what earlier cases left is the worker's job
        settle(cursor, now=timezone.now(), horizon=timezone.now(), quiet=True)
    timed_sweep(args)  # warm-up (and anything that came due since the settle)
    runs = []
    for _n in range(args.repeat):
        ms, _result, tally = timed_sweep(args)
        runs.append(ms)
    median = statistics.median(runs)
    jobs = job_times(args)
    figures[scenario] = {
        "runs": args.repeat,
        "median_ms": median,
        "max_ms": max(runs),
        "queries": tally.count,
        "ms_per_10k_open_reports": median / per_10k,
        "jobs_ms": jobs,
    }
    print(
        f"{label}: median {median:.1f} ms, max {max(runs):.1f} ms over {args.repeat} runs, "
        f"{tally.count} queries a run"
    )
    return [(f"{label} (median of {args.repeat})", median, f"{median / per_10k:.2f}")]


def job_times(args) -> dict[str, float]:
    """One more empty run, each periodic job timed on its own (ms, by name)."""
    from django.utils import timezone

    from aduan.core.periodic import periodic_jobs

    now, times = timezone.now(), {}
    for job in periodic_jobs():
        started = time.perf_counter()
        job.function(now=now, batch=args.batch, stop_at=time.monotonic() + 3600)
        times[job.name] = (time.perf_counter() - started) * 1000
    print("  by job (ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in times.items()))
    return times


def due_cases(args, per_10k: float, *, kinds, figures: dict) -> list[tuple[str, float, str]]:
    from django.db import connection
    from django.utils import timezone

    cases = []
    for case in ("overdue", "reminder"):
        with connection.cursor() as cursor:
            settle(cursor, now=timezone.now(), horizon=timezone.now(), quiet=True)
            # N open agency deadlines that are neither due nor close: make them due now.
            due_at = (
                "now() - interval '1 minute'" if case == "overdue" else "now() + interval '2 hours'"
            )
            cursor.execute(
                f"""
                UPDATE sla_deadline SET due_at = {due_at}, reminded_at = CASE WHEN %s
                  THEN now() - interval '1 day' END, overdue_at = NULL, escalated_at = NULL
                WHERE id IN (
                  SELECT id FROM sla_deadline WHERE state = 'open' AND kind = ANY(%s)
                  AND due_at > now() + interval '10 days' ORDER BY id LIMIT %s)
                """,
                [case == "overdue", list(kinds), args.due],
            )
            count = cursor.rowcount
        ms, result, tally = timed_sweep(args, now=timezone.now())
        done = result.overdue if case == "overdue" else result.reminded
        print(
            f"{count:,} due for {case}: {ms / 1000:.1f} s, {done:,} handled "
            f"({ms / max(done, 1):.2f} ms each, {tally.cpu_ms / max(done, 1):.2f} ms of it "
            f"Python's CPU, {tally.count / max(done, 1):.1f} queries each);"
            f" {result.as_dict()}"
        )
        deadlines_ms = tally.jobs_ms.get("deadlines", ms)
        print(
            f"  the deadline job alone: {deadlines_ms / 1000:.1f} s "
            f"({deadlines_ms / max(done, 1):.2f} ms each); the other jobs "
            + ", ".join(
                f"{name} {t:,.0f} ms" for name, t in tally.jobs_ms.items() if name != "deadlines"
            )
        )
        figures[f"sweep_{case}"] = {
            "items": done,
            "deadlines_job_ms_per_item": deadlines_ms / max(done, 1),
            "jobs_ms": tally.jobs_ms,
            "skipped": result.skipped,
            "ms": ms,
            "ms_per_item": ms / max(done, 1),
            "cpu_ms_per_item": tally.cpu_ms / max(done, 1),
            "queries_per_item": tally.count / max(done, 1),
        }
        if tally.shapes is not None:
            in_db = sum(tally.seconds.values()) * 1000
            print(f"  {in_db / max(done, 1):.2f} ms each waiting for the database (execute)")
            for shape, n in tally.shapes.most_common(30):
                waited = tally.seconds[shape] * 1000 / max(done, 1)
                print(f"  {n / max(done, 1):6.2f} per item {waited:6.2f} ms  {shape}")
        cases.append(
            (f"{count:,} {case} (one sweep)", ms, f"{ms / per_10k:,.1f}"),
        )
    return cases


def explain(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from aduan.notifications.delivery import SWEEP_GRACE
    from aduan.notifications.models import Notification
    from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
    from aduan.sla.selectors import deadlines_overdue, deadlines_to_remind_candidates
    from aduan.sla.services import AGENCY_KINDS, calendar_current

    now = timezone.now()
    queries = {
        "reminder candidates": deadlines_to_remind_candidates(now=now, calendar=calendar_current())[
            : args.batch
        ],
        "overdue": deadlines_overdue(now=now).filter(kind__in=AGENCY_KINDS)[: args.batch],
        "auto-close": Deadline.objects.filter(
            state=DeadlineState.OPEN, kind=DeadlineKind.AUTOCLOSE, due_at__lt=now, overdue_at=None
        ).order_by("due_at", "id")[: args.batch],
        "pending notifications": Notification.objects.filter(
            state="pending", next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[: args.batch],
    }
    for label, queryset in queries.items():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n## {label}\n{plan}")


if __name__ == "__main__":
    main()
