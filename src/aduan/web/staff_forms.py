"""Forms of the staff work lists: their filters (GET) and the inbox's bulk assignment."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.core.memo import directory_lookup
from aduan.programmes.selectors import programmes_listed
from aduan.reports.models import Status
from aduan.workflow.selectors import (
    ANY_STATUS,
    INBOX_STATUSES,
    QUEUE_STATUSES,
    InboxFilters,
    units_for_user,
)

from .forms import agencies_matching, agency_or_none, category_choices, region_picker
from .widgets import FastSelect


def _programmes() -> list:
    # Remembered per process until a programme changes (aduan.core.memo).
    return directory_lookup(("programme-list",), lambda: list(programmes_listed()))


def _units(user: User) -> list:
    """``units_for_user``, remembered per process until an agency changes (display only:
    the lists are scoped by ``workflow.selectors``, whatever the filter offers)."""
    agency_id = user.agency_id if user.is_authenticated else None
    if not agency_id:
        return list(units_for_user(user=user))
    return directory_lookup(
        ("units-for", user.role, agency_id), lambda: list(units_for_user(user=user))
    )


OVERDUE_CHOICES = [("", _("Any")), ("yes", _("Overdue only")), ("no", _("Not overdue"))]
BULK_MAX = 100


class WorkListFilterForm(forms.Form):
    """The filters of the national queue and the agency inbox. An invalid value is
    dropped (treated as no filter), never an error page."""

    q = forms.CharField(label=_("Words or tracking number"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    unit = forms.TypedChoiceField(
        label=_("Unit"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    overdue = forms.ChoiceField(
        label=_("Deadline"), required=False, choices=OVERDUE_CHOICES, widget=FastSelect
    )
    # The queue only: what needs a human first (``triage.priority``) above the deadlines.
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        widget=FastSelect,
        choices=[("", _("Oldest deadline first")), ("flagged", _("Flagged for priority first"))],
    )
    category = forms.TypedChoiceField(
        label=_("Topic"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    programme = forms.TypedChoiceField(
        label=_("Priority programme"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=FastSelect,
    )
    province = forms.ChoiceField(label=_("Province"), required=False, widget=FastSelect)
    regency = forms.ChoiceField(label=_("Regency or city"), required=False, widget=FastSelect)
    district = forms.ChoiceField(label=_("District"), required=False, widget=FastSelect)
    created_from = forms.DateField(
        label=_("Submitted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=_("Submitted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agency_q = forms.CharField(
        label=_("Search for an agency"), required=False, max_length=100, widget=forms.SearchInput
    )
    agency = forms.IntegerField(required=False, min_value=1)
    # Set by a dashboard's drill-down, kept through the other filters (hidden inputs),
    # dropped by the caption's link.
    open_at = forms.DateField(required=False, widget=forms.HiddenInput)
    overdue_at = forms.DateField(required=False, widget=forms.HiddenInput)
    closed_from = forms.DateField(required=False, widget=forms.HiddenInput)
    closed_to = forms.DateField(required=False, widget=forms.HiddenInput)
    returned_from = forms.DateField(required=False, widget=forms.HiddenInput)
    returned_to = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, user: User, queue: bool = False) -> None:
        super().__init__(data)
        self.queue = queue
        statuses = QUEUE_STATUSES if queue else INBOX_STATUSES
        if not queue:
            del self.fields["order"]
        default = _("Awaiting verification and returned") if queue else _("All open in the agency")
        self.fields["status"].choices = (
            [("", default)]
            + [(s.value, s.label) for s in Status if s in statuses]
            + [(s.value, s.label) for s in Status if s not in statuses]
            + [(ANY_STATUS, _("Every status"))]
        )
        self.units = _units(user)
        if self.units:
            self.fields["unit"].choices = [("", _("All units"))] + [
                (u.pk, u.name) for u in self.units
            ]
        else:
            del self.fields["unit"]
        # The national admin and oversight narrow by agency with the public picker instead.
        self.with_agency_picker = not self.units
        if not self.with_agency_picker:
            del self.fields["agency_q"], self.fields["agency"]
        self.fields["category"].choices = category_choices(_("All"))
        programmes = [(p.pk, p.name) for p in _programmes()]
        if programmes:
            self.fields["programme"].choices = [("", _("All programmes")), *programmes]
        else:
            del self.fields["programme"]
        self.picker = region_picker(data)
        any_ = [("", _("All"))]
        for name, regions in (
            ("province", self.picker.provinces),
            ("regency", self.picker.regencies),
            ("district", self.picker.districts),
        ):
            self.fields[name].choices = any_ + [(r.code, r.display_name) for r in regions]
        self.agency_query = str(data.get("agency_q") or "").strip()[:100]
        self.selected_agency = (
            agency_or_none(data.get("agency")) if self.with_agency_picker else None
        )
        self.agency_suggestions = (
            agencies_matching(self.agency_query)
            if self.with_agency_picker and self.selected_agency is None
            else []
        )

    # Typed by the reader (or a dashboard's drill-down): the bar is rendered each time.
    TYPED = (
        "q",
        "agency_q",
        "created_from",
        "created_to",
        "open_at",
        "overdue_at",
        "closed_from",
        "closed_to",
        "returned_from",
        "returned_to",
    )

    def memo_key(self) -> tuple | None:
        """What the rendered filter bar depends on beyond the language and the directory
        (``FeedFilterForm.memo_key``): the list, the units offered and the chosen values,
        each one of the choices. ``None`` with typed text, a date or a value not offered."""
        if not self.is_valid() or any(self.data.get(name) for name in self.TYPED):
            return None
        if self.with_agency_picker and self.data.get("agency") and self.selected_agency is None:
            return None
        units = tuple(unit.pk for unit in self.units)
        values = ((name, str(self.data.get(name, ""))) for name in self.fields)
        return (self.queue, units, *values)

    def filters(self) -> InboxFilters:
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
        agency_id = data.get("unit") or (self.selected_agency.pk if self.selected_agency else None)
        return InboxFilters(
            status=data.get("status") or None,
            agency_id=agency_id,
            overdue=overdue,
            category_id=data.get("category") or None,
            region_code=self.picker.code or None,
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            q=(data.get("q") or "").strip() or None,
            programme_id=data.get("programme") or None,
            open_at=data.get("open_at"),
            overdue_at=data.get("overdue_at"),
            closed_from=data.get("closed_from"),
            closed_to=data.get("closed_to"),
            returned_from=data.get("returned_from"),
            returned_to=data.get("returned_to"),
        )

    @property
    def flagged_first(self) -> bool:
        self.is_valid()
        return "order" not in self.errors and self.cleaned_data.get("order") == "flagged"

    @property
    def as_of(self) -> list[str]:
        """What the as-of filters show, one caption each ("Open at the end of 31 Oct 2026")."""
        filters = self.filters()
        captions = []
        for day, text in (
            (filters.open_at, _("Open at the end of %(day)s")),
            (filters.overdue_at, _("Overdue at the end of %(day)s")),
        ):
            if day:
                captions.append(text % {"day": formats.date_format(day, "j M Y")})
        return captions

    @property
    def without_as_of(self) -> str:
        """The query with the as-of filters (and the page) dropped: the current state."""
        return self._without("open_at", "overdue_at")

    @property
    def events(self) -> list[str]:
        """What the event filters show, one caption each ("Closed between 1 Oct and
        31 Oct 2026")."""
        filters = self.filters()
        captions = []
        for start, end, texts in (
            (
                filters.closed_from,
                filters.closed_to,
                (
                    _("Closed between %(start)s and %(end)s"),
                    _("Closed on or after %(day)s"),
                    _("Closed on or before %(day)s"),
                ),
            ),
            (
                filters.returned_from,
                filters.returned_to,
                (
                    _("Returned between %(start)s and %(end)s"),
                    _("Returned on or after %(day)s"),
                    _("Returned on or before %(day)s"),
                ),
            ),
        ):
            between, since, until = texts
            if start and end:
                first = "j M" if start.year == end.year else "j M Y"
                captions.append(
                    between
                    % {
                        "start": formats.date_format(start, first),
                        "end": formats.date_format(end, "j M Y"),
                    }
                )
            elif start or end:
                text = since if start else until
                captions.append(text % {"day": formats.date_format(start or end, "j M Y")})
        return captions

    @property
    def without_events(self) -> str:
        """The query with the event filters (and the page) dropped."""
        return self._without("closed_from", "closed_to", "returned_from", "returned_to")

    def _without(self, *keys: str) -> str:
        params = self.data.copy()
        for key in (*keys, "page"):
            params.pop(key, None)
        return params.urlencode()

    @property
    def is_filtered(self) -> bool:
        return any(v for k, v in self.data.items() if k != "page")


class BulkAssignForm(forms.Form):
    """Checked rows of the inbox and the unit they go to."""

    reports = forms.MultipleChoiceField(
        label=_("Reports"),
        error_messages={"required": _("Tick at least one report.")},
    )
    unit = forms.TypedChoiceField(
        label=_("Assign the ticked reports to"),
        coerce=int,
        widget=FastSelect,
        error_messages={"required": _("Choose the unit.")},
    )

    def __init__(self, *args, user: User, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = units_for_user(user=user) if units is None else units
        self.fields["unit"].choices = [("", _("— choose a unit —"))] + [
            (u.pk, u.name) for u in units
        ]
        # Any tracking ids are accepted here; the services decide, report by report.
        tracking_ids = self.data.getlist("reports") if self.is_bound else []
        self.fields["reports"].choices = [(t, t) for t in tracking_ids[:BULK_MAX]]

    def clean_reports(self):
        reports = self.cleaned_data["reports"]
        if len(self.data.getlist("reports")) > BULK_MAX:
            raise forms.ValidationError(
                _("At most %(n)d reports at once.") % {"n": BULK_MAX}, code="too_many"
            )
        return reports
