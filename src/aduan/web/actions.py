"""Taking a workflow action from a web page: the form, the service, and the answer.

A POST names its action (``action=dispose``). Its form checks the input; the service
checks everything else and either commits the whole change or nothing. A refused action
comes back as the same page with the message next to the form: 409 for a move the
report's status does not allow, 403 for an action the user may not take, 422 for input
the form or the service refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from aduan.core.errors import DomainError, NotFound, ValidationFailed
from aduan.core.http import client_ip
from aduan.reports.models import Report
from aduan.workflow.transitions import Action, action_label

from .action_forms import ACTION_FORMS, ActionForm


@dataclass
class ActionOutcome:
    done: bool = False
    status: int = 200
    form: ActionForm | None = None
    error: str = ""  # shown at the top of the actions, whether or not the form still is


def _form(action: Action, *args, report: Report, user, staff: bool, **kwargs) -> ActionForm:
    form_class = ACTION_FORMS[action]
    if action == Action.COMMENT:
        kwargs["staff"] = staff
    return form_class(*args, report=report, user=user, **kwargs)


def action_forms(
    *, report: Report, user, actions: Sequence[Action], bound: ActionForm | None, staff: bool
) -> list[ActionForm]:
    """A form for each of ``actions`` in table order; ``bound`` replaces its own."""
    forms = []
    for action in ACTION_FORMS:
        if action not in actions:
            continue
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(_form(action, report=report, user=user, staff=staff))
    return forms


def _refused(form: ActionForm, exc: DomainError) -> ActionOutcome:
    """The form again with the service's refusal: input it refused next to its fields
    (422); what the user could not have typed differently (the status, who they are) at
    the top with the refusal's own status; a report gone from sight as 404."""
    if isinstance(exc, ValidationFailed):
        form.add_service_errors(exc.field_errors or {None: [exc.message]})
        return ActionOutcome(status=422, form=form)
    if not isinstance(exc, NotFound):
        form.add_error(None, exc.message)
    return ActionOutcome(status=exc.status_code, form=form, error=exc.message)


def action_run(
    request: HttpRequest, *, report: Report, allowed: Sequence[Action], staff: bool
) -> ActionOutcome:
    """Run the action the POST names, if it is one of ``allowed`` on this page."""
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        action = None
    if action is None or action not in allowed:
        return ActionOutcome(status=400, error=_("Unknown action."))
    form = _form(action, request.POST, request.FILES, report=report, user=request.user, staff=staff)
    if "refresh" in request.POST:
        # Without JavaScript, the agency picker's "Search" comes back here to list the
        # agencies found: the form again as typed, not judged yet.
        form = _form(
            action, initial=request.POST.dict(), report=report, user=request.user, staff=staff
        )
        return ActionOutcome(form=form)
    if action == Action.RESPOND and "use_template" in request.POST:
        # Without JavaScript, "Use this template" comes back here to fill the text in.
        text = form.template_text(request.POST.get("template"))
        data = request.POST.copy()
        if text is not None:
            data["body"] = text
        form = _form(action, initial=data.dict(), report=report, user=request.user, staff=staff)
        return ActionOutcome(form=form)
    if not form.is_valid():
        return ActionOutcome(status=422, form=form)
    try:
        after = form.perform(ip_address=client_ip(request))
    except DomainError as exc:
        return _refused(form, exc)
    if action == Action.DISPOSE and after.agency_id:
        # The desk acts from the queue, often in one click: say which report went where.
        done = _("Done: %(id)s sent to %(agency)s.") % {
            "id": after.tracking_id,
            "agency": after.agency.name,
        }
    else:
        done = _("Done: %(action)s.") % {"action": action_label(action)}
    messages.success(request, done)
    return ActionOutcome(done=True)
