"""Counting one report into the roll-ups, and writing the difference: ``report_cells``
computes a report's cells from its timeline, ``report_recount`` (the listener) writes the
change, ``rollups_rebuild`` counts every report the same way. What each figure counts:
ADR 0015, "Definitions"; the day, the events counted and a change of status:
``reports.history``, which the staff lists' as-of filters share.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import TruncMonth, TruncWeek

from aduan.programmes.models import ReportProgramme
from aduan.reports.history import (
    CLOSINGS,
    COUNTED_ACTIONS,
    is_closing,
    is_move,
    is_return,
    site_day,
)
from aduan.reports.models import (
    OPEN_STATUSES,
    VERIFIED_STATUSES,
    EventAction,
    Rating,
    Report,
    ReportEvent,
    ReportSupport,
)
from aduan.sla.calendar import WorkingCalendar
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.sla.services import calendar_current

from .models import (
    ANY_PROGRAMME,
    DIMENSIONS,
    DURATION_CAP,
    MEASURES,
    MONTHLY_BREAKDOWNS,
    NATIONAL_BUCKETS,
    DailyDuration,
    DailyFigure,
    Grain,
    MonthlyDuration,
    PeriodFigure,
    ProgrammeFigure,
    ReportRollup,
    national_bucket,
)


def report_dimensions(report: Report) -> tuple:
    """The report's dimensions now, in ``DIMENSIONS`` order."""
    code = report.region_id or ""
    return (
        report.agency_id or 0,
        code[:2],
        code[:5] if len(code) >= 5 else "",
        report.category_id or 0,
        report.channel,
        report.classification,
        not report.confidential and report.status in VERIFIED_STATUSES,
    )


def report_cells(
    report: Report,
    *,
    events: Iterable[Mapping],
    rating: Mapping | None,
    met_response_deadlines: Iterable[Mapping],
    calendar: WorkingCalendar | None,
    supports: Iterable[dt.datetime] = (),
    programme_ids: Iterable[int] = (),
) -> dict[str, int]:
    """The report's contribution: {cell key: count}. ``events`` in timeline order (action,
    from_status, to_status, created_at); the rating (score, created_at); the met response
    deadlines (due_at, met_at); when each support still held was given; the programmes
    the report is tagged with now (each figure is counted again under each of them)."""
    dims = report_dimensions(report)
    cells: Counter[str] = Counter()

    def add(day: dt.date, measure: str, n: int = 1) -> None:
        cells[json.dumps(["F", day.isoformat(), *dims, measure])] += n

    def took(day: dt.date, measure: str, start: dt.date | None) -> int:
        days = max(calendar.working_days_between(start, day), 0) if start and calendar else 0
        cells[json.dumps(["H", day.isoformat(), *dims, measure, min(days, DURATION_CAP)])] += 1
        return days

    created = site_day(report.created_at)
    add(created, "received")
    add(created, "open_in")
    first_disposed: dt.date | None = None
    responded = overdue = False
    for event in events:
        action, day = event["action"], site_day(event["created_at"])
        before, after = event["from_status"], event["to_status"]
        moved = is_move(event)
        if action == EventAction.DISPOSED and first_disposed is None:
            first_disposed = day
            add(day, "verified")
        if is_return(event):
            add(day, "returned")
        if action == EventAction.RESPONDED and not responded:
            responded = True
            add(day, "responded")
            add(day, "first_response_days", took(day, "first_response", first_disposed))
            deadline = min(met_response_deadlines, key=lambda d: d["met_at"], default=None)
            if deadline is not None and deadline["met_at"] <= deadline["due_at"]:
                add(day, "responded_on_time")
        if is_closing(event):
            add(day, "closed")
            add(day, "close_days", took(day, "close", first_disposed))
        if action == EventAction.REOPENED:
            add(day, "reopened")
        if moved and (before in OPEN_STATUSES) != (after in OPEN_STATUSES):
            add(day, "open_in" if after in OPEN_STATUSES else "open_out")
        if overdue and (moved or action == EventAction.EXTENDED):
            overdue = False
            add(day, "overdue_out")
        elif action == EventAction.OVERDUE and not overdue:
            overdue = True
            add(day, "overdue_in")
    if rating is not None:
        day = site_day(rating["created_at"])
        add(day, "rating_count")
        add(day, "rating_sum", rating["score"])
    for moment in supports:
        add(site_day(moment), "supported")
    agency_id, public = dims[DIMENSIONS.index("agency_id")], dims[DIMENSIONS.index("is_public")]
    # Under each programme, and once under 0 ("any programme": the KSP overseer's totals,
    # which must not count a report tagged twice twice).
    tagged = sorted(set(programme_ids))
    for programme_id in [ANY_PROGRAMME, *tagged] if tagged else []:
        for key, n in list(cells.items()):
            table, day, *rest = json.loads(key)
            if table == "F":
                cells[json.dumps(["P", day, programme_id, agency_id, public, rest[-1]])] += n
    return {key: n for key, n in cells.items() if n}


EVENT_FIELDS = ("report_id", "action", "from_status", "to_status", "created_at")


def report_recount(
    report: Report, *, reload: bool = False, first_event: ReportEvent | None = None
) -> None:
    """Count ``report`` (as the action just saved it) again and write the difference;
    inside the caller's transaction, which holds the report's row lock (or, for a
    support, which does not lock the report, this one takes the report's snapshot row
    first, so two recounts of one report never diff against the same snapshot). What it
    reads beyond the timeline (rating, deadlines, calendar) only when the timeline needs it.

    ``first_event``: the report's first event, written in this transaction with the report
    itself (its submission). Nothing of it is counted yet, that event is its whole
    timeline and it has no programme, support or rating: nothing is read."""
    if first_event is not None:
        old: dict = {}
        events = [{name: getattr(first_event, name) for name in EVENT_FIELDS}]
    else:
        old = (
            ReportRollup.objects.select_for_update()
            .filter(report_id=report.pk)
            .values_list("cells", flat=True)
            .first()
        ) or {}
        if reload:
            report = Report.objects.get(pk=report.pk)
        events = list(
            ReportEvent.objects.filter(report_id=report.pk, action__in=COUNTED_ACTIONS)
            .order_by("seq")
            .values(*EVENT_FIELDS)
        )
    actions = {event["action"] for event in events}
    rating = (
        Rating.objects.filter(report_id=report.pk).values("score", "created_at").first()
        if EventAction.RATED in actions
        else None
    )
    deadlines = (
        _met_response_deadlines([report.pk])[report.pk] if EventAction.RESPONDED in actions else []
    )
    timed = {EventAction.RESPONDED, *CLOSINGS} & actions
    cells = report_cells(
        report,
        events=events,
        rating=rating,
        met_response_deadlines=deadlines,
        calendar=calendar_current() if timed else None,
        # The count on the report is exact (kept with each support): no read without one.
        supports=ReportSupport.objects.filter(report_id=report.pk).values_list(
            "created_at", flat=True
        )
        if report.support_count
        else (),
        programme_ids=()
        if first_event is not None
        else ReportProgramme.objects.filter(report_id=report.pk).values_list(
            "programme_id", flat=True
        ),
    )
    cells_add({key: cells.get(key, 0) - old.get(key, 0) for key in cells.keys() | old.keys()})
    if cells != old:
        ReportRollup.objects.bulk_create(
            [ReportRollup(report_id=report.pk, cells=cells)],
            update_conflicts=True,
            unique_fields=["report"],
            update_fields=["cells"],
        )


def _met_response_deadlines(report_ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    for row in Deadline.objects.filter(
        report_id__in=report_ids, kind=DeadlineKind.RESPONSE, state=DeadlineState.MET
    ).values("report_id", "due_at", "met_at"):
        found[row["report_id"]].append(row)
    return found


def _split(
    delta: Mapping[str, int],
) -> tuple[dict[tuple, dict[str, int]], dict[tuple, int], dict[tuple, dict[str, int]]]:
    """The daily figures, durations and programme figures a delta changes."""
    figures: dict[tuple, dict[str, int]] = defaultdict(dict)
    durations: dict[tuple, int] = {}
    programmes: dict[tuple, dict[str, int]] = defaultdict(dict)
    for key, n in delta.items():
        if not n:
            continue
        table, day, *rest = json.loads(key)
        day = dt.date.fromisoformat(day)
        if table in ("F", "P"):
            *dims, measure = rest
            target = figures if table == "F" else programmes
            target[(day, *dims)][measure] = target[(day, *dims)].get(measure, 0) + n
        else:
            durations[(day, *rest)] = durations.get((day, *rest), 0) + n
    return figures, durations, programmes


FIGURE_KEY = ("day", *DIMENSIONS)
DURATION_KEY = ("day", *DIMENSIONS, "measure", "days")
PROGRAMME_KEY = ("day", "programme_id", "agency_id", "is_public")


PERIOD_KEY = ("grain", "dimension", "start", "agency_id", "is_public", "value")
MONTHLY_DURATION_KEY = ("start", "agency_id", "is_public", "measure", "days")


def _coarse(
    figures: dict[tuple, dict[str, int]], durations: dict[tuple, int]
) -> tuple[dict[tuple, dict[str, int]], dict[tuple, int]]:
    """The week and month cells the daily ones add up to (``PeriodFigure``, per agency
    and national, which also has day totals), and ``MonthlyDuration``."""
    periods: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cell, changes in figures.items():
        values = dict(zip(FIGURE_KEY, cell, strict=True))
        day, agency, public = values["day"], values["agency_id"], values["is_public"]
        month, monday = day.replace(day=1), day - dt.timedelta(days=day.weekday())
        national = national_bucket(agency)
        keys = [
            *(
                key
                for whom in (agency, national)
                for key in (
                    (Grain.MONTH.value, "", month, whom, public, ""),
                    (Grain.WEEK.value, "", monday, whom, public, ""),
                    *(
                        (Grain.MONTH.value, name, month, whom, public, str(values[name]))
                        for name in MONTHLY_BREAKDOWNS
                    ),
                )
            ),
            (Grain.DAY.value, "", day, national, public, ""),
        ]
        for key in keys:
            for measure, n in changes.items():
                periods[key][measure] += n
    monthly: dict[tuple, int] = defaultdict(int)
    for cell, n in durations.items():
        values = dict(zip(DURATION_KEY, cell, strict=True))
        key = (
            values["day"].replace(day=1),
            values["agency_id"],
            values["is_public"],
            values["measure"],
            values["days"],
        )
        monthly[key] += n
    return (
        {
            key: {m: n for m, n in changes.items() if n}
            for key, changes in periods.items()
            if any(changes.values())
        },
        {key: n for key, n in monthly.items() if n},
    )


def cells_add(delta: Mapping[str, int]) -> None:
    """Add ``delta`` ({cell key: change}) to the roll-up tables (the daily cells and the
    week and month cells they add up to): one upsert per table and set of measures."""
    figures, durations, programmes = _split(delta)
    periods, monthly = _coarse(figures, durations)
    _upsert_many(DailyFigure, FIGURE_KEY, figures.items())
    _upsert_many(DailyDuration, DURATION_KEY, ((c, {"count": n}) for c, n in durations.items()))
    _upsert_many(PeriodFigure, PERIOD_KEY, periods.items())
    _upsert_many(
        MonthlyDuration, MONTHLY_DURATION_KEY, ((c, {"count": n}) for c, n in monthly.items())
    )
    _upsert_many(ProgrammeFigure, PROGRAMME_KEY, programmes.items())


# Rows per statement: far below SQLite's limit of bound parameters.
_UPSERT_ROWS = 50


def _upsert_many(
    model, key: tuple[str, ...], cells: Iterable[tuple[tuple, dict[str, int]]]
) -> None:
    """Add each cell's changes to its measures, creating the rows that are missing: one
    ``INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite alike) per
    set of measures, so concurrent writers of one cell add up instead of colliding. The
    rows go in key order, so that two writers lock the cells they share in the same order
    and never deadlock."""
    by_measures: dict[tuple[str, ...], list[tuple[tuple, dict[str, int]]]] = defaultdict(list)
    for cell, changes in cells:
        by_measures[tuple(sorted(changes))].append((cell, changes))
    # The connection itself, not ``django.db.connection``'s proxy, whose every attribute is
    # a thread-local lookup: the values below ask it once each.
    db = transaction.get_connection()
    meta, quote = model._meta, db.ops.quote_name
    table = quote(meta.db_table)
    keys = [quote(meta.get_field(name).column) for name in key]
    for names, rows in sorted(by_measures.items()):
        rows.sort(key=lambda row: tuple(str(value) for value in row[0]))
        measures = [quote(meta.get_field(name).column) for name in names]
        fields = [meta.get_field(name) for name in [*key, *names]]
        placeholders = f"({', '.join(['%s'] * len(fields))})"
        for first in range(0, len(rows), _UPSERT_ROWS):
            chunk = rows[first : first + _UPSERT_ROWS]
            values = [
                field.get_db_prep_save(value, db)
                for cell, changes in chunk
                for field, value in zip(
                    fields, [*cell, *(changes[name] for name in names)], strict=True
                )
            ]
            # Only the model's own quoted column names are formatted in; values are parameters.
            sql = (
                f"INSERT INTO {table} ({', '.join([*keys, *measures])}) "  # noqa: S608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                + ", ".join(
                    f"{column} = {table}.{column} + EXCLUDED.{column}" for column in measures
                )
            )
            with db.cursor() as cursor:
                cursor.execute(sql, values)


def rollups_rebuild(
    *, since: dt.date | None = None, until: dt.date | None = None, batch: int = 2000, progress=None
) -> int:
    """Count the reports submitted in [since, until] (every report without bounds) again.

    Without bounds the tables are emptied and written afresh in bulk, in one transaction
    (readers keep the old figures until it commits; the listeners' writes wait for it):
    reports are read in submission order, and a cell dated before the current batch's
    first submission day can no longer grow, so it is written and forgotten (memory stays
    bounded). With bounds each report's difference is written as the listener does, one
    committed transaction per batch, safe beside live traffic. Returns how many reports
    were counted; ``progress(n)`` is called after each batch.
    """
    reports = Report.objects.order_by("created_at", "id")
    if since is not None:
        reports = reports.filter(created_at__date__gte=since)
    if until is not None:
        reports = reports.filter(created_at__date__lte=until)
    if since is not None or until is not None:
        return _recount_batches(reports, batch=batch, progress=progress)
    calendar = calendar_current()
    # Cells not yet written, by day: a day before the batch's first submission is complete.
    pending: dict[str, Counter[str]] = defaultdict(Counter)
    counted = 0
    with transaction.atomic():
        for model in (DailyFigure, DailyDuration, PeriodFigure, MonthlyDuration, ProgrammeFigure):
            model.objects.all().delete()
        ReportRollup.objects.all().delete()
        for chunk in _batches(reports, batch=batch):
            cells_by_report = _cells_for(chunk, calendar=calendar)
            ReportRollup.objects.bulk_create(
                ReportRollup(report_id=pk, cells=cells) for pk, cells in cells_by_report.items()
            )
            for cells in cells_by_report.values():
                for key, n in cells.items():
                    pending[_cell_day(key)][key] += n
            _flush(pending, before=site_day(chunk[0].created_at))
            counted += len(chunk)
            if progress is not None:
                progress(len(chunk))
        _flush(pending, before=None)
        _derive_periods()
    return counted


def _batches(reports, *, batch: int):
    """``reports`` (in submission order) ``batch`` at a time, by keyset."""
    last = None
    while True:
        page = reports if last is None else reports.filter(_after(last))
        chunk = list(page[:batch])
        if not chunk:
            return
        last = (chunk[-1].created_at, chunk[-1].pk)
        yield chunk


def _recount_batches(reports, *, batch: int, progress=None) -> int:
    """Write each report's difference to its snapshot, one transaction per batch; the
    snapshots are locked as the listener locks them, so a live recount waits its turn."""
    calendar = calendar_current()
    counted = 0
    for chunk in _batches(reports, batch=batch):
        with transaction.atomic():
            ids = [report.pk for report in chunk]
            snapshots = dict(
                ReportRollup.objects.select_for_update()
                .filter(report_id__in=ids)
                .values_list("report_id", "cells")
            )
            delta: Counter[str] = Counter()
            changed = []
            for report_id, cells in _cells_for(chunk, calendar=calendar).items():
                old = snapshots.get(report_id, {})
                for key in cells.keys() | old.keys():
                    delta[key] += cells.get(key, 0) - old.get(key, 0)
                if cells != old:
                    changed.append(ReportRollup(report_id=report_id, cells=cells))
            cells_add(delta)
            ReportRollup.objects.bulk_create(
                changed, update_conflicts=True, unique_fields=["report"], update_fields=["cells"]
            )
        counted += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return counted


def rollups_analyze() -> None:
    """Refresh the planner's statistics of the roll-up tables after a bulk rebuild
    (PostgreSQL; before autovacuum gets to it the planner guesses one row and picks
    slow plans)."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (
            DailyFigure,
            DailyDuration,
            PeriodFigure,
            MonthlyDuration,
            ProgrammeFigure,
            ReportRollup,
        )
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _derive_periods() -> None:
    """Fill the week and month tables (and the national days) from the daily ones (after
    a full rebuild)."""
    sums = {measure: Sum(measure) for measure in MEASURES}
    bucket = Value(-1) - F("agency_id") % NATIONAL_BUCKETS  # models.national_bucket
    for grain, truncate, dimensions, national_only in (
        (Grain.MONTH, TruncMonth("day"), ("", *MONTHLY_BREAKDOWNS), False),
        (Grain.WEEK, TruncWeek("day"), ("",), False),
        (Grain.DAY, F("day"), ("",), True),
    ):
        for dimension, whom in itertools.product(
            dimensions, ["national"] if national_only else ["agency", "national"]
        ):
            group = ["agency_id", "is_public", *([dimension] if dimension else [])]
            rows = (
                DailyFigure.objects.annotate(start=truncate)
                .annotate(**({"bucket": bucket} if whom == "national" else {}))
                .values("start", *(["bucket", *group[1:]] if whom == "national" else group))
                .annotate(**sums)
                .order_by()
            )
            PeriodFigure.objects.bulk_create(
                (
                    PeriodFigure(
                        grain=grain,
                        dimension=dimension,
                        value=str(row[dimension]) if dimension else "",
                        start=_as_date(row["start"]),
                        agency_id=row["bucket"] if whom == "national" else row["agency_id"],
                        is_public=row["is_public"],
                        **{measure: row[measure] or 0 for measure in MEASURES},
                    )
                    for row in rows.iterator(chunk_size=2000)
                ),
                batch_size=1000,
            )
    rows = (
        DailyDuration.objects.annotate(start=TruncMonth("day"))
        .values("start", "agency_id", "is_public", "measure", "days")
        .annotate(n=Sum("count"))
        .order_by()
    )
    MonthlyDuration.objects.bulk_create(
        (
            MonthlyDuration(
                start=_as_date(row["start"]),
                agency_id=row["agency_id"],
                is_public=row["is_public"],
                measure=row["measure"],
                days=row["days"],
                count=row["n"],
            )
            for row in rows.iterator(chunk_size=2000)
        ),
        batch_size=1000,
    )


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _after(last: tuple[dt.datetime, int]) -> Q:
    created_at, pk = last
    return Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=pk)


def _cells_for(chunk: list[Report], *, calendar: WorkingCalendar) -> dict[int, dict[str, int]]:
    ids = [report.pk for report in chunk]
    events: dict[int, list[dict]] = defaultdict(list)
    for row in (
        ReportEvent.objects.filter(report_id__in=ids, action__in=COUNTED_ACTIONS)
        .order_by("report_id", "seq")
        .values(*EVENT_FIELDS)
    ):
        events[row["report_id"]].append(row)
    ratings = {
        row["report_id"]: row
        for row in Rating.objects.filter(report_id__in=ids).values(
            "report_id", "score", "created_at"
        )
    }
    deadlines = _met_response_deadlines(ids)
    supports: dict[int, list[dt.datetime]] = defaultdict(list)
    for report_id, moment in ReportSupport.objects.filter(report_id__in=ids).values_list(
        "report_id", "created_at"
    ):
        supports[report_id].append(moment)
    programmes: dict[int, list[int]] = defaultdict(list)
    for report_id, programme_id in ReportProgramme.objects.filter(report_id__in=ids).values_list(
        "report_id", "programme_id"
    ):
        programmes[report_id].append(programme_id)
    return {
        report.pk: report_cells(
            report,
            events=events[report.pk],
            rating=ratings.get(report.pk),
            met_response_deadlines=deadlines[report.pk],
            calendar=calendar,
            supports=supports[report.pk],
            programme_ids=programmes[report.pk],
        )
        for report in chunk
    }


def _cell_day(key: str) -> str:
    """The ISO day of a cell key (``["F", "2026-01-31", …]``) without parsing it."""
    return key[7:17]


def _flush(pending: dict[str, Counter[str]], *, before: dt.date | None) -> None:
    """Insert the pending cells (grouped by their day) dated before ``before`` (all when
    None); the tables were emptied and no later report adds to them, so these are plain
    inserts."""
    limit = before.isoformat() if before is not None else None
    ready: Counter[str] = Counter()
    for day in [day for day in pending if limit is None or day < limit]:
        ready.update(pending.pop(day))
    figures, durations, programmes = _split(ready)
    DailyFigure.objects.bulk_create(
        (
            DailyFigure(**dict(zip(FIGURE_KEY, cell, strict=True)), **m)
            for cell, m in figures.items()
        ),
        batch_size=1000,
    )
    DailyDuration.objects.bulk_create(
        (
            DailyDuration(**dict(zip(DURATION_KEY, cell, strict=True)), count=n)
            for cell, n in durations.items()
        ),
        batch_size=1000,
    )
    ProgrammeFigure.objects.bulk_create(
        (
            ProgrammeFigure(**dict(zip(PROGRAMME_KEY, cell, strict=True)), **m)
            for cell, m in programmes.items()
        ),
        batch_size=1000,
    )
