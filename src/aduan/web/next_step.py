"""The reporter's next step on the tracking page, as one form: a comment, "not answered
yet, send it back" (an answer to the response, or reopening a closed report), or "accept
and rate" (close and rate at once). Which choices are offered, and allowed when sent, is
``actions_available``'s answer (the transition table and its extra rules); the services
check again. A choice with two writes (accept and rate) commits both or neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.core.errors import DomainError, ValidationFailed
from aduan.core.forms import form_add_errors
from aduan.core.http import client_ip
from aduan.reports.models import Report, Status
from aduan.workflow import services as wf
from aduan.workflow.permissions import actions_available
from aduan.workflow.services import NOTE_MAX
from aduan.workflow.transitions import Action

from .action_forms import REPORTER_ACTIONS
from .actions import ActionOutcome

ACTION = "next_step"  # the POST's ``action``: this form, not one of the single actions

COMMENT, ANSWER, SEND_BACK, ACCEPT, RATE = "comment", "answer", "send_back", "accept", "rate"
SCORE_LABELS = {
    1: _("Very poor"),
    2: _("Poor"),
    3: _("Fair"),
    4: _("Good"),
    5: _("Very good"),
}
# The step -> the services' field names that land on this form's fields.
_FIELD_MAP = {"body": "message", "reason": "message", "comment": "message", "score": "score"}


@dataclass(frozen=True)
class StepChoice:
    value: str
    label: str
    help: str
    needs_message: bool
    needs_score: bool


def step_choices(*, report: Report, user: User) -> list[StepChoice]:
    """The steps ``user`` (the reporter) may take on ``report`` now, in the order shown."""
    available = set(actions_available(user=user, report=report)) & set(REPORTER_ACTIONS)
    choices = []
    if Action.CLOSE in available:
        choices.append(
            StepChoice(
                ACCEPT,
                str(_("Accept the answer and rate it")),
                str(_("The report is closed and the agency learns your rating.")),
                needs_message=False,
                needs_score=True,
            )
        )
    elif Action.RATE in available:
        choices.append(
            StepChoice(
                RATE,
                str(_("Rate how the report was handled")),
                str(_("The agency learns your rating; you rate once.")),
                needs_message=False,
                needs_score=True,
            )
        )
    if Action.ANSWER in available and report.status == Status.ON_HOLD:
        choices.append(
            StepChoice(
                ANSWER,
                str(_("Answer the administrator's question")),
                str(_("Your report then goes back to verification.")),
                needs_message=True,
                needs_score=False,
            )
        )
    elif Action.ANSWER in available or Action.REOPEN in available:
        choices.append(
            StepChoice(
                SEND_BACK,
                str(_("Not answered yet: send it back to the agency")),
                str(
                    _("Say what is still missing; the agency must answer again.")
                    if Action.ANSWER in available
                    else _("Say why the problem is not solved; the report is reopened once.")
                ),
                needs_message=True,
                needs_score=False,
            )
        )
    if Action.COMMENT in available:
        choices.append(
            StepChoice(
                COMMENT,
                str(_("Add a comment")),
                str(_("More information for the agency; the report stays where it is.")),
                needs_message=True,
                needs_score=False,
            )
        )
    return choices


class NextStepForm(forms.Form):
    """One form for every next step of the reporter: ``step``, a ``message`` and a
    ``score`` (the five stars), each required only by the steps that use it."""

    step = forms.ChoiceField(
        label=_("What do you want to do?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you want to do."),
            "invalid_choice": _(
                "This step is not possible for this report now. Reload the page to see "
                "what you can do."
            ),
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a comment or to send the report back; optional with a rating."),
    )
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), label) for n, label in SCORE_LABELS.items()],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose from one to five stars.")},
    )

    def __init__(self, *args, report: Report, user: User, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_next_%s")
        super().__init__(*args, **kwargs)
        self.report = report
        self.user = user
        self.choices = step_choices(report=report, user=user)
        self.fields["step"].choices = [(c.value, c.label) for c in self.choices]
        if len(self.choices) == 1:
            self.fields["step"].initial = self.choices[0].value
        self.offers_rating = any(c.needs_score for c in self.choices)

    @property
    def stars(self) -> list[tuple[int, str]]:
        return list(SCORE_LABELS.items())

    @property
    def chosen_score(self) -> int | None:
        value = self["score"].value()
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        choice = next((c for c in self.choices if c.value == data.get("step")), None)
        if choice is None:
            return data
        if choice.needs_message and not (data.get("message") or "").strip():
            self.add_error(
                "message",
                _("Write your comment.")
                if choice.value == COMMENT
                else _("Write what is still missing or why the problem is not solved.")
                if choice.value == SEND_BACK
                else _("Write your answer."),
            )
        if choice.needs_score and data.get("score") is None:
            self.add_error("score", _("Choose from one to five stars."))
        return data

    def perform(self, *, ip_address: str | None) -> Report:
        """The chosen step's services, in one transaction: a refused rating leaves the
        report open, not closed without it."""
        data, report, actor = self.cleaned_data, self.report, self.user
        message, step = data.get("message") or "", data["step"]
        with transaction.atomic():
            if step == COMMENT:
                return wf.report_comment(
                    report=report, actor=actor, body=message, ip_address=ip_address
                )
            if step == ANSWER or (step == SEND_BACK and report.status == Status.RESPONDED):
                return wf.report_answer(
                    report=report, actor=actor, body=message, ip_address=ip_address
                )
            if step == SEND_BACK:
                return wf.report_reopen(
                    report=report, actor=actor, reason=message, ip_address=ip_address
                )
            if step == ACCEPT:
                report = wf.report_close(report=report, actor=actor, ip_address=ip_address)
            return wf.report_rate(
                report=report,
                actor=actor,
                score=data["score"],
                comment=message.strip(),
                ip_address=ip_address,
            )


def next_step_run(request: HttpRequest, *, report: Report) -> ActionOutcome:
    """Take the step the POST chose: done, or the form again with why not (422 for what
    was typed, the service's own status for a move the report no longer allows)."""
    form = NextStepForm(request.POST, report=report, user=request.user)
    if not form.is_valid():
        return ActionOutcome(status=422, form=form)
    try:
        form.perform(ip_address=client_ip(request))
    except ValidationFailed as exc:
        form_add_errors(form, exc.field_errors or {None: [exc.message]}, field_map=_FIELD_MAP)
        return ActionOutcome(status=422, form=form)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return ActionOutcome(status=exc.status_code, form=form, error=exc.message)
    chosen = next(c for c in form.choices if c.value == form.cleaned_data["step"])
    messages.success(request, _("Done: %(action)s.") % {"action": chosen.label})
    return ActionOutcome(done=True)


def next_step_form(*, report: Report, user, bound: forms.Form | None) -> NextStepForm | None:
    """The form for the reporter of ``report`` (``bound``: as sent, with its errors), or
    None when they have no step to take (or are not its reporter)."""
    if isinstance(bound, NextStepForm):
        return bound
    if not user.is_authenticated or report.reporter_id != user.pk:
        return None
    form = NextStepForm(report=report, user=user)
    return form if form.choices else None
