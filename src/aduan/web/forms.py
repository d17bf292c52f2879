"""Forms of the public site. They check shapes and types only: the rules of a report live
in ``workflow.services.report_validate``, whose errors are mapped back onto these fields."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency
from aduan.agencies.selectors import agency_get, agency_search
from aduan.categories.selectors import category_list
from aduan.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from aduan.core.forms import form_add_errors
from aduan.core.memo import directory_lookup
from aduan.regions.models import Region
from aduan.regions.selectors import region_children
from aduan.reports.attachments import DecodeBudget, PreparedFile, prepare_uploaded_file
from aduan.reports.models import BODY_MAX, TITLE_MAX, Classification, Status
from aduan.reports.selectors import FeedSort
from aduan.workflow.services import report_validate

from .widgets import FastSelect

ACCEPTED_FILE_TYPES = "image/jpeg,image/png,application/pdf,video/mp4,.jpg,.jpeg,.png,.pdf,.mp4"
AGENCY_SUGGESTION_LIMIT = 12


def agencies_matching(query: str) -> list[Agency]:
    """Agencies that take reports and match every word of ``query`` (none for a blank one)."""
    return agency_search(q=query, limit=AGENCY_SUGGESTION_LIMIT) if query.strip() else []


def agency_or_none(raw) -> Agency | None:
    """The active agency whose id is ``raw`` (outside input), or None."""
    try:
        agency_id = int(raw or 0)
    except (TypeError, ValueError):
        return None
    if agency_id <= 0:
        return None
    try:
        return directory_lookup(("agency", agency_id), lambda: agency_get(agency_id))
    except NotFound:
        return None


def prepare_files(uploads) -> tuple[list[PreparedFile], list[str]]:
    """Check and clean every upload (``reports.attachments``): the good ones and every
    problem, all collected so that the user learns of them at once. Each problem names
    its file already."""
    prepared, problems, budget = [], [], DecodeBudget()
    for upload in uploads:
        try:
            prepared.append(prepare_uploaded_file(upload, budget))
        except (ValidationFailed, PayloadTooLarge) as exc:
            problems.extend([m for ms in exc.field_errors.values() for m in ms] or [exc.message])
    return prepared, problems


def category_choices(empty_label) -> list[tuple]:
    """Topics in display order, sub-topics marked under their topic."""
    return [("", empty_label)] + [
        (c.pk, f"— {c.name}" if c.parent_id else c.name) for c in _categories()
    ]


def _categories() -> list:
    # Remembered per process until a category changes (aduan.core.memo).
    return directory_lookup(("category-list",), lambda: list(category_list()))


def _region_children(parent_code: str | None) -> list[Region]:
    # Remembered per process until a region changes (aduan.core.memo).
    return directory_lookup(
        ("region-children", parent_code), lambda: list(region_children(parent_code))
    )


# --- Region picker: province → regency → district ----------------------------------------


@dataclass
class RegionPicker:
    """The three cascading selects, with the options each one offers for the current choice."""

    province: str = ""
    regency: str = ""
    district: str = ""
    provinces: list[Region] = field(default_factory=list)
    regencies: list[Region] = field(default_factory=list)
    districts: list[Region] = field(default_factory=list)

    @property
    def code(self) -> str:
        """The most precise region chosen (empty when none)."""
        return self.district or self.regency or self.province


def region_picker(data) -> RegionPicker:
    """Read ``province``/``regency``/``district`` (or a single ``region`` code) from ``data``,
    keep only choices that nest in one another, and load the options of each level."""
    province = (data.get("province") or "").strip()
    regency = (data.get("regency") or "").strip()
    district = (data.get("district") or "").strip()
    if not province and (region := (data.get("region") or "").strip()):
        parts = region.split(".")
        province = parts[0]
        regency = ".".join(parts[:2]) if len(parts) >= 2 else ""
        district = ".".join(parts[:3]) if len(parts) >= 3 else ""
    picker = RegionPicker(provinces=_region_children(None))
    if province not in {r.code for r in picker.provinces}:
        return picker
    picker.province = province
    picker.regencies = _region_children(province)
    if regency not in {r.code for r in picker.regencies}:
        return picker
    picker.regency = regency
    picker.districts = _region_children(regency)
    if district in {r.code for r in picker.districts}:
        picker.district = district
    return picker


# --- Attachments ---------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput
    already_kept = 0  # files kept from an earlier attempt count towards the limit

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        max_count = settings.ADUAN_ATTACHMENT_MAX_COUNT
        if len(files) + self.already_kept > max_count:
            raise ValidationError(
                _("You can attach at most %(n)d files.") % {"n": max_count}, code="max_count"
            )
        limit = settings.ADUAN_ATTACHMENT_MAX_BYTES
        for upload in files:
            if upload.size > limit:
                raise ValidationError(
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": upload.name, "mb": limit // (1024 * 1024)},
                    code="too_large",
                )
        return list(files)


# --- The report form -------------------------------------------------------------------------

# Where each error key of the service belongs on the form.
SERVICE_FIELD_MAP = {
    "region_code": "province",
    "region": "province",
    "agency": "agency_id",
    "category": "category_id",
    "file": "files",
}


# The report form's hidden retry key (issue 14): a resend of the same form, or an offline
# draft sent twice, is answered with the first report (``workflow.idempotency``).
IDEMPOTENCY_FIELD = "idempotency_key"
# Set by offline.js on a report kept on the phone: the account that wrote it.
DRAFT_ACCOUNT_FIELD = "draft_account"
DRAFT_OF_ANOTHER = _(
    "This report was written on this phone by another account. It will be sent when that "
    "account signs in."
)
KEY_REUSED = _(
    "This form was already sent with other content. Check it and send it again to make "
    "a new report."
)


def new_submission_key() -> str:
    return uuid.uuid4().hex


class ReportForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("What kind of report is it?"),
        choices=Classification.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A complaint is about a public service that went wrong; an aspiration is a "
            "suggestion or a wish; an information request asks an agency for public information."
        ),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A short summary, 10 to 150 characters."),
    )
    body = forms.CharField(
        label=_("What happened?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Describe what happened, where and when, in 30 to 4,000 characters. "
            "Do not write your own phone number or ID number here."
        ),
    )
    incident_date = forms.DateField(
        label=_("Date of the incident (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty if you do not know. It cannot be in the future."),
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    regency = forms.ChoiceField(label=_("Regency or city"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    agency_q = forms.CharField(
        label=_("Search for an agency"),
        required=False,
        max_length=100,
        widget=forms.SearchInput,
        help_text=_("Type part of its name, e.g. “Dinas Pendidikan” or “PLN”."),
    )
    agency_id = forms.IntegerField(label=_("Agency"), required=False, min_value=1)
    category_id = forms.TypedChoiceField(
        label=_("Topic (optional)"), required=False, coerce=int, empty_value=None
    )
    anonymous = forms.BooleanField(
        label=_("Hide my identity (anonymous)"),
        required=False,
        help_text=_(
            "The agency handling your report and the public will not see your name. "
            "Only you and the national LAPOR! administrator can see who sent it."
        ),
    )
    confidential = forms.BooleanField(
        label=_("Keep this report private (confidential)"),
        required=False,
        help_text=_(
            "The report will not appear on the public list of reports. "
            "Only you and the officials who handle it can read it."
        ),
    )
    files = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_FILE_TYPES}),
        help_text=_(
            "Up to 5 files, at most 10 MB each: JPEG or PNG photos, PDF documents, MP4 "
            "videos. Location and camera data (EXIF) is removed from photos before they "
            "are stored."
        ),
    )

    def __init__(self, *args, kept_count: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.files_were_sent = bool(self.files)
        self.fields["files"].already_kept = kept_count
        # site.js checks size, type and count in the browser, before anything is sent.
        self.fields["files"].widget.attrs.update(
            {
                "data-max-bytes": settings.ADUAN_ATTACHMENT_MAX_BYTES,
                "data-max-count": settings.ADUAN_ATTACHMENT_MAX_COUNT - kept_count,
            }
        )
        self.picker = region_picker(source)
        empty = [("", _("— choose —"))]
        self.fields["province"].choices = empty + [
            (r.code, r.display_name) for r in self.picker.provinces
        ]
        self.fields["regency"].choices = empty + [
            (r.code, r.display_name) for r in self.picker.regencies
        ]
        self.fields["district"].choices = empty + [
            (r.code, r.display_name) for r in self.picker.districts
        ]
        self.fields["category_id"].choices = category_choices(_("— I am not sure —"))
        self.agency_query = str(source.get("agency_q") or "").strip()[:100]
        self.agency_suggestions = agencies_matching(self.agency_query)
        self.selected_agency = agency_or_none(source.get("agency_id"))

    def add_service_errors(
        self, field_errors: dict[str, list[str]], *, only_clean_fields: bool = False
    ) -> None:
        """Put the service's errors next to the fields they are about (``core.forms``)."""
        form_add_errors(
            self, field_errors, field_map=SERVICE_FIELD_MAP, only_clean_fields=only_clean_fields
        )

    def add_rule_errors(self) -> None:
        """After the form's own checks failed, run the report's rules on what is usable, so
        that the reporter learns about every problem at once rather than one round at a time."""
        data = getattr(self, "cleaned_data", {})
        try:
            report_validate(
                classification=data.get("classification") or "",
                title=data.get("title") or "",
                body=data.get("body") or "",
                incident_date=data.get("incident_date"),
                region_code=self.picker.code or None,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                agency_id=data.get("agency_id"),
                category_id=data.get("category_id"),
            )
        except ValidationFailed as exc:
            self.add_service_errors(exc.field_errors, only_clean_fields=True)

    def submission_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "classification": data["classification"],
            "title": data["title"],
            "body": data["body"],
            "incident_date": data["incident_date"],
            "region_code": self.picker.code or None,
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "agency_id": data["agency_id"],
            "category_id": data["category_id"],
            "anonymous": data["anonymous"],
            "confidential": data["confidential"],
        }


# --- Filters of the public feed and of "My reports" -----------------------------------------


class FeedFilterForm(forms.Form):
    """GET parameters of the feed. Unknown values are dropped, never an error page."""

    q = forms.CharField(label=_("Words"), required=False, max_length=200, widget=forms.SearchInput)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    classification = forms.ChoiceField(label=_("Kind"), required=False, widget=FastSelect)
    category = forms.TypedChoiceField(
        label=_("Topic"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    agency = forms.IntegerField(required=False, min_value=1)
    agency_q = forms.CharField(
        label=_("Search for an agency"), required=False, max_length=100, widget=forms.SearchInput
    )
    province = forms.ChoiceField(label=_("Province"), required=False, widget=FastSelect)
    regency = forms.ChoiceField(label=_("Regency or city"), required=False, widget=FastSelect)
    district = forms.ChoiceField(label=_("District"), required=False, widget=FastSelect)
    sort = forms.ChoiceField(
        label=_("Order"), required=False, choices=FeedSort.choices, widget=FastSelect
    )

    def __init__(self, data: QueryDict, *, public: bool = True) -> None:
        # The order shown is the order used: best match with words, newest without.
        searched = bool(str(data.get("q") or "").strip())
        if not data.get("sort"):
            data = data.copy()
            data["sort"] = FeedSort.BEST_MATCH if searched else FeedSort.NEWEST
        super().__init__(data)
        self.public = public
        if not searched:
            self.fields["sort"].choices = [
                choice for choice in FeedSort.choices if choice[0] != FeedSort.BEST_MATCH
            ]
        any_ = [("", _("All"))]
        statuses = [(s.value, s.label) for s in Status if not (public and s == Status.ARCHIVED)]
        self.fields["status"].choices = any_ + statuses
        self.fields["classification"].choices = any_ + list(Classification.choices)
        self.fields["category"].choices = category_choices(_("All"))
        self.picker = region_picker(data)
        for name, regions in (
            ("province", self.picker.provinces),
            ("regency", self.picker.regencies),
            ("district", self.picker.districts),
        ):
            self.fields[name].choices = any_ + [(r.code, r.display_name) for r in regions]
        self.agency_query = str(data.get("agency_q") or "").strip()[:100]
        self.selected_agency = agency_or_none(data.get("agency"))
        self.agency_suggestions = (
            agencies_matching(self.agency_query) if self.selected_agency is None else []
        )

    def values(self) -> dict:
        """The valid filters; an invalid value is treated as no filter."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or None,
            "classification": data.get("classification") or None,
            "category_id": data.get("category") or None,
            "agency_id": self.selected_agency.pk if self.selected_agency else None,
            "region_code": self.picker.code or None,
            "sort": data.get("sort") or FeedSort.NEWEST,
        }

    def memo_key(self) -> tuple | None:
        """What the rendered filter bar depends on beyond the language and the directory it
        offers (topics, regions, agencies): its chosen values, each one of the choices.
        ``None`` (render it each time) with typed text or a value not offered."""
        if not self.is_valid() or self.words() or self.agency_query:
            return None
        if self.data.get("agency") and self.selected_agency is None:
            return None
        return (self.public, *((name, str(self.data.get(name, ""))) for name in self.fields))

    def words(self) -> str:
        """The words searched for ('' for none)."""
        self.is_valid()
        return (getattr(self, "cleaned_data", {}).get("q") or "").strip()
