"""In which capacity someone acts on a report, and what they are offered.

Seeing and acting are two questions: ``reports.selectors`` decides who may see a report
(and answers ``NotFound`` to everyone else), ``workflow.permissions`` who may act on a
report they reached. Services answer ``PermissionDenied`` even to someone who cannot see
the report, so every interface looks the report up with ``report_get_for_user`` first.
"""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from aduan.accounts.tests.factories import UserFactory
from aduan.core.errors import NotFound, PermissionDenied
from aduan.reports.models import Status
from aduan.reports.selectors import report_get_for_user, user_handles_report
from aduan.workflow import services as wf
from aduan.workflow.actions import action_take
from aduan.workflow.permissions import (
    action_authorize,
    actions_available,
    actor_capacities,
)
from aduan.workflow.transitions import Action, Actor

from .test_transitions import (
    AGENCY_ADMIN,
    ANONYMOUS,
    AT_UNIT,
    KINDS,
    NATIONAL_ADMIN,
    OFFICER_ELSEWHERE,
    OTHER_ADMIN,
    OTHER_CITIZEN,
    OVERSIGHT,
    PARENT_ADMIN,
    REPORTER,
    START,
    UNIT_OFFICER,
    expected_outcome,
    report_in,
    world_build,
)

pytestmark = pytest.mark.django_db

S = Status


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def world(frozen):
    return world_build()


@pytest.mark.parametrize(
    ("kind", "with_agency", "without_agency"),
    [
        (REPORTER, {Actor.REPORTER}, {Actor.REPORTER}),
        (OTHER_CITIZEN, set(), set()),
        (NATIONAL_ADMIN, {Actor.NATIONAL_ADMIN}, {Actor.NATIONAL_ADMIN}),
        (AGENCY_ADMIN, {Actor.AGENCY_ADMIN}, set()),
        (PARENT_ADMIN, {Actor.AGENCY_ADMIN}, set()),
        (OTHER_ADMIN, set(), set()),
        (UNIT_OFFICER, {Actor.UNIT_OFFICER}, set()),
        (OFFICER_ELSEWHERE, set(), set()),
        (OVERSIGHT, set(), set()),
        (ANONYMOUS, set(), set()),
    ],
)
def test_capacities_per_kind(world, kind, with_agency, without_agency):
    at_agency = report_in(world, S.IN_PROGRESS, at_unit=kind in AT_UNIT)
    in_queue = report_in(world, S.SUBMITTED)
    user = world.users[kind]
    assert actor_capacities(user=user, report=at_agency) == with_agency
    assert actor_capacities(user=user, report=in_queue) == without_agency


def test_the_unit_officer_does_not_handle_a_report_at_the_agency_above(world):
    report = report_in(world, S.IN_PROGRESS)  # at the ministry, not its unit
    assert actor_capacities(user=world.users[UNIT_OFFICER], report=report) == frozenset()
    with pytest.raises(PermissionDenied):
        wf.report_accept(report=report, actor=world.users[UNIT_OFFICER])


def test_a_deactivated_account_has_no_capacity(world):
    report = report_in(world, S.DISPOSITIONED)
    for kind in (REPORTER, NATIONAL_ADMIN, AGENCY_ADMIN):
        user = world.users[kind]
        user.is_active = False
        user.save(update_fields=["is_active"])
        assert actor_capacities(user=user, report=report) == frozenset()
    with pytest.raises(PermissionDenied):
        wf.report_accept(report=report, actor=world.users[AGENCY_ADMIN])


def test_an_agency_without_a_path_handles_nothing(world):
    # An empty path would be a prefix of every agency's: bad data must not widen access.
    report = report_in(world, S.IN_PROGRESS)
    admin = world.users[OTHER_ADMIN]
    admin.agency.path = ""
    assert not user_handles_report(user=admin, report=report)
    assert actor_capacities(user=admin, report=report) == frozenset()


def test_a_national_admin_who_reported_acts_as_the_admin_on_admin_actions(world):
    admin = world.users[NATIONAL_ADMIN]
    report = report_in(world, S.SUBMITTED, reporter=admin)
    assert actor_capacities(user=admin, report=report) == {Actor.REPORTER, Actor.NATIONAL_ADMIN}
    assert action_authorize(user=admin, report=report, action=Action.HOLD) == Actor.NATIONAL_ADMIN
    assert action_authorize(user=admin, report=report, action="comment") == Actor.NATIONAL_ADMIN
    responded = report_in(world, S.RESPONDED, reporter=admin)
    assert action_authorize(user=admin, report=responded, action="close") == Actor.REPORTER


@pytest.mark.parametrize("status", list(S), ids=str)
def test_actions_available_are_exactly_the_ones_that_would_succeed(world, status):
    reports = {False: report_in(world, status), True: report_in(world, status, at_unit=True)}
    for kind in KINDS:
        report = reports[kind in AT_UNIT]
        offered = {
            action.value for action in actions_available(user=world.users[kind], report=report)
        }
        succeeding = {
            action.value
            for action in Action
            if isinstance(expected_outcome(action.value, status, kind), str)
        }
        assert offered == succeeding, (kind, status)


@pytest.mark.parametrize("kind", [OTHER_CITIZEN, OTHER_ADMIN, OFFICER_ELSEWHERE, ANONYMOUS])
def test_outsiders_cannot_even_find_a_confidential_report(world, kind):
    report = report_in(world, S.IN_PROGRESS, at_unit=True, confidential=True)
    user = world.users[kind]
    with pytest.raises(NotFound):
        report_get_for_user(user=user, tracking_id=report.tracking_id)
    # The service alone says "not allowed", which the interfaces never get to show them.
    with pytest.raises(PermissionDenied):
        action_take(report=report, actor=user, action="comment", payload={"body": "Halo"})


def test_oversight_sees_a_confidential_report_but_acts_on_nothing(world):
    report = report_in(world, S.RESPONDED, confidential=True)
    oversight = world.users[OVERSIGHT]
    assert report_get_for_user(user=oversight, tracking_id=report.tracking_id) == report
    assert actions_available(user=oversight, report=report) == []
    with pytest.raises(PermissionDenied):
        wf.report_comment(report=report, actor=oversight, body="Catatan pengawas.")


def test_a_citizen_who_can_read_a_public_report_cannot_comment_on_it(world):
    report = report_in(world, S.IN_PROGRESS)
    stranger = UserFactory()
    assert report_get_for_user(user=stranger, tracking_id=report.tracking_id) == report
    assert actions_available(user=stranger, report=report) == []
    with pytest.raises(PermissionDenied):
        wf.report_comment(report=report, actor=stranger, body="Saya juga mengalami.")


def test_a_signed_out_visitor_from_a_request_has_no_capacity(world):
    # The web passes request.user, which is AnonymousUser rather than None.
    report = report_in(world, S.IN_PROGRESS)
    visitor = AnonymousUser()
    assert actor_capacities(user=visitor, report=report) == frozenset()
    assert actions_available(user=visitor, report=report) == []
    with pytest.raises(PermissionDenied):
        wf.report_comment(report=report, actor=visitor, body="Halo semua.")
