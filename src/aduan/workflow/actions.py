"""Each action a person takes on a report, declared once: its input and its service.

``ACTION_SPECS`` maps an action of the transition table to the schema of its input
(``workflow.schemas``, the body the API documents and checks) and the service that takes
it. The API derives one endpoint per action from it; the web and tests take an action by
name through ``action_take``, which checks a plain mapping against the same schema. The
services keep the rules (who, from which status, lengths, which agency).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from aduan.accounts.models import User
from aduan.core.errors import NotFound, PermissionDenied, ValidationFailed
from aduan.core.validation import input_field_errors
from aduan.reports.models import Report

from . import schemas
from . import services as wf
from .transitions import Action


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    schema: type[schemas.ActionIn]
    service: Callable[..., Report]

    @property
    def body_optional(self) -> bool:
        """An action without fields may be sent without a body."""
        return issubclass(self.schema, schemas.NoFieldsIn)


# Table order: the API lists the endpoints in it. The sweep's own action (auto-close) is in
# the transition table but nobody's to take by hand, so it has no input here.
ACTION_SPECS: dict[Action, ActionSpec] = {
    spec.action: spec
    for spec in (
        ActionSpec(Action.DISPOSE, schemas.DisposeIn, wf.report_dispose),
        ActionSpec(Action.HOLD, schemas.HoldIn, wf.report_hold),
        ActionSpec(Action.ARCHIVE, schemas.ArchiveIn, wf.report_archive),
        ActionSpec(Action.MERGE, schemas.MergeIn, wf.report_merge),
        ActionSpec(Action.SET_FLAGS, schemas.SetFlagsIn, wf.report_set_flags),
        ActionSpec(Action.REDACT, schemas.RedactIn, wf.report_redact),
        ActionSpec(Action.SET_PROGRAMMES, schemas.SetProgrammesIn, wf.report_set_programmes),
        ActionSpec(Action.ACCEPT, schemas.AcceptIn, wf.report_accept),
        ActionSpec(Action.RETURN, schemas.ReturnIn, wf.report_return),
        ActionSpec(Action.FORWARD, schemas.ForwardIn, wf.report_forward),
        ActionSpec(Action.EXTEND, schemas.ExtendIn, wf.report_extend),
        ActionSpec(Action.RESPOND, schemas.RespondIn, wf.report_respond),
        ActionSpec(Action.COMMENT, schemas.CommentIn, wf.report_comment),
        ActionSpec(Action.ANSWER, schemas.AnswerIn, wf.report_answer),
        ActionSpec(Action.CLOSE, schemas.CloseIn, wf.report_close),
        ActionSpec(Action.RATE, schemas.RateIn, wf.report_rate),
        ActionSpec(Action.REOPEN, schemas.ReopenIn, wf.report_reopen),
    )
}


def action_spec(action: Action | str | None) -> ActionSpec:
    """The spec of ``action`` (outside input): ``NotFound`` for an unknown name,
    ``PermissionDenied`` for an action nobody takes by hand."""
    try:
        known = Action(action)
    except ValueError as exc:
        raise NotFound(_("Unknown action.")) from exc
    if known not in ACTION_SPECS:
        raise PermissionDenied
    return ACTION_SPECS[known]


def action_input(spec: ActionSpec, payload: Mapping[str, Any] | None) -> schemas.ActionIn:
    """``payload`` checked against the action's schema, strictly (no "12" for a number, no
    "ya" for a flag, no unknown field); a field set to None counts as left out.
    ``ValidationFailed`` names every field at fault."""
    given = {name: value for name, value in (payload or {}).items() if value is not None}
    try:
        return spec.schema.model_validate(given, strict=True)
    except ValidationError as exc:
        raise ValidationFailed(field_errors=input_field_errors(exc.errors())) from exc


def action_take(
    *,
    report: Report,
    actor: User,
    action: Action | str | None,
    payload: schemas.ActionIn | Mapping[str, Any] | None = None,
    ip_address: str | None = None,
) -> Report:
    """Take ``action`` with ``payload``: the action's schema (the API's body, already
    checked) or a mapping, checked here. Optional fields left out mean "leave as it is"
    to the services, not "set to null"."""
    spec = action_spec(action)
    data = payload if isinstance(payload, spec.schema) else action_input(spec, payload)
    arguments = data.model_dump(exclude_none=True)
    return spec.service(report=report, actor=actor, ip_address=ip_address, **arguments)
