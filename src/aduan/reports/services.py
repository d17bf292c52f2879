"""Writes to reports. Every channel turns its input into one call: ``report_submit``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import User
from aduan.agencies.models import Agency, AgencyKind
from aduan.categories.models import Category
from aduan.core.errors import ValidationFailed
from aduan.core.tracking import new_tracking_id
from aduan.regions.models import Region

from .attachments import PreparedFile, attachment_store, attachments_discard
from .models import (
    BODY_MAX,
    BODY_MIN,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    TITLE_MAX,
    TITLE_MIN,
    Channel,
    Classification,
    EventAction,
    Report,
    ReportEvent,
    Status,
)

logger = logging.getLogger(__name__)

# The easternmost zone: a date that is already "today" in Jayapura is not in the future.
_EASTERNMOST = ZoneInfo("Asia/Jayapura")
NOT_RECEIVING_KINDS = (AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT)


def _clean_text(value: str | None) -> str:
    return " ".join((value or "").split()) if value is not None else ""


def _clean_body(value: str | None) -> str:
    # Keep the reporter's line breaks, drop trailing spaces and runs of blank lines.
    lines = [line.rstrip() for line in (value or "").replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def report_validate(
    *,
    classification: str,
    title: str,
    body: str,
    incident_date: dt.date | None = None,
    region_code: str | None = None,
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    agency_id: int | None = None,
    category_id: int | None = None,
) -> dict:
    """Check what a reporter sent; return the cleaned values or raise ``ValidationFailed``
    with every problem at once, keyed by field name."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if classification not in Classification.values:
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

    if incident_date is not None:
        if incident_date > timezone.now().astimezone(_EASTERNMOST).date():
            fail("incident_date", _("The incident date cannot be in the future."))
        elif incident_date < dt.date(1945, 8, 17):
            fail("incident_date", _("Enter a real incident date."))
    cleaned["incident_date"] = incident_date

    cleaned["region"] = None
    if region_code:
        region = Region.objects.filter(code=region_code.strip()).first()
        if region is None:
            fail("region_code", _("Unknown region code."))
        cleaned["region"] = region

    cleaned["latitude"] = cleaned["longitude"] = None
    if (latitude is None) != (longitude is None):
        fail("latitude", _("Give both latitude and longitude, or neither."))
    elif latitude is not None:
        try:
            lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
            lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            fail("latitude", _("Latitude and longitude must be numbers."))
        else:
            if not LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]:
                fail("latitude", _("The location must be inside Indonesia."))
            elif not LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]:
                fail("longitude", _("The location must be inside Indonesia."))
            else:
                cleaned["latitude"], cleaned["longitude"] = lat, lon

    cleaned["agency"] = None
    if agency_id:
        agency = (
            Agency.objects.filter(pk=agency_id, is_active=True)
            .exclude(kind__in=NOT_RECEIVING_KINDS)
            .first()
        )
        if agency is None:
            fail("agency_id", _("Choose an agency from the list."))
        cleaned["agency"] = agency

    cleaned["category"] = None
    if category_id:
        category = Category.objects.filter(pk=category_id, is_active=True).first()
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
    classification: str,
    title: str,
    body: str,
    incident_date: dt.date | None = None,
    region_code: str | None = None,
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    agency_id: int | None = None,
    category_id: int | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    files: Sequence[PreparedFile] = (),
    ip_address: str | None = None,
) -> Report:
    """Create a report with its ``submitted`` event and its attachments, all or nothing.

    A report addressed to an agency goes straight to it (``dispositioned``), as on LAPOR!;
    the national admin still sees it and can move it. ``files`` must already have passed
    ``prepare_upload`` (content sniffed, EXIF stripped), so nothing here reads user bytes.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    cleaned = report_validate(
        classification=classification,
        title=title,
        body=body,
        incident_date=incident_date,
        region_code=region_code,
        latitude=latitude,
        longitude=longitude,
        agency_id=agency_id,
        category_id=category_id,
    )
    if len(files) > settings.ADUAN_ATTACHMENT_MAX_COUNT:
        raise ValidationFailed(
            field_errors={
                "files": [
                    _("At most %(n)d attachments.") % {"n": settings.ADUAN_ATTACHMENT_MAX_COUNT}
                ]
            }
        )
    agency = cleaned["agency"]
    stored: list[str] = []
    try:
        with transaction.atomic():
            report = Report(
                **cleaned,
                requested_agency=agency,
                anonymous=bool(anonymous),
                confidential=bool(confidential),
                channel=channel,
                reporter=reporter,
                status=Status.DISPOSITIONED if agency else Status.SUBMITTED,
            )
            try:
                report.full_clean(exclude=["tracking_id"])
            except ValidationError as exc:  # a rule report_validate missed: still no 500
                raise ValidationFailed(field_errors=exc.message_dict) from exc
            _save_with_fresh_tracking_id(report)
            ReportEvent.objects.create(
                report=report,
                actor=reporter,
                actor_role=reporter.role,
                action=EventAction.SUBMITTED,
                to_status=report.status,
                note="",
                ip_address=ip_address or None,
            )
            for prepared in files:
                attachment = attachment_store(report=report, prepared=prepared, actor=reporter)
                stored.append(attachment.file.name)
    except BaseException:
        # The rows are rolled back; the files written to storage are not, so remove them.
        attachments_discard(stored)
        raise
    logger.info("report %s submitted via %s", report.tracking_id, channel)
    return report


def _save_with_fresh_tracking_id(report: Report, attempts: int = 5) -> None:
    """Insert, drawing a new tracking id in the (astronomically rare) case of a collision."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                report.save(force_insert=True)
            return
        except IntegrityError:
            collided = Report.objects.filter(tracking_id=report.tracking_id).exists()
            if attempt == attempts - 1 or not collided:
                raise
            report.tracking_id = new_tracking_id()
            report.pk = None
