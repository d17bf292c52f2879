"""The report lifecycle in one table: for each action, the statuses it starts from, the one
it leads to and who may take it. ``transition_check`` is the guard every service calls
(``InvalidTransition``: 409; ``PermissionDenied``). The actors: docs/workflow.md.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from aduan.core.errors import InvalidTransition
from aduan.reports.models import OPEN_STATUSES, Status


class Actor(enum.StrEnum):
    REPORTER = "reporter"
    NATIONAL_ADMIN = "national_admin"
    AGENCY_ADMIN = "agency_admin"
    UNIT_OFFICER = "unit_officer"
    SYSTEM = "system"


class Action(enum.StrEnum):
    DISPOSE = "dispose"
    HOLD = "hold"
    ARCHIVE = "archive"
    MERGE = "merge"
    SET_FLAGS = "set_flags"
    REDACT = "redact"
    SET_PROGRAMMES = "set_programmes"
    ACCEPT = "accept"
    RETURN = "return"
    FORWARD = "forward"
    EXTEND = "extend"
    RESPOND = "respond"
    COMMENT = "comment"
    ANSWER = "answer"
    CLOSE = "close"
    RATE = "rate"
    REOPEN = "reopen"
    AUTO_CLOSE = "auto_close"


STAFF = frozenset({Actor.AGENCY_ADMIN, Actor.UNIT_OFFICER})
KEEP = None  # the action leaves the status as it is


@dataclass(frozen=True)
class Transition:
    action: Action
    moves: Mapping[Status, Status | None]  # from-status → to-status (KEEP: unchanged)
    actors: frozenset[Actor]

    @property
    def sources(self) -> frozenset[Status]:
        return frozenset(self.moves)


def _same(statuses) -> dict[Status, None]:
    return dict.fromkeys(statuses, KEEP)


_OPEN = sorted(OPEN_STATUSES)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        # The national admin's verification desk.
        Transition(
            Action.DISPOSE,
            {Status.SUBMITTED: Status.DISPOSITIONED, Status.RETURNED: Status.DISPOSITIONED},
            frozenset({Actor.NATIONAL_ADMIN}),
        ),
        Transition(
            Action.HOLD,
            {Status.SUBMITTED: Status.ON_HOLD, Status.RETURNED: Status.ON_HOLD},
            frozenset({Actor.NATIONAL_ADMIN}),
        ),
        Transition(
            Action.ARCHIVE,
            dict.fromkeys((Status.SUBMITTED, Status.ON_HOLD, Status.RETURNED), Status.ARCHIVED),
            frozenset({Actor.NATIONAL_ADMIN}),
        ),
        Transition(
            Action.MERGE,
            dict.fromkeys(
                (Status.SUBMITTED, Status.ON_HOLD, Status.RETURNED, Status.DISPOSITIONED),
                Status.ARCHIVED,
            ),
            frozenset({Actor.NATIONAL_ADMIN}),
        ),
        Transition(Action.SET_FLAGS, _same(Status), frozenset({Actor.NATIONAL_ADMIN})),
        # The public version of the title and text, without the personal data in them.
        Transition(Action.REDACT, _same(Status), frozenset({Actor.NATIONAL_ADMIN})),
        # The national priority programmes the report concerns (the KSP oversees them).
        Transition(Action.SET_PROGRAMMES, _same(Status), frozenset({Actor.NATIONAL_ADMIN})),
        # The agency.
        Transition(Action.ACCEPT, {Status.DISPOSITIONED: Status.IN_PROGRESS}, STAFF),
        Transition(
            Action.RETURN,
            {Status.DISPOSITIONED: Status.RETURNED, Status.IN_PROGRESS: Status.RETURNED},
            frozenset({Actor.AGENCY_ADMIN}),
        ),
        # To a unit the status is kept; to another agency it goes back to the national
        # admin as ``returned`` with the suggestion (services decide which).
        Transition(
            Action.FORWARD,
            _same((Status.DISPOSITIONED, Status.IN_PROGRESS)),
            frozenset({Actor.AGENCY_ADMIN}),
        ),
        Transition(
            Action.EXTEND,
            _same((Status.DISPOSITIONED, Status.IN_PROGRESS)),
            frozenset({Actor.AGENCY_ADMIN}),
        ),
        Transition(
            Action.RESPOND,
            {Status.DISPOSITIONED: Status.RESPONDED, Status.IN_PROGRESS: Status.RESPONDED},
            STAFF,
        ),
        # Anyone involved may comment while the report is open.
        Transition(
            Action.COMMENT,
            _same(_OPEN),
            frozenset({Actor.REPORTER, Actor.NATIONAL_ADMIN, *STAFF}),
        ),
        # The reporter.
        Transition(
            Action.ANSWER,
            {Status.RESPONDED: Status.IN_PROGRESS, Status.ON_HOLD: Status.SUBMITTED},
            frozenset({Actor.REPORTER}),
        ),
        Transition(Action.CLOSE, {Status.RESPONDED: Status.CLOSED}, frozenset({Actor.REPORTER})),
        Transition(
            Action.RATE, _same((Status.RESPONDED, Status.CLOSED)), frozenset({Actor.REPORTER})
        ),
        Transition(Action.REOPEN, {Status.CLOSED: Status.IN_PROGRESS}, frozenset({Actor.REPORTER})),
        # The sweep.
        Transition(Action.AUTO_CLOSE, {Status.RESPONDED: Status.CLOSED}, frozenset({Actor.SYSTEM})),
    )
}


def transition_check(*, action: Action | str, status: str) -> Status:
    """The status ``action`` leads to from ``status`` (the same one for KEEP), or
    ``InvalidTransition``. Who may act is checked by ``workflow.permissions``."""
    transition = TRANSITIONS[Action(action)]
    current = Status(status)
    if current not in transition.moves:
        raise InvalidTransition(
            _("“%(action)s” is not possible while the report is “%(status)s”.")
            % {"action": action_label(transition.action), "status": current.label}
        )
    target = transition.moves[current]
    return current if target is KEEP else target


def actions_from(status: str) -> list[Action]:
    """Every action the table allows from ``status``, whoever the actor."""
    current = Status(status)
    return [action for action, t in TRANSITIONS.items() if current in t.moves]


def action_label(action: Action | str) -> str:
    from aduan.reports.models import EventAction

    try:
        return str(EventAction(str(action)).label)
    except ValueError:
        return str(action)
