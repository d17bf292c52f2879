"""One form per workflow action, for the staff report page and the tracking page.

A form checks the shape of what was typed; the rules (who, from which status, how long a
note must be) are the services' and come back as ``DomainError``s, which
``web.actions`` puts next to the form. A form hands the fields its action's input schema
names (``workflow.actions``) to ``action_take``; field names follow that schema, so that a
service's ``field_errors`` land on the right field (``service_fields`` where they differ).
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.core.errors import ValidationFailed
from aduan.core.forms import form_add_errors
from aduan.programmes.selectors import (
    programmes_active,
    programmes_implied_by,
    report_programmes,
)
from aduan.reports.models import BODY_MAX, TITLE_MAX, Report
from aduan.reports.pii import pii_kinds, pii_labels, pii_mask
from aduan.sla.policy import sla_days
from aduan.triage.selectors import report_triage
from aduan.workflow import services as wf
from aduan.workflow.actions import ACTION_SPECS, action_take
from aduan.workflow.models import ResponseTemplate
from aduan.workflow.selectors import units_for_user
from aduan.workflow.services import NOTE_MAX
from aduan.workflow.transitions import Action

from .forms import (
    ACCEPTED_FILE_TYPES,
    MultipleFileField,
    MultipleFileInput,
    agencies_matching,
    agency_or_none,
    category_choices,
    prepare_files,
)
from .widgets import FastSelect

IDENTITY_CHOICES = [
    ("shown", _("Show the reporter's name to the agency")),
    ("hidden", _("Hide the reporter's identity (anonymous)")),
]
VISIBILITY_CHOICES = [
    ("public", _("Public: anyone may read the report")),
    ("confidential", _("Confidential: only the reporter and the officials handling it")),
]
SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


def _agency_query(label, *, help_text="") -> forms.CharField:
    """The agency picker's search box (``agency_q``); ``agency_id`` holds the choice."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=100,
        widget=forms.SearchInput,
        help_text=help_text,
    )


def _note(label, *, required: bool = True, help_text="", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(forms.Form):
    """A form for one action on one report by one user; ``perform`` calls its service."""

    action: ClassVar[Action]
    title: ClassVar = ""
    submit_label: ClassVar = _("Send")
    intro: ClassVar = ""
    danger: ClassVar[bool] = False
    # The service's argument name -> this form's field, where the two differ.
    service_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *args, report: Report, user: User, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{self.action.value}_%s")
        super().__init__(*args, **kwargs)
        self.report = report
        self.user = user
        self.files_were_sent = bool(self.files)

    @property
    def name(self) -> str:
        return self.action.value

    def arguments(self) -> dict:
        """The service's arguments: the cleaned fields that the action's input schema
        (``workflow.actions.ACTION_SPECS``) names; a form whose fields are named otherwise
        maps them itself."""
        fields = ACTION_SPECS[self.action].schema.model_fields
        return {name: value for name, value in self.cleaned_data.items() if name in fields}

    def perform(self, *, ip_address: str | None) -> Report:
        return action_take(
            report=self.report,
            actor=self.user,
            action=self.action,
            payload=self.arguments(),
            ip_address=ip_address,
        )

    def add_service_errors(self, field_errors: dict[str, list[str]]) -> None:
        form_add_errors(self, field_errors, field_map=self.service_fields)


class AgencyPickerMixin:
    """The public site's agency picker (``agency_q`` + ``agency_id`` radios, htmx search)."""

    def setup_picker(self, *, default: int | None = None) -> None:
        source = self.data if self.is_bound else self.initial
        self.agency_query = str(source.get("agency_q") or "").strip()[:100]
        self.agency_suggestions = agencies_matching(self.agency_query)
        raw = source.get("agency_id") if "agency_id" in source else default
        self.selected_agency = agency_or_none(raw)


class PrivacyMixin:
    def privacy_fields(self) -> None:
        report = self.report
        self.fields["anonymous"] = forms.ChoiceField(
            label=_("Reporter's identity"),
            choices=IDENTITY_CHOICES,
            widget=forms.RadioSelect,
            initial="hidden" if report.anonymous else "shown",
            help_text=_(
                "The reporter asked: %(choice)s. Agency staff and the public never see the "
                "name of an anonymous reporter."
            )
            % {"choice": _("anonymous") if report.anonymous else _("name shown")},
        )
        self.fields["confidential"] = forms.ChoiceField(
            label=_("Report"),
            choices=VISIBILITY_CHOICES,
            widget=forms.RadioSelect,
            initial="confidential" if report.confidential else "public",
            help_text=_("The reporter asked: %(choice)s.")
            % {"choice": _("confidential") if report.confidential else _("public")},
        )

    def privacy_arguments(self) -> dict:
        return {
            "anonymous": self.cleaned_data["anonymous"] == "hidden",
            "confidential": self.cleaned_data["confidential"] == "confidential",
        }


class DisposeForm(PrivacyMixin, AgencyPickerMixin, ActionForm):
    action = Action.DISPOSE
    title = _("Verify and send to an agency")
    submit_label = _("Send to the agency")
    intro = _(
        "Check the report, correct its title and topic if needed, choose the agency "
        "responsible, and confirm the reporter's privacy choices."
    )
    service_fields: ClassVar = {"title": "title_text"}

    agency_q = _agency_query(
        _("Search for an agency"),
        help_text=_("Type part of its name, e.g. “Dinas Pendidikan” or “PLN”."),
    )
    agency_id = forms.IntegerField(label=_("Agency"), required=False, min_value=1)
    title_text = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    category_id = forms.TypedChoiceField(
        label=_("Topic"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    note = _note(
        _("Note for the agency (optional; the reporter does not see it)"), required=False, rows=3
    )
    privacy_checked = forms.BooleanField(
        label=_("I checked anonymity and confidentiality"),
        help_text=_("Required: the two choices above decide who may read the reporter's name."),
        error_messages={
            "required": _(
                "Confirm that you checked the reporter's identity and the report's "
                "confidentiality before sending it."
            )
        },
    )

    field_order = [
        "agency_q",
        "agency_id",
        "title_text",
        "category_id",
        "note",
        "anonymous",
        "confidential",
        "privacy_checked",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        report = self.report
        self.fields["title_text"].initial = report.title
        self.fields["category_id"].choices = category_choices(_("— none —"))
        triage = report_triage(report)
        suggested = triage.assessment.category_id if triage.assessment else None
        self.fields["category_id"].initial = report.category_id or suggested
        self.privacy_fields()
        self.order_fields(self.field_order)
        self.setup_picker(default=triage.first.agency.pk if triage.first else None)

    def clean(self):
        data = super().clean()
        if not self.selected_agency:
            self.add_error("agency_id", _("Choose the agency that must handle the report."))
        return data

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "agency_id": self.selected_agency.pk,
            "note": data["note"],
            "title": data["title_text"],
            "category_id": data["category_id"],
            **self.privacy_arguments(),
        }


class SetFlagsForm(PrivacyMixin, ActionForm):
    action = Action.SET_FLAGS
    title = _("Privacy")
    submit_label = _("Save privacy")
    intro = _("Change who may read the report and the reporter's name.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.privacy_fields()

    def arguments(self) -> dict:
        return self.privacy_arguments()


class SetProgrammesForm(ActionForm):
    """The national priority programmes the report concerns. With none tagged yet, the
    ones its category implies are ticked already (disposition tags them anyway)."""

    action = Action.SET_PROGRAMMES
    title = _("Priority programmes")
    submit_label = _("Save the programmes")
    intro = _(
        "Tag the national priority programmes the report concerns: the KSP's overseers "
        "read the reports of these programmes, of every agency."
    )
    programme_ids = forms.TypedMultipleChoiceField(
        label=_("Programmes"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        report = self.report
        tagged = {p.pk: p for p in report_programmes(report)}
        offered = {p.pk: p for p in programmes_active()}
        # A programme switched off stays offered on a report that has it, to be kept.
        offered.update(tagged)
        field = self.fields["programme_ids"]
        field.choices = [
            (p.pk, p.name) for p in sorted(offered.values(), key=lambda p: (p.ordering, p.name))
        ]
        field.initial = list(tagged) or [
            p.pk for p in programmes_implied_by(category_id=report.category_id)
        ]


class RedactForm(ActionForm):
    """The public version of the title and text. It starts from the current redaction, or
    from the original with what looks like personal data already masked, for the desk to
    check and finish."""

    action = Action.REDACT
    title = _("Public version of the text")
    submit_label = _("Save the public version")

    public_title = forms.CharField(
        label=_("Title the public reads"), required=False, max_length=TITLE_MAX
    )
    public_body = forms.CharField(
        label=_("Text the public reads"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Remove names, NIKs, phone numbers, addresses and account numbers. Leave both "
            "fields as the original to publish it unchanged (personal data is still masked)."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        report = self.report
        self.fields["public_title"].initial = report.public_title or pii_mask(report.title)
        self.fields["public_body"].initial = report.public_body or pii_mask(report.body)
        found = pii_labels(pii_kinds(f"{report.title}\n{report.body}"))
        self.intro = (
            _(
                "The text seems to hold personal data: %(kinds)s. The reporter and the officials "
                "handling the report keep reading the original."
            )
            % {"kinds": ", ".join(found)}
            if found
            else _("The reporter and the officials handling the report keep reading the original.")
        )


class HoldForm(ActionForm):
    action = Action.HOLD
    title = _("Put on hold: ask the reporter")
    submit_label = _("Ask the reporter")
    intro = _("The verification clock stops until the reporter answers.")
    question = _note(_("Question for the reporter"))


class ArchiveForm(ActionForm):
    action = Action.ARCHIVE
    title = _("Archive")
    submit_label = _("Archive the report")
    danger = True
    reason = _note(_("Reason (the reporter reads it)"))


class MergeForm(ActionForm):
    action = Action.MERGE
    title = _("Merge into another report")
    submit_label = _("Merge")
    danger = True
    intro = _("The report is archived as a duplicate; its reporter follows the other report.")
    into = forms.CharField(label=_("Tracking number of the other report"), max_length=20)
    note = _note(_("Note for the reporter (optional)"), required=False, rows=2)


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    title = _("Accept")
    submit_label = _("Accept the report")
    intro = _("Your agency will handle the report; the reporter is told.")


class ReturnForm(ActionForm):
    action = Action.RETURN
    title = _("Return to the national admin")
    submit_label = _("Return the report")
    danger = True
    intro = _("For a report that is not your agency's authority.")
    reason = _note(_("Reason for the national admin (the reporter does not see it)"))


class ForwardForm(AgencyPickerMixin, ActionForm):
    action = Action.FORWARD
    title = _("Forward")
    submit_label = _("Forward")
    intro = _(
        "To one of your units; or to another agency, which sends the report back to the "
        "national admin with your suggestion."
    )
    service_fields: ClassVar = {"agency_id": "unit_id"}
    unit_id = forms.TypedChoiceField(
        label=_("Unit"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    agency_q = _agency_query(_("Or search for another agency"))
    agency_id = forms.IntegerField(label=_("Agency"), required=False, min_value=1)
    note = _note(
        _("Note for the unit or the national admin (the reporter does not see it)"),
        required=False,
        rows=2,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = [u for u in units_for_user(user=self.user) if u.pk != self.report.agency_id]
        self.fields["unit_id"].choices = [("", _("— choose a unit —"))] + [
            (u.pk, u.name) for u in units
        ]
        self.setup_picker()

    def clean(self):
        data = super().clean()
        if not data.get("unit_id") and not self.selected_agency:
            self.add_error("unit_id", _("Choose a unit or another agency."))
        return data

    def arguments(self) -> dict:
        target = self.cleaned_data.get("unit_id") or self.selected_agency.pk
        return {"agency_id": target, "note": self.cleaned_data["note"]}


class ExtendForm(ActionForm):
    action = Action.EXTEND
    title = _("Extend the response deadline")
    submit_label = _("Extend")
    intro = _("Once per report.")
    working_days = forms.IntegerField(label=_("Working days more"), min_value=1)
    reason = _note(_("Reason (the reporter reads it)"), rows=2)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        maximum = sla_days("extension_max", self.report.classification)
        field = self.fields["working_days"]
        field.max_value = maximum
        field.validators.append(MaxValueValidator(maximum))
        field.widget.attrs.update({"min": 1, "max": maximum})
        field.help_text = _("1 to %(max)d working days.") % {"max": maximum}


class RespondForm(ActionForm):
    action = Action.RESPOND
    title = _("Respond to the reporter")
    submit_label = _("Send the response")
    template = forms.TypedChoiceField(
        label=_("Start from a template"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=FastSelect,
    )
    body = forms.CharField(
        label=_("Response"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What your agency did or will do. At least 20 characters."),
    )
    files = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_FILE_TYPES}),
        help_text=_("Up to 5 files, at most 10 MB each: JPEG, PNG, PDF or MP4."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.templates = list(ResponseTemplate.objects.for_report(self.report))
        self.fields["template"].choices = [("", _("— none —"))] + [
            (t.pk, t.title) for t in self.templates
        ]

    def template_text(self, pk) -> str | None:
        """The filled-in body of template ``pk`` (outside input), if it is offered here."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        template = next((t for t in self.templates if t.pk == pk), None)
        return template.render(self.report) if template else None

    def perform(self, *, ip_address: str | None) -> Report:
        prepared, problems = prepare_files(self.cleaned_data["files"])
        if problems:
            raise ValidationFailed(field_errors={"files": problems})
        return wf.report_respond(
            report=self.report,
            actor=self.user,
            body=self.cleaned_data["body"],
            files=prepared,
            ip_address=ip_address,
        )


class CommentForm(ActionForm):
    action = Action.COMMENT
    title = _("Comment")
    submit_label = _("Send the comment")
    body = _note(_("Comment"), rows=3)
    internal = forms.BooleanField(
        label=_("Internal note (the reporter does not see it)"), required=False
    )

    def __init__(self, *args, staff: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["internal"]


class AnswerForm(ActionForm):
    action = Action.ANSWER
    title = _("Answer")
    submit_label = _("Send the answer")
    body = _note(_("Your answer"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.intro = (
            _("Answer the administrator's question; your report then goes back to verification.")
            if self.report.status == "on_hold"
            else _("Not satisfied with the response? Tell the agency what is still missing.")
        )


class CloseForm(ActionForm):
    action = Action.CLOSE
    title = _("Accept the response")
    submit_label = _("Accept and close the report")
    intro = _("The report is closed. You may still rate how it was handled.")


class RateForm(ActionForm):
    action = Action.RATE
    title = _("Rate the handling")
    submit_label = _("Send the rating")
    score = forms.TypedChoiceField(
        label=_("Score (1 = very poor, 5 = very good)"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(ActionForm):
    action = Action.REOPEN
    title = _("Reopen the report")
    submit_label = _("Reopen")
    reason = _note(_("Why is the problem not solved?"))


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        DisposeForm,
        SetFlagsForm,
        HoldForm,
        ArchiveForm,
        MergeForm,
        RedactForm,
        SetProgrammesForm,
        AcceptForm,
        ReturnForm,
        ForwardForm,
        ExtendForm,
        RespondForm,
        CommentForm,
        AnswerForm,
        CloseForm,
        RateForm,
        ReopenForm,
    )
}
REPORTER_ACTIONS = (Action.COMMENT, Action.ANSWER, Action.CLOSE, Action.RATE, Action.REOPEN)
STAFF_ACTIONS = tuple(
    a for a in ACTION_FORMS if a not in (Action.ANSWER, Action.CLOSE, Action.RATE, Action.REOPEN)
)
