"""Shapes of reports in the JSON API (input and output), for validation and OpenAPI.

Input schemas check types only; the rules (lengths, dates, Indonesia's bounding box,
known region/agency/category) are ``report_validate``'s, so every channel gives the same
translated messages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import model_serializer

from aduan.api.types import IsoDate, JsonBool, JsonId
from aduan.core.text import text_rule

from .models import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN, Classification, Status
from .selectors import FeedSort


class ReportIn(Schema):
    # A plain string so that a wrong value is reported by report_validate together with
    # every other problem (one round trip to fix a form); the enum is still documented.
    classification: str = Field(
        max_length=32, json_schema_extra={"enum": list(Classification.values)}
    )
    title: str = Field(description="10-150 characters", **text_rule(TITLE_MIN, TITLE_MAX))
    body: str = Field(description="30-4000 characters", **text_rule(BODY_MIN, BODY_MAX))
    incident_date: IsoDate | None = Field(None, description="YYYY-MM-DD, not in the future")
    region_code: str | None = Field(None, max_length=13, description="Kemendagri code, e.g. 32.73")
    latitude: Decimal | None = Field(None, description="Inside Indonesia; with longitude")
    longitude: Decimal | None = Field(None, description="Inside Indonesia; with latitude")
    agency_id: JsonId | None = Field(None, description="An agency that receives reports")
    category_id: JsonId | None = None
    anonymous: JsonBool = Field(False, description="Hide who you are from the agency and public")
    confidential: JsonBool = Field(False, description="Hide the report from the public")


class FeedQuery(Schema):
    status: Status | None = None
    agency: int | None = Field(None, description="Handling agency id, its units included")
    region: str | None = Field(
        None, max_length=13, description="Region code: this region and everything in it"
    )
    category: int | None = Field(None, description="Category id")
    classification: Classification | None = None
    q: str | None = Field(None, max_length=200, description="Words in the title or text")
    mine: bool = Field(False, description="Only the caller's own reports (needs a token)")
    sort: FeedSort | None = Field(
        None,
        description="best_match (the default with q: the best matches among the newest), "
        "newest first (the default without q), most supported first, or "
        "oldest_unanswered: reports still waiting for the agency's response, the oldest "
        "first",
    )


class AgencyRef(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    id: int
    code: str
    name: str


class ProgrammeRef(Schema):
    id: int
    code: str
    name: str


class RegionRef(Schema):
    code: str
    name: str


class ReporterNameOut(Schema):
    name: str


class ReporterFullOut(Schema):
    """Only the reporter themselves and the national admin see contact details."""

    name: str
    email: str | None
    phone: str


class EventActorOut(Schema):
    role: str = Field(description="citizen, national_admin, agency_admin, ... or system")
    role_label: str
    agency: AgencyRef | None


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str | None
    to_status: str | None
    note: str = Field(description="What of the event's note the caller may read ('' if none)")
    note_internal: bool = Field(
        description="The note is between the desks handling the report (never the reporter's)"
    )
    target_agency: AgencyRef | None = Field(
        description="The agency this event gave the report to (disposition, forward to a unit)"
    )
    created_at: dt.datetime
    actor: EventActorOut


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: dt.datetime
    url: str
    state: str = Field(
        description="ready; or pending: an image being stripped of its metadata, listed only "
        "in the answer to its own upload, its url answering 404 until it is ready"
    )


class DeadlinesOut(Schema):
    """The report's deadlines, in the time zone of whoever must act (WIB for the national
    admin's verification, the agency's WIB/WITA/WIT for the others), e.g.
    ``2026-12-09T23:59:59+07:00``. A kind is present only once its clock has started
    (and stays, met or not, until a new clock of that kind replaces it); never null."""

    verification_due: dt.datetime | None = Field(None, description="The national admin's")
    response_due: dt.datetime | None = Field(None, description="The agency's first response")
    completion_due: dt.datetime | None = Field(None, description="The agency's completion")
    autoclose_at: dt.datetime | None = Field(
        None, description="When a responded report closes unless the reporter answers"
    )

    @model_serializer(mode="wrap")
    def _applying_only(self, handler):
        return {key: value for key, value in handler(self).items() if value is not None}


class CurrentDeadlineOut(Schema):
    kind: str = Field(
        json_schema_extra={"enum": ["verification", "response", "completion", "autoclose"]}
    )
    kind_label: str
    due_at: dt.datetime = Field(description="In the time zone of whoever must act")
    overdue: bool = Field(
        description="Past due and someone must act (the reporter's silence before the "
        "automatic closing is never overdue)"
    )


class ReportOut(Schema):
    tracking_id: str
    classification: str
    classification_label: str
    title: str
    body: str
    status: str
    status_label: str
    incident_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    agency: AgencyRef | None = Field(
        description="The agency handling it, once the desk disposed it"
    )
    requested_agency: AgencyRef | None = Field(
        description="The agency the reporter asked for: a suggestion to the national desk"
    )
    category: CategoryRef | None
    programmes: list[ProgrammeRef] = Field(
        description="The national priority programmes it is tagged with (the KSP oversees them)"
    )
    region: RegionRef | None
    latitude: float | None
    longitude: float | None
    anonymous: bool
    confidential: bool
    channel: str
    reporter: ReporterFullOut | ReporterNameOut | None = Field(
        union_mode="left_to_right",
        description="null when the caller may not know who reported; e-mail and phone "
        "only for the reporter and the national admin",
    )
    events: list[EventOut]
    attachments: list[AttachmentOut]
    deadlines: DeadlinesOut
    current_deadline: CurrentDeadlineOut | None = Field(
        description="The open deadline that falls first; null when no clock runs"
    )
    is_overdue: bool = Field(description="An open deadline of the agency or admin has passed")
    actions: list[str] = Field(
        description="What the caller may do now, each a POST "
        "/api/v1/reports/{tracking_id}/actions/{action}"
    )
    support_count: int = Field(description="How many citizens support the report")
    supported_by_me: bool = Field(description="Whether the caller supports it")
