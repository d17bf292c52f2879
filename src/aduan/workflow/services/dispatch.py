"""Dispatch by name: ``report_act`` takes an action by its name in the transition table
(the API and other channels)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.core.errors import NotFound, PermissionDenied, ValidationFailed
from aduan.reports.models import Report, Status
from aduan.sla import services as sla

from ..transitions import Action
from .agency import report_accept, report_extend, report_forward, report_respond, report_return
from .desk import (
    report_archive,
    report_dispose,
    report_hold,
    report_merge,
    report_redact,
    report_set_flags,
)
from .reporter import report_answer, report_close, report_comment, report_rate, report_reopen

_PAYLOAD_ARGS: dict[Action, tuple[Callable[..., Report], dict[str, type]]] = {
    Action.DISPOSE: (
        report_dispose,
        {
            "agency_id": int,
            "note": str,
            "title": str,
            "category_id": int,
            "anonymous": bool,
            "confidential": bool,
        },
    ),
    Action.HOLD: (report_hold, {"question": str}),
    Action.ARCHIVE: (report_archive, {"reason": str}),
    Action.MERGE: (report_merge, {"into": str, "note": str}),
    Action.SET_FLAGS: (report_set_flags, {"anonymous": bool, "confidential": bool}),
    Action.REDACT: (report_redact, {"public_title": str, "public_body": str}),
    Action.ACCEPT: (report_accept, {}),
    Action.RETURN: (report_return, {"reason": str}),
    Action.FORWARD: (report_forward, {"agency_id": int, "note": str}),
    Action.EXTEND: (report_extend, {"working_days": int, "reason": str}),
    Action.RESPOND: (report_respond, {"body": str}),
    Action.COMMENT: (report_comment, {"body": str, "internal": bool}),
    Action.ANSWER: (report_answer, {"body": str}),
    Action.CLOSE: (report_close, {}),
    Action.RATE: (report_rate, {"score": int, "comment": str}),
    Action.REOPEN: (report_reopen, {"reason": str}),
}


def report_act(
    *,
    report: Report,
    actor: User,
    action: str,
    payload: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Report:
    """Take ``action`` (by its name in the transition table) with ``payload``'s arguments.
    Unknown actions are ``NotFound``; unknown or mistyped arguments ``ValidationFailed``."""
    try:
        known = Action(action)
    except ValueError as exc:
        raise NotFound(_("Unknown action.")) from exc
    if known not in _PAYLOAD_ARGS:
        # The sweep's own action (auto-close) is in the table but nobody's to take by hand.
        raise PermissionDenied
    function, arguments = _PAYLOAD_ARGS[known]
    payload = dict(payload or {})
    unknown = sorted(set(payload) - set(arguments))
    if unknown:
        raise ValidationFailed(
            field_errors={name: [_("Unknown field for this action.")] for name in unknown}
        )
    kwargs: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, kind in arguments.items():
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        if kind is bool and not isinstance(value, bool):
            errors[name] = [_("Must be true or false.")]
        elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            errors[name] = [_("Must be a whole number.")]
        elif kind is str and not isinstance(value, str):
            errors[name] = [_("Must be text.")]
        else:
            kwargs[name] = value
    for name, parameter in inspect.signature(function).parameters.items():
        if name in arguments and parameter.default is parameter.empty and name not in kwargs:
            errors.setdefault(name, [_("This field is required.")])
    if errors:
        raise ValidationFailed(field_errors=errors)
    return function(report=report, actor=actor, ip_address=ip_address, **kwargs)


def reopen_deadline_for(report: Report) -> dt.datetime | None:
    """Until when the reporter may reopen a closed report (None when they cannot)."""
    if report.status != Status.CLOSED or report.reopen_count >= 1 or report.closed_at is None:
        return None
    return sla.reopen_until(report=report)
