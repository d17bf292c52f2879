"""Every action × every status × every kind of actor, against a table written by hand
(``EXPECTED``, independent of ``workflow.transitions``): allowed moves move and write one
event; no capacity is ``PermissionDenied``, checked before the status; a wrong status is
``InvalidTransition``; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

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

from aduan.accounts.models import User
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    ProgrammeOverseerFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.models import Agency
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory
from aduan.core.errors import DomainError, InvalidTransition, PermissionDenied
from aduan.programmes.models import Programme
from aduan.programmes.tests.factories import ProgrammeFactory, ReportProgrammeFactory
from aduan.reports.audit import chain_verify
from aduan.reports.models import Report, Status
from aduan.reports.tests.factories import ReportFactory
from aduan.sla import services as sla
from aduan.sla.models import DeadlineKind
from aduan.workflow import services as wf
from aduan.workflow.actions import action_take
from aduan.workflow.services import report_submit
from aduan.workflow.transitions import KEEP, TRANSITIONS, Action, Actor, transition_check

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
# A Tuesday with no holiday near it: every deadline below is a plain working-day count.
START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=WIB)
IP = "203.0.113.7"

S = Status

# --- The kinds of people who might try an action -------------------------------------

REPORTER = "reporter"  # the report's owner
OTHER_CITIZEN = "other_citizen"
NATIONAL_ADMIN = "national_admin"
AGENCY_ADMIN = "agency_admin"  # admin of the handling agency (the report sits with it)
PARENT_ADMIN = "parent_admin"  # admin of the agency above the unit the report sits with
OTHER_ADMIN = "other_admin"  # admin of an unrelated agency
UNIT_OFFICER = "unit_officer"  # officer of the unit the report sits with
OFFICER_ELSEWHERE = "officer_elsewhere"  # officer of a sibling unit
OVERSIGHT = "oversight"
PROGRAMME_OVERSEER = "programme_overseer"  # the KSP: sees the (tagged) report, acts on nothing
ANONYMOUS = "anonymous"  # not signed in (None)

KINDS = (
    REPORTER,
    OTHER_CITIZEN,
    NATIONAL_ADMIN,
    AGENCY_ADMIN,
    PARENT_ADMIN,
    OTHER_ADMIN,
    UNIT_OFFICER,
    OFFICER_ELSEWHERE,
    OVERSIGHT,
    PROGRAMME_OVERSEER,
    ANONYMOUS,
)
# For these the handled report sits with the unit (below the agency), not the agency itself.
AT_UNIT = frozenset({PARENT_ADMIN, UNIT_OFFICER, OFFICER_ELSEWHERE})

# --- The lifecycle, written out by hand --------------------------------------------------

NATIONAL = frozenset({NATIONAL_ADMIN})
OWNER = frozenset({REPORTER})
ADMINS = frozenset({AGENCY_ADMIN, PARENT_ADMIN})  # agency admins of the handling agency
STAFF = ADMINS | {UNIT_OFFICER}
NOBODY: frozenset[str] = frozenset()
# Statuses in which the report sits with an agency. In the others (national queue,
# archived), agency staff have no capacity on it at all.
WITH_AGENCY = frozenset({S.DISPOSITIONED, S.IN_PROGRESS, S.RESPONDED, S.CLOSED})
ALL = tuple(S)
OPEN = (S.SUBMITTED, S.ON_HOLD, S.DISPOSITIONED, S.RETURNED, S.IN_PROGRESS, S.RESPONDED)


def _keep(statuses: Iterable[Status]) -> dict[Status, Status]:
    return {status: status for status in statuses}


EXPECTED: dict[str, tuple[dict[Status, Status], frozenset[str]]] = {
    "dispose": ({S.SUBMITTED: S.DISPOSITIONED, S.RETURNED: S.DISPOSITIONED}, NATIONAL),
    "hold": ({S.SUBMITTED: S.ON_HOLD, S.RETURNED: S.ON_HOLD}, NATIONAL),
    "archive": (
        {S.SUBMITTED: S.ARCHIVED, S.ON_HOLD: S.ARCHIVED, S.RETURNED: S.ARCHIVED},
        NATIONAL,
    ),
    "merge": (
        {
            S.SUBMITTED: S.ARCHIVED,
            S.ON_HOLD: S.ARCHIVED,
            S.RETURNED: S.ARCHIVED,
            S.DISPOSITIONED: S.ARCHIVED,
        },
        NATIONAL,
    ),
    "set_flags": (_keep(ALL), NATIONAL),
    "redact": (_keep(ALL), NATIONAL),
    "set_programmes": (_keep(ALL), NATIONAL),
    "accept": ({S.DISPOSITIONED: S.IN_PROGRESS}, STAFF),
    "return": ({S.DISPOSITIONED: S.RETURNED, S.IN_PROGRESS: S.RETURNED}, ADMINS),
    # To one of the agency's units: the status stays (outside it: test_services).
    "forward": (_keep((S.DISPOSITIONED, S.IN_PROGRESS)), ADMINS),
    "extend": (_keep((S.DISPOSITIONED, S.IN_PROGRESS)), ADMINS),
    "respond": ({S.DISPOSITIONED: S.RESPONDED, S.IN_PROGRESS: S.RESPONDED}, STAFF),
    "comment": (_keep(OPEN), NATIONAL | OWNER | STAFF),
    "answer": ({S.RESPONDED: S.IN_PROGRESS, S.ON_HOLD: S.SUBMITTED}, OWNER),
    "close": ({S.RESPONDED: S.CLOSED}, OWNER),
    "rate": (_keep((S.RESPONDED, S.CLOSED)), OWNER),
    "reopen": ({S.CLOSED: S.IN_PROGRESS}, OWNER),
    "auto_close": ({S.RESPONDED: S.CLOSED}, NOBODY),  # the sweep only
}

# The table's actor for each kind that has one.
CAPACITY = {
    REPORTER: Actor.REPORTER,
    NATIONAL_ADMIN: Actor.NATIONAL_ADMIN,
    AGENCY_ADMIN: Actor.AGENCY_ADMIN,
    PARENT_ADMIN: Actor.AGENCY_ADMIN,
    UNIT_OFFICER: Actor.UNIT_OFFICER,
}


def expected_outcome(action: str, status: Status, kind: str) -> Status | type[DomainError]:
    """The status ``kind`` moves the report to, or the error it gets."""
    moves, allowed = EXPECTED[action]
    has_capacity = kind in allowed and (kind not in STAFF or status in WITH_AGENCY)
    if not has_capacity:
        return PermissionDenied
    if status not in moves:
        return InvalidTransition
    return moves[status]


def test_the_hand_written_table_covers_every_action():
    assert set(EXPECTED) == {action.value for action in Action} == set(TRANSITIONS)


@pytest.mark.parametrize("action", list(TRANSITIONS), ids=str)
def test_table_matches_the_rules(action):
    transition = TRANSITIONS[action]
    moves, allowed = EXPECTED[action.value]
    actual_moves = {
        source: source if target is KEEP else target for source, target in transition.moves.items()
    }
    assert actual_moves == moves
    expected_actors = {CAPACITY[kind] for kind in allowed}
    if action == Action.AUTO_CLOSE:
        expected_actors = {Actor.SYSTEM}
    assert transition.actors == expected_actors


def test_an_illegal_move_says_what_and_why():
    with pytest.raises(InvalidTransition) as excinfo:
        transition_check(action=Action.DISPOSE, status=S.CLOSED)
    assert excinfo.value.message == "“Sent to agency” is not possible while the report is “Closed”."
    assert excinfo.value.status_code == 409


# --- The world every case runs in ------------------------------------------------------


@dataclass
class World:
    agency: Agency  # a ministry: the agency reports are disposed to
    unit: Agency  # one of its units
    sibling: Agency  # another of its units
    elsewhere: Agency  # an unrelated ministry
    users: dict[str, User | None]
    programme: Programme  # tagged on every report, so that the KSP overseer sees it
    other_programme: Programme  # the one ``set_programmes`` adds and removes


def world_build() -> World:
    agency = AgencyFactory()
    unit = UnitFactory(parent=agency)
    sibling = UnitFactory(parent=agency)
    elsewhere = AgencyFactory()
    users: dict[str, User | None] = {
        REPORTER: UserFactory(),
        OTHER_CITIZEN: UserFactory(),
        NATIONAL_ADMIN: NationalAdminFactory(),
        AGENCY_ADMIN: AgencyAdminFactory(agency=agency),
        PARENT_ADMIN: AgencyAdminFactory(agency=agency),
        OTHER_ADMIN: AgencyAdminFactory(agency=elsewhere),
        UNIT_OFFICER: UnitOfficerFactory(agency=unit),
        OFFICER_ELSEWHERE: UnitOfficerFactory(agency=sibling),
        OVERSIGHT: OversightFactory(),
        PROGRAMME_OVERSEER: ProgrammeOverseerFactory(),
        ANONYMOUS: None,
    }
    return World(agency, unit, sibling, elsewhere, users, ProgrammeFactory(), ProgrammeFactory())


def report_in(world: World, status: Status, *, at_unit: bool = False, **fields) -> Report:
    """A report as the workflow would have left it in ``status``, with its open deadlines."""
    with_agency = status in WITH_AGENCY
    handling = (world.unit if at_unit else world.agency) if with_agency else None
    fields.setdefault("reporter", world.users[REPORTER])
    report = ReportFactory(
        status=status,
        agency=handling,
        disposed_agency=world.agency if with_agency else None,
        **fields,
    )
    ReportProgrammeFactory(report=report, programme=world.programme)
    now = timezone.now()  # tests freeze the clock
    if status in (S.SUBMITTED, S.RETURNED):
        sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, start=now)
    if with_agency:
        for kind in (DeadlineKind.RESPONSE, DeadlineKind.COMPLETION):
            sla.deadline_start(report=report, kind=kind, agency=handling, start=now)
    if status in (S.RESPONDED, S.CLOSED):
        sla.deadline_meet(report=report, kind=DeadlineKind.RESPONSE)
        report.responded_at = now
    if status == S.RESPONDED:
        sla.deadline_start(report=report, kind=DeadlineKind.AUTOCLOSE, agency=handling, start=now)
    if status == S.CLOSED:
        sla.deadline_meet(report=report, kind=DeadlineKind.COMPLETION)
    if status in (S.CLOSED, S.ARCHIVED):
        report.closed_at = now
    report.due_at, report.is_overdue = sla.report_due_state(report=report)
    # Not a full save: that would write back the stale chain head (event_count, audit_head).
    report.save(update_fields=["responded_at", "closed_at", "due_at", "is_overdue"])
    report.refresh_from_db()
    return report


def payload_for(action: str, *, world: World, report: Report, survivor: Report) -> dict:
    """A valid payload: any refusal is then the table's or the capacity's, not the input's."""
    forward_to = world.sibling if report.agency_id == world.unit.pk else world.unit
    return {
        "dispose": {"agency_id": world.agency.pk, "note": "Kewenangan kementerian."},
        "hold": {"question": "Di kecamatan mana lokasinya?"},
        "archive": {"reason": "Bukan pengaduan pelayanan publik."},
        "merge": {"into": survivor.tracking_id},
        "set_flags": {"confidential": not report.confidential},
        # Another public title each time, so that every redaction is a change.
        "redact": {
            "public_title": "Judul versi publik B"
            if report.public_title == "Judul versi publik A"
            else "Judul versi publik A"
        },
        # The other programme added, or removed when it is there: a change each time.
        "set_programmes": {
            "programme_ids": sorted(
                set(report.programme_tags.values_list("programme_id", flat=True))
                ^ {world.other_programme.pk}
            )
        },
        "accept": {},
        "return": {"reason": "Bukan kewenangan instansi kami."},
        "forward": {"agency_id": forward_to.pk, "note": "Mohon ditindaklanjuti."},
        "extend": {"working_days": 3, "reason": "Menunggu hasil pemeriksaan lapangan."},
        "respond": {"body": "Jalan sudah kami perbaiki pada hari ini, terima kasih."},
        "comment": {"body": "Mohon kabar perkembangannya."},
        "answer": {"body": "Lubangnya masih ada di sisi utara."},
        "close": {},
        "rate": {"score": 4, "comment": "Cukup cepat."},
        "reopen": {"reason": "Perbaikannya rusak lagi setelah hujan."},
        "auto_close": {},
    }[action]


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False):
        yield


def _attempt(action: str, status: Status, kind: str, *, world: World, reports, survivor):
    report = Report.objects.get(pk=reports[kind in AT_UNIT].pk)  # as the savepoint left it
    user = world.users[kind]
    expected = expected_outcome(action, status, kind)
    before = Report.objects.values_list("status", "event_count").get(pk=report.pk)
    survivor_events = Report.objects.values_list("event_count", flat=True).get(pk=survivor.pk)
    payload = payload_for(action, world=world, report=report, survivor=survivor)
    try:
        result = action_take(
            report=report, actor=user, action=action, payload=payload, ip_address=IP
        )
    except DomainError as exc:
        after = Report.objects.values_list("status", "event_count").get(pk=report.pk)
        problems = []
        if type(exc) is not expected:
            wanted = getattr(expected, "__name__", expected)
            problems.append(f"raised {type(exc).__name__} ({exc.message}), expected {wanted}")
        if after != before:
            problems.append(f"refused but changed the report: {before} → {after}")
        return problems
    if not isinstance(expected, str):
        return [f"succeeded (→ {result.status}), expected {expected.__name__}"]
    report.refresh_from_db()
    problems = []
    if report.status != expected:
        problems.append(f"moved to {report.status}, expected {expected}")
    if report.event_count != before[1] + 1:
        problems.append(f"appended {report.event_count - before[1]} events, expected 1")
    event = report.events.order_by("-seq").first()
    if (event.from_status, event.to_status, event.actor_id, event.ip_address) != (
        status,
        expected,
        user.pk,
        IP,
    ):
        problems.append(
            f"event records {event.from_status}→{event.to_status} by {event.actor_id} "
            f"from {event.ip_address}"
        )
    survivor.refresh_from_db()
    if survivor.event_count != survivor_events + (action == "merge"):
        problems.append("the surviving report's event count is wrong")
    breaks = [str(b) for b in chain_verify()]
    if breaks:
        problems.append(f"audit chain broken: {breaks}")
    return problems


@pytest.mark.parametrize("status", list(S), ids=str)
def test_every_action_by_every_actor(status, frozen):
    # One world per status, every (action, kind) in a savepoint rolled back after it: the
    # 1,280 cases run in seconds, and a failure names each case that went wrong.
    world = world_build()
    reports = {False: report_in(world, status), True: report_in(world, status, at_unit=True)}
    survivor = ReportFactory(reporter=world.users[OTHER_CITIZEN])
    failures = {}
    for action in EXPECTED:
        for kind in KINDS:
            savepoint = transaction.savepoint()
            try:
                problems = _attempt(
                    action, status, kind, world=world, reports=reports, survivor=survivor
                )
            finally:
                transaction.savepoint_rollback(savepoint)
            if problems:
                failures[f"{action} by {kind}"] = problems
    assert failures == {}


def test_the_matrix_has_successes_and_both_refusals_for_every_action():
    # Guards the matrix itself: an expectation table that refused everything (or allowed
    # everything) would make the test above pass for the wrong reason.
    for action in EXPECTED:
        outcomes = {expected_outcome(action, status, kind) for status in S for kind in KINDS} - {
            PermissionDenied,
            InvalidTransition,
        }
        if action == "auto_close":
            assert outcomes == set()
        else:
            assert outcomes, action


def test_auto_close_only_by_the_sweep_and_only_once_its_time_has_passed(frozen):
    world = world_build()
    for status in S:
        report = report_in(world, status)
        assert wf.report_auto_close(report=report) is None, status
    responded = report_in(world, S.RESPONDED)
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        closed = wf.report_auto_close(report=responded)
    assert closed is not None
    assert closed.status == S.CLOSED
    event = closed.events.order_by("-seq").first()
    assert (event.action, event.actor_id, event.actor_role) == ("auto_close", None, "system")


# --- Random walks through the lifecycle ------------------------------------------------


def _reachable() -> set[Status]:
    """Every status the table can lead to from ``submitted`` (forward outside the agency's
    subtree leads to ``returned``, which the table's comment names)."""
    seen, todo = {S.SUBMITTED}, [S.SUBMITTED]
    while todo:
        current = todo.pop()
        targets = [
            current if t.moves[current] is KEEP else t.moves[current]
            for t in TRANSITIONS.values()
            if current in t.moves
        ]
        if Action.FORWARD in {t.action for t in TRANSITIONS.values() if current in t.moves}:
            targets.append(S.RETURNED)
        for target in targets:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


REACHABLE = _reachable()
ACTOR_KINDS = (*KINDS, "system")


class Lifecycle(RuleBasedStateMachine):
    """One report; people (and the sweep) try actions in random order while time passes."""

    world: World  # set by the test before the machine runs

    @initialize()
    def submit(self):
        self.savepoint = transaction.savepoint()
        self.clock = time_machine.travel(START, tick=False)
        self.coordinates = self.clock.start()
        world = self.world
        self.survivor = ReportFactory(reporter=world.users[OTHER_CITIZEN])
        self.report = report_submit(
            reporter=world.users[REPORTER],
            channel="web",
            classification="complaint",
            title="Lampu jalan padam di jalan utama",
            body="Sudah dua minggu lampu jalan di jalan utama padam dan rawan kejahatan.",
        )

    def teardown(self):
        if hasattr(self, "savepoint"):
            self.clock.stop()
            transaction.savepoint_rollback(self.savepoint)

    @rule(days=st.integers(min_value=1, max_value=20))
    def time_passes(self, days):
        self.coordinates.shift(dt.timedelta(days=days))

    @rule(
        kind=st.sampled_from(ACTOR_KINDS),
        action=st.sampled_from(list(EXPECTED)),
        forward_to=st.sampled_from(["unit", "sibling", "elsewhere"]),
    )
    def act(self, kind, action, forward_to):
        """Anyone tries anything: mostly refusals, which must change nothing."""
        self._attempt(kind, action, forward_to)

    @rule(data=st.data())
    def act_as_someone_the_table_allows(self, data):
        """Someone the table names tries an action the table allows from here (it may still
        be refused: the unit's officer of a report at the agency, a second rating …)."""
        status = Report.objects.values_list("status", flat=True).get(pk=self.report.pk)
        actions = [action for action, (moves, _allowed) in EXPECTED.items() if status in moves]
        # Archiving ends the walk: drawn less often, so that walks reach the agency's part.
        weighted = [a for a in actions for _ in range(1 if a in ("archive", "merge") else 4)]
        action = data.draw(st.sampled_from(weighted), label="action")
        kind = data.draw(st.sampled_from(sorted(EXPECTED[action][1]) or ["system"]), label="kind")
        forward_to = data.draw(st.sampled_from(["unit", "sibling", "elsewhere"]), label="to")
        self._attempt(kind, action, forward_to)

    def _attempt(self, kind, action, forward_to):
        world = self.world
        report = Report.objects.get(pk=self.report.pk)
        before_status, before_events = report.status, report.event_count
        survivor_events = Report.objects.get(pk=self.survivor.pk).event_count
        payload = payload_for(action, world=world, report=report, survivor=self.survivor)
        if action == "forward":
            payload["agency_id"] = getattr(world, forward_to).pk
        if kind == "system":
            action = "auto_close"
        refusal: DomainError | None = None
        try:
            if kind == "system":
                result = wf.report_auto_close(report=report)
            else:
                result = action_take(
                    report=report, actor=world.users[kind], action=action, payload=payload
                )
        except DomainError as exc:
            refusal, result = exc, None
        moves, _allowed = EXPECTED[action]
        if before_status not in moves:
            # Whatever else may refuse it, the table's refusal is one of these two.
            assert result is None
            assert refusal is None or isinstance(refusal, InvalidTransition | PermissionDenied)
        report.refresh_from_db()
        if result is None:
            assert (report.status, report.event_count) == (before_status, before_events)
            return
        expected = moves[before_status]
        if action == "forward" and forward_to == "elsewhere":
            expected = S.RETURNED
        assert report.status == expected
        assert report.event_count == before_events + 1
        merged = Report.objects.get(pk=self.survivor.pk).event_count - survivor_events
        assert merged == (1 if action == "merge" else 0)

    @invariant()
    def consistent(self):
        if not hasattr(self, "report"):
            return
        status = Report.objects.values_list("status", flat=True).get(pk=self.report.pk)
        assert status in REACHABLE
        assert list(chain_verify()) == []


def test_random_walks_keep_to_the_table_and_the_chain():
    Lifecycle.world = world_build()
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
