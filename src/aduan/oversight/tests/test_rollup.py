"""The roll-ups equal a direct count from the reports and their timelines, after random
workflows (kept by the listener), and again after a rebuild."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from aduan.core.errors import DomainError
from aduan.oversight.models import (
    MEASURES,
    MONTHLY_BREAKDOWNS,
    DailyDuration,
    DailyFigure,
    MonthlyDuration,
    PeriodFigure,
    ProgrammeFigure,
    ReportRollup,
)
from aduan.oversight.rollup import rollups_rebuild
from aduan.programmes.models import ReportProgramme
from aduan.reports.history import site_day
from aduan.reports.models import (
    OPEN_STATUSES,
    VERIFIED_STATUSES,
    Rating,
    Report,
    ReportEvent,
    ReportSupport,
)
from aduan.sla.models import Deadline, DeadlineKind, DeadlineState
from aduan.workflow.actions import action_take
from aduan.workflow.services import (
    report_auto_close,
    report_submit,
    report_support,
    report_unsupport,
)
from aduan.workflow.sweep import sweep_run
from aduan.workflow.tests.test_transitions import EXPECTED, START, payload_for, world_build

pytestmark = pytest.mark.django_db

EVENT_MEASURES = ("received", "verified", "returned", "responded", "closed", "reopened")
COUNTED = (*EVENT_MEASURES, "rating_count", "rating_sum", "supported")


def _public(report: Report) -> bool:
    return not report.confidential and report.status in VERIFIED_STATUSES


def direct_counts(*, by_programme: bool = False) -> Counter:
    """Straight from the tables: {(measure, day, agency_id, public): n}; by programme,
    {(measure, day, programme_id, agency_id, public): n} for each programme a report has."""
    counts: Counter = Counter()
    reports = {report.pk: report for report in Report.objects.all()}
    programmes: dict[int, list[int]] = {pk: [] for pk in reports}
    for tag in ReportProgramme.objects.all():
        programmes[tag.report_id].append(tag.programme_id)
    for tags in programmes.values():
        if tags:
            tags.append(0)  # "any programme": each tagged report once

    def add(measure, report_id, moment, n=1):
        report = reports[report_id]
        where = (report.agency_id or 0, _public(report))
        if not by_programme:
            counts[(measure, site_day(moment), *where)] += n
        for programme_id in programmes[report_id] if by_programme else ():
            counts[(measure, site_day(moment), programme_id, *where)] += n

    for report in reports.values():
        add("received", report.pk, report.created_at)
    firsts: dict[tuple[int, str], ReportEvent] = {}
    for event in ReportEvent.objects.order_by("report_id", "seq"):
        if event.action in ("dispose", "respond"):
            firsts.setdefault((event.report_id, event.action), event)
        if event.to_status == "returned" and event.from_status != "returned":
            add("returned", event.report_id, event.created_at)
        if event.action in ("close", "auto_close"):
            add("closed", event.report_id, event.created_at)
        if event.action == "reopen":
            add("reopened", event.report_id, event.created_at)
    for (report_id, action), event in firsts.items():
        add("verified" if action == "dispose" else "responded", report_id, event.created_at)
    for rating in Rating.objects.all():
        add("rating_count", rating.report_id, rating.created_at)
        add("rating_sum", rating.report_id, rating.created_at, rating.score)
    for support in ReportSupport.objects.all():
        add("supported", support.report_id, support.created_at)
    return counts


def rolled_counts() -> Counter:
    counts: Counter = Counter()
    for row in DailyFigure.objects.all():
        for measure in COUNTED:
            value = getattr(row, measure)
            if value:
                counts[(measure, row.day, row.agency_id, row.is_public)] += value
    return counts


def programme_counts() -> Counter:
    counts: Counter = Counter()
    for row in ProgrammeFigure.objects.all():
        for measure in COUNTED:
            value = getattr(row, measure)
            if value:
                counts[(measure, row.day, row.programme_id, row.agency_id, row.is_public)] += value
    return counts


def flows() -> Counter:
    totals: Counter = Counter()
    for row in DailyFigure.objects.all():
        for measure in ("open_in", "open_out", "overdue_in", "overdue_out", "responded_on_time"):
            totals[measure] += getattr(row, measure)
    return totals


def overdue_now() -> int:
    """Reports whose last "deadline missed" mark is not followed by a change of status or
    an extension."""
    count = 0
    for report in Report.objects.all():
        marked = False
        for event in report.events.order_by("seq"):
            moved = event.to_status and event.from_status and event.to_status != event.from_status
            if marked and (moved or event.action == "extend"):
                marked = False
            elif event.action == "overdue":
                marked = True
        count += marked
    return count


def on_time_responses() -> int:
    count = 0
    for report in Report.objects.filter(events__action="respond").distinct():
        met = (
            Deadline.objects.filter(
                report=report, kind=DeadlineKind.RESPONSE, state=DeadlineState.MET
            )
            .order_by("met_at")
            .first()
        )
        count += met is not None and met.met_at <= met.due_at
    return count


def coarse_from_daily() -> tuple[Counter, Counter]:
    """The week and month tables as the daily ones add up, and as they are."""
    expected: Counter = Counter()
    for row in DailyFigure.objects.all():
        month = row.day.replace(day=1)
        monday = row.day - dt.timedelta(days=row.day.weekday())
        keys = [("M", "", month, ""), ("W", "", monday, "")] + [
            ("M", name, month, str(getattr(row, name))) for name in MONTHLY_BREAKDOWNS
        ]
        # The national totals: the same, in the agency's bucket, and each day's total.
        bucket = -1 - row.agency_id % 16
        rows = [(key, row.agency_id) for key in keys] + [(key, bucket) for key in keys]
        rows.append((("D", "", row.day, ""), bucket))
        for (grain, dimension, start, value), agency_id in rows:
            for measure in MEASURES:
                expected[(grain, dimension, start, agency_id, row.is_public, value, measure)] += (
                    getattr(row, measure)
                )
    for row in DailyDuration.objects.all():
        expected[
            ("D", row.day.replace(day=1), row.agency_id, row.is_public, row.measure, row.days)
        ] += row.count
    actual: Counter = Counter()
    for row in PeriodFigure.objects.all():
        for measure in MEASURES:
            actual[
                (
                    row.grain,
                    row.dimension,
                    row.start,
                    row.agency_id,
                    row.is_public,
                    row.value,
                    measure,
                )
            ] += getattr(row, measure)
    for row in MonthlyDuration.objects.all():
        actual[("D", row.start, row.agency_id, row.is_public, row.measure, row.days)] += row.count
    return +expected, +actual


def assert_rollups_match() -> None:
    assert rolled_counts() == direct_counts()
    assert programme_counts() == direct_counts(by_programme=True)
    expected, actual = coarse_from_daily()
    assert actual == expected
    totals = flows()
    assert (
        totals["open_in"] - totals["open_out"]
        == Report.objects.filter(status__in=OPEN_STATUSES).count()
    )
    assert totals["overdue_in"] - totals["overdue_out"] == overdue_now()
    assert totals["responded_on_time"] == on_time_responses()


def table_contents() -> set:
    fields = [f.name for f in DailyFigure._meta.concrete_fields if f.name != "id"]
    rows = DailyFigure.objects.values_list(*fields)
    measures = slice(8, None)
    return {row for row in rows if any(row[measures])}


class Workflows(RuleBasedStateMachine):
    """A few reports; people act on them as the transition table allows, time passes,
    the sweep marks missed deadlines and closes what is due."""

    world = None

    @initialize()
    def start(self):
        self.savepoint = transaction.savepoint()
        self.clock = time_machine.travel(START, tick=False)
        self.coordinates = self.clock.start()
        self.reports: list[Report] = []
        self.survivor = None
        self.submit(confidential=False)

    def teardown(self):
        if hasattr(self, "savepoint"):
            self.clock.stop()
            transaction.savepoint_rollback(self.savepoint)

    @rule(confidential=st.booleans())
    def submit(self, confidential):
        report = report_submit(
            reporter=self.world.users["reporter"],
            channel="web",
            classification="complaint",
            title="Lampu jalan padam di jalan utama",
            body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
            confidential=confidential,
        )
        self.reports.append(report)
        if self.survivor is None:
            self.survivor = report

    @rule(hours=st.integers(min_value=1, max_value=24 * 12))
    def time_passes(self, hours):
        self.coordinates.shift(dt.timedelta(hours=hours))

    @rule()
    def sweep(self):
        sweep_run(now=timezone.now())

    @rule(data=st.data(), give=st.booleans())
    def support(self, data, give):
        """Another citizen supports a report, or takes the support back (no event)."""
        report = Report.objects.get(pk=data.draw(st.sampled_from(self.reports)).pk)
        service = report_support if give else report_unsupport
        with contextlib.suppress(DomainError):
            service(report=report, actor=self.world.users["other_citizen"])

    @rule(data=st.data())
    def act(self, data):
        report = Report.objects.get(pk=data.draw(st.sampled_from(self.reports)).pk)
        actions = [action for action, (moves, _) in EXPECTED.items() if report.status in moves]
        if not actions:
            return
        action = data.draw(st.sampled_from(actions))
        kind = data.draw(st.sampled_from(sorted(EXPECTED[action][1]) or ["system"]))
        survivor = next((r for r in self.reports if r.pk != report.pk), report)
        payload = payload_for(action, world=self.world, report=report, survivor=survivor)
        if action == "forward":
            target = data.draw(st.sampled_from(["unit", "sibling", "elsewhere"]))
            payload["agency_id"] = getattr(self.world, target).pk
        try:
            if kind == "system":
                report_auto_close(report=report)
            else:
                action_take(
                    report=report, actor=self.world.users[kind], action=action, payload=payload
                )
        except DomainError:
            pass

    @invariant()
    def rollups_equal_a_direct_count(self):
        if hasattr(self, "reports"):
            assert_rollups_match()


def test_rollups_equal_a_direct_count_after_random_workflows():
    Workflows.world = world_build()
    run_state_machine_as_test(
        Workflows,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )


def test_the_rebuild_writes_what_the_listener_kept():
    world = world_build()
    with time_machine.travel(START, tick=False) as clock:
        reports = [
            report_submit(
                reporter=world.users["reporter"],
                channel=channel,
                classification="complaint",
                title="Lampu jalan padam di jalan utama",
                body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
            )
            for channel in ("web", "sms", "web")
        ]
        admin, staff = world.users["national_admin"], world.users["agency_admin"]
        for report in reports[:2]:
            action_take(
                report=report,
                actor=admin,
                action="dispose",
                payload=payload_for("dispose", world=world, report=report, survivor=report),
            )
        clock.shift(dt.timedelta(days=40))
        sweep_run(now=timezone.now())
        action_take(
            report=reports[0],
            actor=staff,
            action="respond",
            payload=payload_for("respond", world=world, report=reports[0], survivor=reports[0]),
        )
        action_take(
            report=reports[1],
            actor=admin,
            action="set_programmes",
            payload=payload_for(
                "set_programmes", world=world, report=reports[1], survivor=reports[1]
            ),
        )
        report_support(
            report=Report.objects.get(pk=reports[1].pk), actor=world.users["other_citizen"]
        )
    kept = table_contents()
    programmes_kept = programme_counts()
    assert programmes_kept[("received", START.date(), 0, world.agency.pk, True)] == 1
    assert sum(n for key, n in programmes_kept.items() if key[0] == "supported") == 2
    coarse = coarse_from_daily()[1]
    snapshots = dict(ReportRollup.objects.values_list("report_id", "cells"))
    assert kept
    assert sum(row[8] for row in kept) == 3  # received
    assert rollups_rebuild() == 3
    assert table_contents() == kept
    assert programme_counts() == programmes_kept
    assert coarse_from_daily()[1] == coarse
    assert dict(ReportRollup.objects.values_list("report_id", "cells")) == snapshots
    assert_rollups_match()
    # A bounded rebuild writes differences only: nothing changes.
    rollups_rebuild(since=START.date(), until=START.date())
    assert table_contents() == kept
    assert programme_counts() == programmes_kept
    # From empty tables a bounded rebuild (committed batch by batch) writes them all again.
    for model in (DailyFigure, DailyDuration, PeriodFigure, MonthlyDuration, ProgrammeFigure):
        model.objects.all().delete()
    ReportRollup.objects.all().delete()
    assert rollups_rebuild(since=START.date(), until=START.date(), batch=2) == 3
    assert table_contents() == kept
    assert programme_counts() == programmes_kept
    assert coarse_from_daily()[1] == coarse
    assert dict(ReportRollup.objects.values_list("report_id", "cells")) == snapshots


def test_a_cell_key_holds_its_day_at_a_fixed_place():
    """The full rebuild groups pending cells by day without parsing each key."""
    from aduan.oversight.rollup import _cell_day

    for key in (
        json.dumps(["F", "2026-12-03", 1, "32", "", 0, "web", "complaint", True, "received"]),
        json.dumps(["H", "2025-01-31", 1, "", "", 0, "sms", "aspiration", False, "close", 3]),
        json.dumps(["P", "2024-02-29", 7, 1, True, "received"]),
    ):
        assert _cell_day(key) == json.loads(key)[1]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 10, 1), dt.date(2027, 2, 14)),  # whole months and a tail
        (dt.date(2026, 10, 17), dt.date(2027, 1, 31)),  # a head and whole months
        (dt.date(2026, 12, 3), dt.date(2026, 12, 20)),  # inside one month
        (dt.date(2026, 9, 1), dt.date(2027, 3, 31)),  # whole months only
    ],
)
def test_figures_from_weeks_and_months_equal_those_from_days(start, end):
    """The selectors read whole weeks and months from the period table and the rest from
    the daily one; a region filter reads days only: both must agree."""
    from aduan.oversight.selectors import Period, Where, breakdown, figures, league

    world = world_build()
    with time_machine.travel(START, tick=False) as clock:
        for step in range(8):
            report = report_submit(
                reporter=world.users["reporter"],
                channel=("web", "sms")[step % 2],
                classification="complaint",
                title="Lampu jalan padam di jalan utama",
                body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
            )
            action_take(
                report=report,
                actor=world.users["national_admin"],
                action="dispose",
                payload=payload_for("dispose", world=world, report=report, survivor=report),
            )
            clock.shift(dt.timedelta(days=9))
            if step % 3:
                action_take(
                    report=report,
                    actor=world.users["agency_admin"],
                    action="respond",
                    payload=payload_for("respond", world=world, report=report, survivor=report),
                )
            clock.shift(dt.timedelta(days=4))
    period = Period(start, end)
    mixed = Where()
    direct = DailyFigure.objects.filter(day__range=(start, end))
    assert figures(where=mixed, period=period).received == sum(r.received for r in direct)
    assert figures(where=mixed, period=period).responded == sum(r.responded for r in direct)
    weeks = {s.key: s.received for s in breakdown(where=mixed, period=period, by="week")}
    by_week: Counter = Counter()
    for row in direct:
        by_week[row.day - dt.timedelta(days=row.day.weekday())] += row.received
    assert {k: v for k, v in weeks.items() if v} == {k: v for k, v in by_week.items() if v}
    channels = {s.key: s.received for s in breakdown(where=mixed, period=period, by="channel")}
    by_channel: Counter = Counter()
    for row in direct:
        by_channel[row.channel] += row.received
    assert {k: v for k, v in channels.items() if v} == {k: v for k, v in by_channel.items() if v}
    [row] = league(where=mixed, period=period, agencies=[world.agency])
    assert row.figures.received == sum(r.received for r in direct)


def test_the_rebuild_command_counts_every_report_with_a_progress_bar():
    import io

    from django.core.management import call_command

    world = world_build()
    report_submit(
        reporter=world.users["reporter"],
        channel="web",
        classification="complaint",
        title="Lampu jalan padam di jalan utama",
        body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
    )
    kept = table_contents()
    out, err = io.StringIO(), io.StringIO()
    call_command("oversight_rebuild", stdout=out, stderr=err)
    assert "Counted 1 reports" in out.getvalue()
    assert "1/1" in err.getvalue()  # tqdm's bar
    assert table_contents() == kept
    call_command("oversight_rebuild", "--from", "2020-01-01", "--to", "2020-01-31", stdout=out)
    assert "Counted 0 reports" in out.getvalue()
