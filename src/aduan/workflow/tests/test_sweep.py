"""The periodic sweep: reminders, overdue marks, escalation, auto-close, and running it
on several machines at once; the scheduler that enqueues it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import textwrap
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import REPO_ROOT, subprocess_env
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.notifications.models import Notification
from aduan.reports.audit import chain_verify
from aduan.reports.models import EventAction, Report, ReportEvent, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.sla.models import DayOff, Deadline, DeadlineKind, DeadlineState
from aduan.sla.services import deadline_extend
from aduan.workflow import services as wf
from aduan.workflow.sweep import sweep_run
from aduan.workflow.tasks import sweep, sweep_schedule, sweep_slot

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def at(day: int, hour: int = 10, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def add_deadline(report, *, kind=DeadlineKind.RESPONSE, agency=None, due: dt.datetime) -> Deadline:
    return Deadline.objects.create(
        report=report,
        kind=kind,
        agency=None if kind == DeadlineKind.VERIFICATION else agency or report.agency,
        starts_at=due - dt.timedelta(days=7),
        due_at=due,
        timezone="Asia/Jakarta",
        rule="5 hari kerja",
        working_days=5,
    )


def kinds_for(user) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, channel="in_app").values_list("kind", flat=True)
    )


@pytest.fixture
def people(db):
    """A ministry with an admin, its unit with an officer and an admin, another
    top-level agency, a national admin, oversight, and a bystander admin elsewhere."""
    ministry = AgencyFactory(name="Kementerian Perhubungan")
    unit = UnitFactory(parent=ministry, name="Direktorat Jalan")
    lone = AgencyFactory(name="Pemerintah Kota Bogor")
    return {
        "ministry": ministry,
        "unit": unit,
        "lone": lone,
        "ministry_admin": AgencyAdminFactory(agency=ministry),
        "unit_admin": AgencyAdminFactory(agency=unit),
        "unit_officer": UnitOfficerFactory(agency=unit, language="en"),
        "lone_admin": AgencyAdminFactory(agency=lone),
        "national": NationalAdminFactory(),
        "oversight": OversightFactory(),
        "elsewhere": AgencyAdminFactory(),
    }


# --- Reminders ---------------------------------------------------------------------------


def test_reminder_on_the_working_day_before_not_earlier_and_only_once(people):
    report = ReportFactory(agency=people["unit"], status=Status.IN_PROGRESS)
    # Due Monday 7 Dec: the working day before is Friday 4 Dec (the weekend is skipped).
    deadline = add_deadline(report, due=dt.datetime(2026, 12, 7, 23, 59, 59, tzinfo=WIB))
    with time_machine.travel(at(3, 23, 59), tick=False):
        assert sweep_run().reminded == 0
    with time_machine.travel(at(4, 0, 1), tick=False):
        assert sweep_run().reminded == 1
        assert sweep_run().reminded == 0
    with time_machine.travel(at(6, 12), tick=False):
        assert sweep_run().reminded == 0
    deadline.refresh_from_db()
    assert deadline.reminded_at == at(4, 0, 1)
    for who in ("unit_admin", "unit_officer"):
        assert kinds_for(people[who]) == ["deadline_reminder"]
    for who in ("ministry_admin", "lone_admin", "national", "oversight", "elsewhere"):
        assert kinds_for(people[who]) == []
    row = Notification.objects.get(recipient=people["unit_officer"], channel="in_app")
    assert "must be handled by Dec. 7, 2026." in row.body


def test_reminder_skips_an_extra_day_off(people):
    report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    # Due Tuesday 8 Dec; Monday 7 Dec is a day off, so the reminder comes on Friday 4 Dec.
    DayOff.objects.create(date=dt.date(2026, 12, 7), name="Cuti bersama")
    add_deadline(report, due=dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB))
    with time_machine.travel(at(3, 23), tick=False):
        assert sweep_run().reminded == 0
    with time_machine.travel(at(4, 8), tick=False):
        assert sweep_run().reminded == 1
    assert kinds_for(people["lone_admin"]) == ["deadline_reminder"]


def test_verification_reminder_goes_to_the_national_admins(people):
    report = ReportFactory(status=Status.SUBMITTED)
    add_deadline(report, kind=DeadlineKind.VERIFICATION, due=at(8, 23, 59))
    with time_machine.travel(at(7, 9), tick=False):
        assert sweep_run().reminded == 1
    assert kinds_for(people["national"]) == ["deadline_reminder"]
    assert kinds_for(people["oversight"]) == []


def test_an_extended_deadline_is_reminded_again_for_its_new_due_day(people):
    report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    add_deadline(report, due=dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB))
    with time_machine.travel(at(7, 9), tick=False):
        assert sweep_run().reminded == 1
        deadline_extend(report=report, working_days=2, reason="Menunggu anggaran perbaikan")
        assert sweep_run().reminded == 0  # due Thursday 10 Dec now: remind on Wednesday
    with time_machine.travel(at(9, 9), tick=False):
        assert sweep_run().reminded == 1
        assert sweep_run().reminded == 0
    assert kinds_for(people["lone_admin"]) == ["deadline_reminder", "deadline_reminder"]


# --- Overdue and escalation -----------------------------------------------------------


def test_overdue_marks_the_report_records_an_event_and_escalates_once(people):
    report = ReportFactory(agency=people["unit"], status=Status.IN_PROGRESS)
    deadline = add_deadline(report, due=dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB))
    Deadline.objects.filter(pk=deadline.pk).update(reminded_at=at(7, 0, 5))
    with time_machine.travel(at(8, 23, 59), tick=False):
        assert sweep_run().overdue == 0
    with time_machine.travel(at(9, 0, 5), tick=False):
        first = sweep_run()
        second = sweep_run()
    assert (first.overdue, first.escalated) == (1, 1)
    assert (second.overdue, second.escalated) == (0, 0)
    report.refresh_from_db()
    deadline.refresh_from_db()
    assert report.is_overdue
    assert report.due_at == deadline.due_at
    assert deadline.overdue_at == deadline.escalated_at == at(9, 0, 5)
    events = list(report.events.filter(action__in=[EventAction.OVERDUE, EventAction.ESCALATED]))
    assert [(e.action, e.is_public, e.actor_id, e.actor_role) for e in events] == [
        (EventAction.OVERDUE, False, None, "system"),
        (EventAction.ESCALATED, False, None, "system"),
    ]
    assert "Kementerian Perhubungan" in events[1].note
    # The unit missed it: its staff are told, its parent's admins and oversight get it.
    assert kinds_for(people["unit_admin"]) == ["deadline_overdue"]
    assert kinds_for(people["unit_officer"]) == ["deadline_overdue"]
    assert kinds_for(people["ministry_admin"]) == ["escalation"]
    assert kinds_for(people["oversight"]) == ["escalation"]
    for who in ("lone_admin", "national", "elsewhere"):
        assert kinds_for(people[who]) == []
    assert report.reporter.notifications.count() == 0
    assert list(chain_verify()) == []


def test_the_overdue_report_keeps_its_earliest_open_deadline_as_due(people):
    report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    response = add_deadline(report, due=at(8, 23, 59))
    add_deadline(report, kind=DeadlineKind.COMPLETION, due=at(22, 23, 59))
    met = add_deadline(report, kind=DeadlineKind.VERIFICATION, due=at(2, 23, 59))
    Deadline.objects.filter(pk=met.pk).update(state=DeadlineState.MET)
    with time_machine.travel(at(9, 9), tick=False):
        assert sweep_run().overdue == 1
    report.refresh_from_db()
    assert (report.due_at, report.is_overdue) == (response.due_at, True)
    assert report.event_count == 3  # submitted, overdue, escalated
    assert list(chain_verify()) == []


def test_a_top_level_agency_is_escalated_to_oversight_only(people):
    report = ReportFactory(agency=people["lone"], status=Status.DISPOSITIONED)
    add_deadline(report, due=at(8, 23, 59))
    with time_machine.travel(at(9, 9), tick=False):
        result = sweep_run()
    assert (result.overdue, result.escalated) == (1, 1)
    assert kinds_for(people["lone_admin"]) == ["deadline_overdue"]
    assert kinds_for(people["oversight"]) == ["escalation"]
    assert kinds_for(people["ministry_admin"]) == []


def test_an_overdue_verification_tells_the_national_admins(people):
    report = ReportFactory(status=Status.SUBMITTED)
    add_deadline(report, kind=DeadlineKind.VERIFICATION, due=at(8, 23, 59))
    with time_machine.travel(at(9, 9), tick=False):
        assert sweep_run().overdue == 1
    assert kinds_for(people["national"]) == ["deadline_overdue"]
    assert kinds_for(people["oversight"]) == ["escalation"]
    report.refresh_from_db()
    assert report.is_overdue


def test_met_deadlines_and_the_reporters_silence_are_never_overdue(people):
    met = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    Deadline.objects.filter(pk=add_deadline(met, due=at(8, 23, 59)).pk).update(
        state=DeadlineState.MET
    )
    silent = ReportFactory(agency=people["lone"], status=Status.RESPONDED)
    add_deadline(silent, kind=DeadlineKind.AUTOCLOSE, due=at(20, 23, 59))
    with time_machine.travel(at(21, 9), tick=False):
        result = sweep_run()
    assert result.overdue == 0
    met.refresh_from_db()
    assert not met.is_overdue
    assert not ReportEvent.objects.filter(action=EventAction.OVERDUE).exists()


# --- Auto-close --------------------------------------------------------------------------


def responded_report(people):
    citizen = UserFactory(language="en")
    report = ReportFactory(reporter=citizen, agency=people["lone"], status=Status.IN_PROGRESS)
    with time_machine.travel(at(1, 10), tick=False):
        # Tuesday 1 Dec + 10 working days = Tuesday 15 Dec, 23:59:59 WIB.
        wf.report_respond(
            report=report,
            actor=people["lone_admin"],
            body="Jalan sudah kami perbaiki kemarin sore, mohon dicek kembali.",
        )
    return citizen, report


def test_autoclose_reminds_the_reporter_then_closes_after_ten_working_days(people):
    citizen, report = responded_report(people)
    deadline = Deadline.objects.get(report=report, kind=DeadlineKind.AUTOCLOSE)
    assert deadline.due_at == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=WIB)
    with time_machine.travel(at(14, 8), tick=False):
        assert sweep_run().reminded == 1
    reminder = Notification.objects.get(
        recipient=citizen, kind="deadline_reminder", channel="in_app"
    )
    assert "will be closed on Dec. 15, 2026 unless you answer" in reminder.body
    with time_machine.travel(at(15, 23, 59), tick=False):
        assert sweep_run().auto_closed == 0
    with time_machine.travel(at(16, 0, 1), tick=False):
        result = sweep_run()
        assert sweep_run().auto_closed == 0
    assert (result.auto_closed, result.overdue) == (1, 0)
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.closed_at == at(16, 0, 1)
    assert report.events.filter(action=EventAction.AUTO_CLOSED).count() == 1
    assert Notification.objects.filter(
        recipient=citizen, kind="status_changed", event__action=EventAction.AUTO_CLOSED
    ).exists()
    assert Notification.objects.filter(
        recipient=people["lone_admin"], kind="status_changed"
    ).exists()


def test_an_answered_report_is_not_auto_closed(people):
    citizen, report = responded_report(people)
    with time_machine.travel(at(3, 9), tick=False):
        wf.report_answer(report=report, actor=citizen, body="Masih ada lubang di sisi utara.")
    with time_machine.travel(at(16, 0, 1), tick=False):
        result = sweep_run()
    assert result.auto_closed == 0
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    # The new response deadline (5 working days from 3 Dec) has passed meanwhile.
    assert result.overdue == 1
    assert report.is_overdue


# --- Cost, the task, arguments ------------------------------------------------------------


def test_a_sweep_with_nothing_due_is_a_handful_of_queries(people, django_assert_max_num_queries):
    for _n in range(20):
        report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
        add_deadline(report, due=at(28, 23, 59))
    # 14: the seven of the sweep's own steps + one for agency webhooks due (webhooks.delivery)
    # + one for X posts whose media are still pending (channels.x) + one for expired or
    # lost export jobs (exports) + one for waiting reports not yet assessed (triage) + one
    # for tasks whose worker died (core.stale_tasks) + one for expired Idempotency-Keys
    # (workflow.idempotency) + one for images whose re-encoding was lost (reports)
    with time_machine.travel(at(9, 9), tick=False), django_assert_max_num_queries(14):
        result = sweep_run()
    assert (result.reminded, result.overdue, result.auto_closed) == (0, 0, 0)


NOTHING_DUE = 14  # the sweep's queries with nothing due (the test above)
# Each further overdue deadline in a batch costs no statement: a batch (``batch`` deadlines
# read at once) is one transaction whose statements are the same for one deadline or 500.
PER_OVERDUE = 0
# The statements of one batch of overdue deadlines: the reports' locks (one SELECT … FOR
# UPDATE SKIP LOCKED), the deadlines read again under their locks, the overdue and
# escalation claims, one UPDATE of every report (due state and the chain's head), one
# INSERT of every event, the notification keys already written and one INSERT of every
# notification; + SAVEPOINT and RELEASE (the test runs inside a transaction; in production
# BEGIN and COMMIT); and the roll-ups' recount of every report at once (oversight): their
# last contributions (read under lock), the calendar, their counted events, ratings, met
# response deadlines, supports and programme tags, their new contributions, and one upsert
# per roll-up table changed, every measure in it (``oversight.rollup.cells_add`` with
# ``one_order``, so that two batches lock shared cells in one order): the daily cells and
# the week, month and national cells they add to (ADR 0015). These reports come from a
# factory, so their first recount also counts their submission.
OVERDUE_BATCH = 9 + 2 + 7 + 2
# Each further reminder in a batch: none either.
PER_REMINDER = 0
# A batch of reminders: the reports' locks, the deadlines read again, the claim, notify's
# two, the agencies' webhook endpoints (integrations) + SAVEPOINT and RELEASE.
REMINDER_BATCH = 8
# Once per sweep, not per item (``_Recipients``, ``notifications.services.wanted_cached``):
# the staff of the batch's agencies with the admins above them (one statement for the
# batch), and oversight; for each kind told, the recipients' preferences and verified
# e-mail addresses (once per kind for the batch's recipients).
OVERDUE_LOOKUPS = 2 + 2 * 2
REMINDER_LOOKUPS = 1 + 2


def unit_deadlines(people, n: int, *, due: dt.datetime) -> None:
    for _n in range(n):
        report = ReportFactory(agency=people["unit"], status=Status.IN_PROGRESS)
        add_deadline(report, due=due)


def queries_of_a_sweep(when: dt.datetime):
    # What earlier sweeps wrote was delivered by the worker: only this sweep's items count.
    Notification.objects.update(state="sent")
    with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as captured:
        result = sweep_run()
    return result, len(captured)


def test_each_overdue_deadline_costs_a_fixed_number_of_queries(people):
    unit_deadlines(people, 1, due=at(8, 23, 59))
    one, one_queries = queries_of_a_sweep(at(9, 9))
    unit_deadlines(people, 3, due=at(9, 23, 59))
    three, three_queries = queries_of_a_sweep(at(10, 9))
    assert (one.overdue, one.escalated, three.overdue, three.escalated) == (1, 1, 3, 3)
    assert three_queries - one_queries == 2 * PER_OVERDUE
    assert one_queries == NOTHING_DUE + OVERDUE_LOOKUPS + OVERDUE_BATCH
    # Every deadline's effects: marked and escalated, its report overdue, both events on
    # its own timeline.
    marked = Deadline.objects.filter(overdue_at__isnull=False, escalated_at__isnull=False)
    assert marked.count() == 4
    for deadline in marked.select_related("report"):
        assert deadline.report.is_overdue
        assert deadline.report.due_at == deadline.due_at
        assert list(deadline.report.events.order_by("seq").values_list("action", flat=True)) == [
            EventAction.SUBMITTED,
            EventAction.OVERDUE,
            EventAction.ESCALATED,
        ]
    assert ReportEvent.objects.filter(action=EventAction.OVERDUE).count() == 4
    assert ReportEvent.objects.filter(action=EventAction.ESCALATED).count() == 4
    # Both notify calls wrote their rows: unit admin and officer, ministry admin and
    # oversight, each in-app and by e-mail, for each of the four deadlines.
    assert Notification.objects.filter(kind="deadline_overdue").count() == 4 * 4
    assert Notification.objects.filter(kind="escalation").count() == 4 * 4
    assert list(chain_verify()) == []


# Real commits: each item's transaction commits inside the sweep, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_sweeps_emails_leave_in_grouped_delivery_tasks(people, mailoutbox):
    from django_tasks.signals import task_enqueued

    enqueued: list[str] = []

    def record(sender, task_result, **kwargs):
        enqueued.append(task_result.task.name)

    unit_deadlines(people, 3, due=at(8, 23, 59))
    task_enqueued.connect(record)
    try:
        with time_machine.travel(at(9, 9), tick=False):
            result = sweep_run()
    finally:
        task_enqueued.disconnect(record)
    assert result.overdue == 3
    emails = Notification.objects.filter(channel="email")
    # Unit admin and officer told, ministry admin and oversight told, for each deadline:
    # one task for the whole run, not one per e-mail.
    assert emails.count() == 3 * 4
    assert enqueued == ["deliver_notifications"]
    assert len(mailoutbox) == 3 * 4
    assert set(emails.values_list("state", flat=True)) == {"sent"}


def test_each_reminder_costs_a_fixed_number_of_queries(people):
    unit_deadlines(people, 1, due=dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB))
    one, one_queries = queries_of_a_sweep(at(7, 9))
    unit_deadlines(people, 3, due=dt.datetime(2026, 12, 9, 23, 59, 59, tzinfo=WIB))
    three, three_queries = queries_of_a_sweep(at(8, 9))
    assert (one.reminded, three.reminded, three.overdue) == (1, 3, 0)
    assert three_queries - one_queries == 2 * PER_REMINDER
    assert one_queries == NOTHING_DUE + REMINDER_LOOKUPS + REMINDER_BATCH
    assert Deadline.objects.filter(reminded_at__isnull=False).count() == 4
    assert Notification.objects.filter(kind="deadline_reminder").count() == 4 * 4
    # Each deadline's own notices: unit admin and officer, in-app and by e-mail.
    for deadline in Deadline.objects.all():
        assert (
            Notification.objects.filter(
                kind="deadline_reminder", idempotency_key__startswith=f"deadline:{deadline.pk}:"
            ).count()
            == 4
        )


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_leaves_nothing_half_done_and_the_next_sweep_does_it(
    people, monkeypatch
):
    """A batch is one transaction: a failure at its last step (the roll-ups) takes back
    its claims, events, heads and notifications, and the next sweep does all of them."""
    from aduan.oversight import rollup

    unit_deadlines(people, 3, due=at(8, 23, 59))

    def broken(delta, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rollup, "cells_add", broken)
    with time_machine.travel(at(9, 9), tick=False), pytest.raises(RuntimeError):
        sweep_run()
    assert not Deadline.objects.filter(overdue_at__isnull=False).exists()
    assert not Deadline.objects.filter(escalated_at__isnull=False).exists()
    assert not ReportEvent.objects.exclude(action=EventAction.SUBMITTED).exists()
    assert not Notification.objects.exists()
    assert not Report.objects.filter(is_overdue=True).exists()
    assert list(chain_verify()) == []
    monkeypatch.undo()
    with time_machine.travel(at(9, 9, 1), tick=False):
        result = sweep_run()
    assert (result.overdue, result.escalated, result.skipped) == (3, 3, 0)
    assert Report.objects.filter(is_overdue=True).count() == 3
    assert Notification.objects.filter(kind="escalation").count() == 3 * 4
    assert list(chain_verify()) == []


def test_the_task_runs_the_sweep_at_the_given_time(people):
    report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    add_deadline(report, due=at(8, 23, 59))
    outcome = sweep.enqueue(now_iso=at(9, 9).isoformat()).return_value
    assert (outcome["overdue"], outcome["escalated"]) == (1, 1)
    with pytest.raises(ValueError, match="UTC offset"):
        sweep.call(now_iso="2026-12-09T09:00:00")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="aware"):
        sweep_run(now=dt.datetime(2026, 12, 9, 9, 0))
    with pytest.raises(ValueError, match="batch"):
        sweep_run(batch=0)


def test_a_sweep_over_several_batches_handles_every_item(people):
    for _n in range(7):
        report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
        add_deadline(report, due=at(8, 23, 59))
    with time_machine.travel(at(9, 9), tick=False):
        assert sweep_run(batch=3).overdue == 7


def test_a_sweep_out_of_time_stops_and_says_so(people):
    report = ReportFactory(agency=people["lone"], status=Status.IN_PROGRESS)
    add_deadline(report, due=at(8, 23, 59))
    with time_machine.travel(at(9, 9), tick=False):
        result = sweep_run(time_budget=0)
        assert (result.overdue, result.incomplete) == (0, True)
        result = sweep_run()
        assert (result.overdue, result.incomplete) == (1, False)


# --- Two sweeps at once --------------------------------------------------------------------

SETUP = """
import datetime as dt
from django.utils import timezone
from aduan.accounts.tests.factories import AgencyAdminFactory, OversightFactory, UnitOfficerFactory
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.reports.models import Status
from aduan.reports.tests.factories import ReportFactory
from aduan.sla.models import Deadline

ministry = AgencyFactory()
unit = UnitFactory(parent=ministry)
AgencyAdminFactory(agency=ministry)
UnitOfficerFactory(agency=unit)
OversightFactory()
now = timezone.now()
plan = [("response", -3600, Status.IN_PROGRESS)] * 12 + [("response", 3600, Status.IN_PROGRESS)] * 12
plan += [("autoclose", -3600, Status.RESPONDED)] * 6
for kind, offset, status in plan:
    report = ReportFactory(agency=unit, status=status)
    Deadline.objects.create(
        report=report, kind=kind, agency=unit, starts_at=now - dt.timedelta(days=7),
        due_at=now + dt.timedelta(seconds=offset), timezone="Asia/Jakarta",
        rule="5 hari kerja", working_days=5,
    )
print(json.dumps({"deadlines": len(plan)}))
"""

SWEEP = """
from aduan.workflow.sweep import sweep_run
from aduan.sla.models import Deadline
Deadline.objects.exists()  # connected and imported before the start signal
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(sweep_run(batch=4).as_dict()), flush=True)
"""

CHECK = """
from django.db.models import Count
from aduan.notifications.models import Notification
from aduan.reports.audit import chain_verify
from aduan.reports.models import ReportEvent
print(json.dumps({
    "events": dict(ReportEvent.objects.exclude(action="submitted").values_list("action")
                   .annotate(n=Count("id")).values_list("action", "n")),
    "notifications": dict(Notification.objects.values_list("kind").annotate(n=Count("id"))
                          .values_list("kind", "n")),
    "duplicate_keys": Notification.objects.values("idempotency_key")
                      .annotate(n=Count("id")).filter(n__gt=1).count(),
    "chain_breaks": [str(b) for b in chain_verify()],
}))
"""


def django_process(code: str, env: dict[str, str], **popen) -> subprocess.Popen[str]:
    prelude = "import json, sys\nimport django\ndjango.setup()\n"
    return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=REPO_ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def run_django(code: str, env: dict[str, str]) -> dict:
    process = django_process(code, env)
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def sweep_env(tmp_path, migrated_sqlite, transactional_db):
    """Settings for child processes that share this test's database: the PostgreSQL test
    database (this test commits), or a migrated SQLite file."""
    env = subprocess_env(DJANGO_SETTINGS_MODULE="aduan.config.settings.test")
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
        if s.get("PASSWORD"):
            env["DATABASE_URL"] = env["DATABASE_URL"].replace("@", f":{s['PASSWORD']}@", 1)
    else:
        path = tmp_path / "aduan.sqlite3"
        shutil.copy(migrated_sqlite, path)
        env["ADUAN_SQLITE_PATH"] = str(path)
        env["ADUAN_VAR_DIR"] = str(tmp_path)
    return env


def test_two_sweeps_at_the_same_instant_do_everything_once(sweep_env):
    assert run_django(SETUP, sweep_env) == {"deadlines": 30}
    sweepers = [django_process(SWEEP, sweep_env, stdin=subprocess.PIPE) for _n in range(2)]
    for process in sweepers:  # both started, connected and waiting
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in sweepers:  # then both go at once
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in sweepers:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    def total(name: str) -> int:
        return sum(result[name] for result in results)

    assert (total("reminded"), total("overdue"), total("escalated"), total("auto_closed")) == (
        12,
        12,
        12,
        6,
    )
    check = run_django(CHECK, sweep_env)
    assert check["events"] == {"overdue": 12, "escalate": 12, "auto_close": 6}
    # One row per recipient and channel: the unit's officer, the ministry's admin,
    # oversight, each reporter; in-app plus e-mail for verified addresses.
    assert check["notifications"] == {
        "deadline_reminder": 24,
        "deadline_overdue": 24,
        "escalation": 48,
        # Auto-closed: the reporter, and the unit's officer and the ministry's admin.
        "status_changed": 36,
    }
    assert check["duplicate_keys"] == 0
    assert check["chain_breaks"] == []


# --- The scheduler ------------------------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_once_enqueues_one_sweep_task_row(database_tasks):
    from django_tasks_db.models import DBTaskResult

    call_command("run_scheduler", "--once")
    row = DBTaskResult.objects.get()
    assert row.task_path == "aduan.workflow.tasks.sweep"
    assert row.status == "READY"


def test_two_schedulers_enqueue_one_sweep_per_interval(database_tasks):
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel(at(9, 9, 0), tick=False):
        call_command("run_scheduler", "--once", "--interval", "60")
        call_command("run_scheduler", "--once", "--interval", "60")
        slot = sweep_slot(at=at(9, 9, 0).timestamp(), interval=60)
        assert not sweep_schedule(slot=slot, interval=60)
    assert DBTaskResult.objects.count() == 1
    with time_machine.travel(at(9, 9, 1), tick=False):
        call_command("run_scheduler", "--once", "--interval", "60")
        call_command("run_scheduler", "--once", "--interval", "60")
    assert DBTaskResult.objects.count() == 2


def test_the_interval_must_be_a_positive_number_of_seconds(settings):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_scheduler", "--once", "--interval", "0")
    settings.ADUAN_SWEEP_INTERVAL = -5
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_scheduler", "--once")


def test_schedulers_in_separate_processes_share_the_claim_and_stop_on_sigterm(
    tmp_path, migrated_sqlite
):
    """Real processes on the embedded settings (SQLite, the database cache and task
    backend): two one-shot schedulers in the same hour enqueue one sweep, and a running
    scheduler ends cleanly on SIGTERM."""
    path = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, path)
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SQLITE_PATH=str(path),
    )
    manage = [sys.executable, str(REPO_ROOT / "manage.py"), "run_scheduler"]
    once = [
        subprocess.Popen(  # noqa: S603 - fixed argv
            [*manage, "--once", "--interval", "86400"],
            cwd=REPO_ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _n in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in once]
    assert [process.returncode for process in once] == [0, 0], outputs
    assert sum("sweep enqueued" in out for out, _err in outputs) == 1

    loop = subprocess.Popen(  # noqa: S603 - fixed argv
        [*manage, "--interval", "3600"],
        cwd=REPO_ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert "every 3600 s" in loop.stdout.readline()
    assert "sweep enqueued" in loop.stdout.readline()
    loop.send_signal(signal.SIGTERM)
    out, err = loop.communicate(timeout=30)
    assert loop.returncode == 0, err
    assert "stopped" in out

    import sqlite3

    with sqlite3.connect(path) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
            ["aduan.workflow.tasks.sweep"],
        ).fetchone()
    assert count == 2  # the one-shot pair's sweep, and the loop's first
