"""Who may act on a report, in one place. Visibility (who may *see* it) stays in
``reports.selectors``; this module answers the next question: in which capacity does a
user act on a report they can see?"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aduan.accounts.capabilities import is_agency_admin, is_agency_staff, is_national_desk
from aduan.accounts.models import User
from aduan.core.errors import PermissionDenied
from aduan.reports.models import Report
from aduan.reports.selectors import user_handles_report

from .transitions import TRANSITIONS, Action, Actor, actions_from


def actor_capacities(*, user: User | None, report: Report) -> frozenset[Actor]:
    """Every capacity in which ``user`` may act on ``report``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    capacities: set[Actor] = set()
    if report.reporter_id == user.pk:
        capacities.add(Actor.REPORTER)
    if is_national_desk(user):
        capacities.add(Actor.NATIONAL_ADMIN)
    elif is_agency_staff(user) and user_handles_report(user=user, report=report):
        capacities.add(Actor.AGENCY_ADMIN if is_agency_admin(user) else Actor.UNIT_OFFICER)
    return frozenset(capacities)


def action_authorize(*, user: User | None, report: Report, action: Action | str) -> Actor:
    """The capacity in which ``user`` takes ``action``, or ``PermissionDenied``."""
    allowed = TRANSITIONS[Action(action)].actors
    capacities = actor_capacities(user=user, report=report) & allowed
    if not capacities:
        raise PermissionDenied
    # A national admin who is also the reporter acts as the admin on admin actions.
    for preferred in (Actor.NATIONAL_ADMIN, Actor.AGENCY_ADMIN, Actor.UNIT_OFFICER):
        if preferred in capacities:
            return preferred
    return next(iter(capacities))


def actions_available(*, user: User | None, report: Report) -> list[Action]:
    """What ``user`` could do to ``report`` now (for buttons and the API's ``actions``;
    services check again). Beyond the table: a report is rated once, reopened once within
    its window, and its response deadline extended once. Those checks cost a query each,
    and only for the few reports where the action is otherwise possible."""
    capacities = actor_capacities(user=user, report=report)
    possible = [
        action for action in actions_from(report.status) if TRANSITIONS[action].actors & capacities
    ]
    return [action for action in possible if _still_possible(action, report)]


def _still_possible(action: Action, report: Report) -> bool:
    # Reads go through the report's relations, so a list that prefetches "rating" and
    # "deadlines" (the API's feed and inbox do) answers without a query per report.
    from django.core.exceptions import ObjectDoesNotExist

    from aduan.sla import services as sla
    from aduan.sla.models import DeadlineKind, DeadlineState

    if action == Action.RATE:
        try:
            report.rating  # noqa: B018
        except ObjectDoesNotExist:
            return True
        return False
    if action == Action.REOPEN:
        if report.reopen_count >= 1 or report.closed_at is None:
            return False
        # The window is ten working days: never more than six weeks, even across Lebaran.
        if timezone.now() - report.closed_at > dt.timedelta(weeks=6):
            return False
        return sla.within_reopen_window(report=report)
    if action == Action.EXTEND:
        return any(
            d.kind == DeadlineKind.RESPONSE and d.state == DeadlineState.OPEN and not d.extended_by
            for d in report.deadlines.all()
        )
    return True
