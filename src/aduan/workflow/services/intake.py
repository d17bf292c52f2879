"""Intake: a new report, and the reporter's files added to it. Every channel turns its
input into one call, ``report_submit``; ``report_validate`` checks the same fields first
for a form that wants to show every problem before anything is stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TypedDict, Unpack
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.agencies.models import NON_RECEIVING_KINDS, Agency
from aduan.categories.models import Category
from aduan.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aduan.core.memo import directory_lookup
from aduan.core.text import as_pk, storable
from aduan.core.tracking import new_tracking_id
from aduan.regions.models import Region
from aduan.reports.attachments import (
    PreparedFile,
    attachment_store,
    attachment_stored_names,
    attachments_discard,
)
from aduan.reports.audit import events_append
from aduan.reports.models import (
    BODY_MAX,
    BODY_MIN,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    TITLE_MAX,
    TITLE_MIN,
    Attachment,
    AttachmentState,
    Channel,
    Classification,
    EventAction,
    Report,
    ReportEvent,
    Status,
)
from aduan.sla import services as sla
from aduan.sla.models import Deadline, DeadlineKind

from .. import listeners


class _RequiredReportFields(TypedDict):
    classification: str
    title: str
    body: str


class ReportFields(_RequiredReportFields, total=False):
    """What a reporter says about a report: the keywords of ``report_validate`` and of
    ``report_submit`` (declared once, so that a new field is added in one place)."""

    incident_date: dt.date | str | None
    region_code: str | None
    latitude: Decimal | float | str | None
    longitude: Decimal | float | str | None
    agency_id: int | str | None
    category_id: int | str | None


def _fields_check(fields: dict) -> None:
    """A keyword that is not a report field, or a missing required one, is the caller's
    mistake: ``TypeError``, as an explicit signature would raise."""
    unknown = sorted(set(fields) - set(ReportFields.__annotations__))
    if unknown:
        raise TypeError(f"unexpected report field(s): {', '.join(unknown)}")
    missing = sorted(ReportFields.__required_keys__ - set(fields))
    if missing:
        raise TypeError(f"missing report field(s): {', '.join(missing)}")


logger = logging.getLogger(__name__)

# The easternmost zone: a date that is already "today" in Jayapura is not in the future.
_EASTERNMOST = ZoneInfo("Asia/Jayapura")


def _clean_text(value: str | None) -> str:
    # Control characters never belong in a report (aduan.core.text); tabs and line
    # breaks are whitespace.
    return " ".join(storable(value).split())


def _clean_body(value: str | None) -> str:
    # Keep the reporter's line breaks, drop trailing spaces and runs of blank lines.
    text = storable(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(_EASTERNMOST)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_coordinate(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            return None
        return number.quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return None


def report_validate(**fields: Unpack[ReportFields]) -> dict:
    """Check what a reporter sent; return the cleaned values or raise ``ValidationFailed``
    with every problem at once, keyed by field name."""
    _fields_check(fields)
    classification, title, body = fields["classification"], fields["title"], fields["body"]
    incident_date, region_code = fields.get("incident_date"), fields.get("region_code")
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    agency_id, category_id = fields.get("agency_id"), fields.get("category_id")
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(classification, str) or classification not in Classification.values:
        fail("classification", _("Choose complaint, aspiration or information request."))
    cleaned["classification"] = classification

    title = _clean_text(title)
    if len(title) < TITLE_MIN:
        fail("title", _("The title needs at least %(n)d characters.") % {"n": TITLE_MIN})
    elif len(title) > TITLE_MAX:
        fail("title", _("The title can have at most %(n)d characters.") % {"n": TITLE_MAX})
    cleaned["title"] = title

    body = _clean_body(body)
    if len(body) < BODY_MIN:
        fail("body", _("Describe what happened in at least %(n)d characters.") % {"n": BODY_MIN})
    elif len(body) > BODY_MAX:
        fail("body", _("The text can have at most %(n)d characters.") % {"n": BODY_MAX})
    cleaned["body"] = body

    cleaned["incident_date"] = None
    if _blank_to_none(incident_date) is not None:
        date = _as_date(incident_date)
        if date is None:
            fail("incident_date", _("Enter the incident date as YYYY-MM-DD."))
        elif date > timezone.now().astimezone(_EASTERNMOST).date():
            fail("incident_date", _("The incident date cannot be in the future."))
        elif date < dt.date(1945, 8, 17):
            fail("incident_date", _("Enter a real incident date."))
        else:
            cleaned["incident_date"] = date

    # The lookups below are lambdas: building a queryset costs CPU even when the memo has
    # the row.
    cleaned["region"] = None
    if _blank_to_none(region_code) is not None:
        code = str(region_code).strip()
        region = (
            directory_lookup(("region", code), lambda: Region.objects.filter(code=code).first())
            if len(code) <= 13
            else None
        )
        if region is None:
            fail("region_code", _("Unknown region code."))
        cleaned["region"] = region

    cleaned["latitude"] = cleaned["longitude"] = None
    latitude, longitude = _blank_to_none(latitude), _blank_to_none(longitude)
    if (latitude is None) != (longitude is None):
        fail("latitude", _("Give both latitude and longitude, or neither."))
    elif latitude is not None:
        lat, lon = _as_coordinate(latitude), _as_coordinate(longitude)
        if lat is None:
            fail("latitude", _("The latitude must be a number."))
        elif not LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]:
            fail("latitude", _("The location must be inside Indonesia."))
        if lon is None:
            fail("longitude", _("The longitude must be a number."))
        elif not LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]:
            fail("longitude", _("The location must be inside Indonesia."))
        if "latitude" not in errors and "longitude" not in errors:
            cleaned["latitude"], cleaned["longitude"] = lat, lon

    cleaned["agency"] = None
    if _blank_to_none(agency_id) is not None:
        pk = as_pk(agency_id)
        agency = (
            directory_lookup(
                ("receiving-agency", pk),
                lambda: (
                    Agency.objects.filter(pk=pk, is_active=True)
                    .exclude(kind__in=NON_RECEIVING_KINDS)
                    .first()
                ),
            )
            if pk is not None
            else None
        )
        if agency is None:
            fail("agency_id", _("Choose an agency from the list."))
        cleaned["agency"] = agency

    cleaned["category"] = None
    if _blank_to_none(category_id) is not None:
        pk = as_pk(category_id)
        category = (
            directory_lookup(
                ("active-category", pk),
                lambda: Category.objects.filter(pk=pk, is_active=True).first(),
            )
            if pk is not None
            else None
        )
        if category is None:
            fail("category_id", _("Choose a category from the list."))
        cleaned["category"] = category

    if errors:
        raise ValidationFailed(field_errors=errors)
    return cleaned


def report_submit(
    *,
    reporter: User,
    channel: Channel | str,
    anonymous: bool = False,
    confidential: bool = False,
    files: Sequence[PreparedFile] = (),
    ip_address: str | None = None,
    **fields: Unpack[ReportFields],
) -> Report:
    """Create a report with its ``submitted`` event and its attachments, all or nothing.

    Every report starts in the national desk's verification queue (``submitted``); an
    agency the reporter chose is kept as ``requested_agency``, the desk's suggestion, and
    the response clock starts only when the desk disposes it. ``files`` must already have passed
    ``prepare_upload`` (content sniffed, EXIF stripped), so nothing here reads user bytes.
    """
    _fields_check(fields)
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    files = tuple(files)
    files_errors: dict[str, list[str]] = {}
    if len(files) > settings.ADUAN_ATTACHMENT_MAX_COUNT:
        files_errors["files"] = [
            _("At most %(n)d attachments.") % {"n": settings.ADUAN_ATTACHMENT_MAX_COUNT}
        ]
    try:
        cleaned = report_validate(**fields)
    except ValidationFailed as exc:  # every problem at once, the files' included
        raise ValidationFailed(field_errors={**exc.field_errors, **files_errors}) from exc
    if files_errors:
        raise ValidationFailed(field_errors=files_errors)
    requested_agency = cleaned.pop("agency")
    report = Report(
        **cleaned,
        tracking_id=new_tracking_id(),
        requested_agency=requested_agency,
        anonymous=bool(anonymous),
        confidential=bool(confidential),
        channel=channel,
        reporter=reporter,
        status=Status.SUBMITTED,
    )
    try:
        # A rule report_validate missed: still no 500. The related rows were looked up
        # by report_validate (the reporter is the caller), so they are not read again, and
        # its one check constraint (latitude and longitude together) is report_validate's
        # too: no query here.
        report.full_clean(exclude=["tracking_id", *_LOOKED_UP], validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(field_errors=exc.message_dict) from exc
    for attempt in range(_TRACKING_ID_ATTEMPTS):
        stored: list[str] = []
        try:
            with transaction.atomic():
                _submit_write(
                    report, reporter=reporter, files=files, ip_address=ip_address, stored=stored
                )
        except IntegrityError:
            attachments_discard(stored)
            # The (astronomically rare) collision of a new tracking id: draw another and
            # write it all again; any other integrity error is the caller's.
            collided = Report.objects.filter(tracking_id=report.tracking_id).exists()
            if attempt == _TRACKING_ID_ATTEMPTS - 1 or not collided:
                raise
            report.tracking_id, report.pk, report._state.adding = new_tracking_id(), None, True
            report.event_count, report.audit_head = 0, ""
        except BaseException:
            # The rows are rolled back; the files written to storage are not: remove them.
            attachments_discard(stored)
            raise
        else:
            break
    logger.info("report %s submitted via %s", report.tracking_id, channel)
    return report


@dataclasses.dataclass(frozen=True)
class SubmissionRows:
    """What ``report_submit`` wrote besides the report, as committed: an interface that
    answers with the new report (the API) shows them without reading them back."""

    event: ReportEvent
    attachments: tuple[Attachment, ...]
    deadline: Deadline


_TRACKING_ID_ATTEMPTS = 5
# Report fields report_submit fills from rows it has already looked up (or the caller).
_LOOKED_UP = ("region", "requested_agency", "category", "reporter")


def _submit_write(
    report: Report,
    *,
    reporter: User,
    files: Sequence[PreparedFile],
    ip_address: str | None,
    stored: list[str],
) -> None:
    """The rows of a new report, inside the submission's one transaction (no savepoint of
    its own): the report, its attachments, its first deadline and its ``submitted`` event
    on the audit chain, whose head UPDATE also stores the due state, then the listeners.
    The report was just inserted by this transaction, so nobody else can hold its row and
    its head is the empty one: the chain is written without reading it back first.
    Leaves the rows it wrote on ``report.submission_rows``, so that the caller can answer
    without reading them back. The names of the files written
    to storage are added to ``stored`` (for the caller to remove if this rolls back)."""
    report.save(force_insert=True)
    attachments = []
    for prepared in files:
        attachment = attachment_store(report=report, prepared=prepared, actor=reporter)
        stored.extend(attachment_stored_names(attachment))
        attachments.append(attachment)
    deadline = sla.deadline_start(report=report, kind=DeadlineKind.VERIFICATION, first=True)
    report.due_at, report.is_overdue = sla.due_state([(deadline.kind, deadline.due_at)])
    submitted = ReportEvent(
        report=report,
        actor=reporter,
        actor_role=reporter.role,
        actor_agency_id=reporter.agency_id,
        action=EventAction.SUBMITTED,
        to_status=report.status,
        note="",
        ip_address=ip_address or None,
    )
    events_append(
        report=report, events=[submitted], due_at=report.due_at, is_overdue=report.is_overdue
    )
    report.submission_rows = SubmissionRows(  # type: ignore[attr-defined]
        event=submitted, attachments=tuple(attachments), deadline=deadline
    )
    listeners.listeners_record(report=report, event=submitted)


def report_attachment_add(
    *, report: Report, actor: User, prepared: PreparedFile, ip_address: str | None = None
) -> Attachment:
    """Add one checked file to the reporter's own open report, with its timeline event.

    The report row is locked so that two uploads at once cannot pass the count together;
    a file written to storage is removed again if the transaction does not commit.
    """
    if report.reporter_id != actor.pk:
        raise PermissionDenied(_("Only the reporter can add attachments to a report."))
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if not locked.is_open:
                raise InvalidTransition(
                    _("Attachments can only be added while the report is open.")
                )
            limit = settings.ADUAN_ATTACHMENT_MAX_COUNT
            # Images still being re-encoded count too; refused ones do not.
            taken = Attachment.every.filter(report=locked).exclude(state=AttachmentState.REFUSED)
            if taken.count() >= limit:
                message = _("A report can have at most %(n)d attachments.") % {"n": limit}
                raise ValidationFailed(message, field_errors={"file": [message]})
            attachment = attachment_store(report=locked, prepared=prepared, actor=actor)
            stored.extend(attachment_stored_names(attachment))
            added = ReportEvent.objects.create(
                report=locked,
                actor=actor,
                actor_role=actor.role,
                action=EventAction.ATTACHMENT_ADDED,
                ip_address=ip_address or None,
            )
            listeners.listeners_record(report=locked, event=added)
            Report.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    except BaseException:
        attachments_discard(stored)
        raise
    return attachment
