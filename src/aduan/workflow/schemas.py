"""Bodies of the workflow actions in the JSON API, and the staff inbox's query.

One schema per action, so that the OpenAPI document shows each action's own fields.
They check types and refuse unknown fields (422); the rules (lengths, which agency, the
extension's range) stay in ``workflow.services``, so every channel gives the same
translated messages.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

from aduan.api.types import IsoDate, JsonBool, JsonId, JsonInt
from aduan.core.text import text_rule
from aduan.reports.models import BODY_MAX, TITLE_MAX, TITLE_MIN, Status

from .selectors import InboxFilters
from .services import NOTE_MAX, NOTE_MIN, RESPONSE_MIN


class ActionIn(Schema):
    """Unknown fields are an error rather than ignored: a misspelt ``confidental`` must
    not silently leave a report public."""

    model_config = ConfigDict(extra="forbid")


class DisposeIn(ActionIn):
    agency_id: JsonId = Field(description="The agency that receives the report")
    note: str = Field("", description="For the agency and the reporter")
    title: str | None = Field(
        None,
        description="A corrected title (10-150 characters)",
        **text_rule(TITLE_MIN, TITLE_MAX, blank=True),
    )
    category_id: JsonId | None = Field(None, description="A corrected category")
    anonymous: JsonBool | None = Field(None, description="Hide the reporter's identity")
    confidential: JsonBool | None = Field(None, description="Hide the report from the public")


class RedactIn(ActionIn):
    """The whole public version each time: a blank field shows the original (masked)."""

    public_title: str = Field(
        "",
        description="The title the public reads (10-150 characters)",
        **text_rule(TITLE_MIN, TITLE_MAX, blank=True),
    )
    public_body: str = Field(
        "", description="The text the public reads (at most 4000)", max_length=BODY_MAX
    )


class SetProgrammesIn(ActionIn):
    """The whole list each time: a programme left out is untagged."""

    programme_ids: list[JsonId] = Field(
        description="Every national priority programme the report concerns ([]: none)",
        max_length=20,
    )


class HoldIn(ActionIn):
    question: str = Field(
        description="What the reporter must add (at least 10 characters)",
        **text_rule(10, NOTE_MAX),
    )


class ArchiveIn(ActionIn):
    reason: str = Field(
        description="Why the report is not processed (at least 10 characters)",
        **text_rule(10, NOTE_MAX),
    )


class MergeIn(ActionIn):
    into: str = Field(max_length=32, description="Tracking id of the report this duplicates")
    note: str = ""


class SetFlagsIn(ActionIn):
    """At least one of the two flags."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [flag], "properties": {flag: {"type": "boolean"}}}
                for flag in ("anonymous", "confidential")
            ]
        },
    )

    anonymous: JsonBool | None = None
    confidential: JsonBool | None = Field(None, validate_default=True)

    @field_validator("confidential")
    @classmethod
    def _one_flag(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value is None and info.data.get("anonymous") is None:
            raise ValueError(_("Set anonymous, confidential or both."))
        return value


class NoFieldsIn(ActionIn):
    """No fields; an empty object ``{}``."""


class AcceptIn(NoFieldsIn):
    pass


class CloseIn(NoFieldsIn):
    pass


class ReturnIn(ActionIn):
    reason: str = Field(
        description="Why this is not the agency's authority (10+ characters)",
        **text_rule(10, NOTE_MAX),
    )


class ForwardIn(ActionIn):
    agency_id: JsonId = Field(
        description="One of the agency's own units; another agency sends the report back "
        "to the national admin with that agency as the suggestion"
    )
    note: str = ""


class ExtendIn(ActionIn):
    working_days: JsonInt = Field(description="Working days added to the response deadline")
    reason: str = Field(
        description="Why more time is needed (10+ characters)",
        **text_rule(10, NOTE_MAX),
    )


class RespondIn(ActionIn):
    body: str = Field(
        description="The agency's follow-up (at least 20 characters)",
        **text_rule(RESPONSE_MIN, NOTE_MAX),
    )


class CommentIn(ActionIn):
    body: str = Field(**text_rule(2, NOTE_MAX))
    internal: JsonBool = Field(False, description="Staff only: a note the reporter never sees")


class AnswerIn(ActionIn):
    body: str = Field(
        description="The reporter's answer (at least 5 characters)",
        **text_rule(NOTE_MIN, NOTE_MAX),
    )


class ReopenIn(ActionIn):
    reason: str = Field(
        description="Why the response did not settle it (10+ characters)",
        **text_rule(10, NOTE_MAX),
    )


class RateIn(ActionIn):
    score: JsonInt = Field(ge=1, le=5)
    comment: str = Field("", description="At most 1000 characters", max_length=1000)


class InboxQuery(Schema):
    queue: bool = Field(
        False,
        description="The national admin's verification queue (submitted and returned "
        "reports) instead of the agency inbox",
    )
    status: Status | None = Field(
        None, description="Default: the working statuses (every status with an as-of filter)"
    )
    unit: int | None = Field(None, description="One of the caller's units (with those below it)")
    agency: int | None = Field(
        None, description="Any agency with its units (for the national admin); as ``unit``"
    )
    overdue: bool | None = None
    category: int | None = Field(None, description="Category id")
    region: str | None = Field(None, max_length=13, description="Region code and everything in it")
    created_from: IsoDate | None = Field(None, description="Submitted on or after (YYYY-MM-DD)")
    created_to: IsoDate | None = Field(None, description="Submitted on or before (YYYY-MM-DD)")
    q: str | None = Field(None, max_length=200, description="Words in the title or text, or an id")
    programme: int | None = Field(
        None, description="Priority programme id: the reports tagged with it"
    )
    open_at: IsoDate | None = Field(
        None,
        description="Open at the end of this day (YYYY-MM-DD, Asia/Jakarta), read from the "
        "timeline: submitted by then and not closed or archived by its last change of status "
        "by then, whatever the status now (``status`` narrows to one status now). The "
        "dashboards' 'open at the end of the period'",
    )
    overdue_at: IsoDate | None = Field(
        None,
        description="Overdue at the end of this day (YYYY-MM-DD, Asia/Jakarta): a deadline "
        "missed by then and neither a change of status nor an extension since, by then; "
        "whatever the status now. The dashboards' 'overdue at the end of the period'",
    )
    closed_from: IsoDate | None = Field(
        None,
        description="Closed (by hand or automatically) on or after this day (YYYY-MM-DD, "
        "Asia/Jakarta), read from the timeline, whatever the status now; with "
        "``closed_to``, the reports behind the dashboards' 'closed' figure. A report "
        "closed twice in the range is listed once (the figure counts each closing)",
    )
    closed_to: IsoDate | None = Field(
        None, description="Closed on or before this day (YYYY-MM-DD, Asia/Jakarta); as above"
    )
    returned_from: IsoDate | None = Field(
        None,
        description="Moved to 'returned' (returned as not the agency's authority, or "
        "forwarded to another agency) on or after this day (YYYY-MM-DD, Asia/Jakarta), "
        "whatever the status now; with ``returned_to``, the reports behind the dashboards' "
        "'returned' figure. A report returned twice in the range is listed once (the "
        "figure counts each return)",
    )
    returned_to: IsoDate | None = Field(
        None,
        description="Moved to 'returned' on or before this day (YYYY-MM-DD, Asia/Jakarta); "
        "as above",
    )

    @field_validator("created_to", "closed_to", "returned_to")
    @classmethod
    def _dates_in_order(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get(info.field_name.removesuffix("_to") + "_from")
        if value and start and start > value:
            raise ValueError(_("The end date must not be before the start date."))
        return value

    def inbox_filters(self) -> InboxFilters:
        """The selectors' filters (the inbox and its export read the same)."""
        return InboxFilters(
            status=self.status,
            agency_id=self.unit or self.agency,
            overdue=self.overdue,
            category_id=self.category,
            region_code=(self.region or "").strip() or None,
            created_from=self.created_from,
            created_to=self.created_to,
            q=(self.q or "").strip() or None,
            programme_id=self.programme,
            open_at=self.open_at,
            overdue_at=self.overdue_at,
            closed_from=self.closed_from,
            closed_to=self.closed_to,
            returned_from=self.returned_from,
            returned_to=self.returned_to,
        )
