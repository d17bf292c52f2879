"""Reads for Open311: services (our categories) and service requests (our reports).

Open311 is a public interface: every read here goes through the public half of the one
visibility rule (``public_reports_q``), whoever calls, signed in or not. Confidential and
archived reports do not exist for it, and no reporter identity is ever part of a service
request (the format has no field for it, and none is added).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from aduan.categories.models import Category
from aduan.core.errors import NotFound, ValidationFailed
from aduan.core.tracking import normalise_tracking_id
from aduan.reports.models import OPEN_STATUSES, Attachment, EventAction, Report, ReportEvent, Status
from aduan.reports.selectors import public_reports_q

from .models import Open311Submission

MAX_REQUESTS = 1000  # the specification's recommended ceiling for one response
DEFAULT_WINDOW = dt.timedelta(days=90)  # and its default (and widest) date range
# Dates a filter may name: far enough from datetime's year 1 and 9999 that the 90-day
# window and the conversion to UTC (or to the database's zone) cannot overflow.
EARLIEST_DATE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST_DATE = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
# No code or token holds a control character, and PostgreSQL refuses NUL in a query
# parameter: a value with one matches nothing instead of reaching the database.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
STATUS_FILTERS = {
    "open": tuple(sorted(OPEN_STATUSES)),
    # Archived reports are hidden from the public, so "closed" is closed ones only.
    "closed": (Status.CLOSED,),
}


# The report's columns a service request shows (``render.request_dict``).
REQUEST_FIELDS = (
    "tracking_id",
    "status",
    "title",
    "body",
    "public_title",
    "public_body",
    "category_id",
    "agency_id",
    "region_id",
    "created_at",
    "updated_at",
    "due_at",
    "latitude",
    "longitude",
)


def open311_status(report: Report) -> str:
    return "open" if report.status in OPEN_STATUSES else "closed"


def service_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def _lookup_values(values: tuple[str, ...] | list[str]) -> list[str]:
    return [value for value in values if not _CONTROL_CHARS.search(value)]


def service_get(*, service_code: str) -> Category:
    codes = _lookup_values([service_code[:64]])
    category = service_list().filter(code__in=codes).first() if codes else None
    if category is None:
        raise NotFound
    return category


@dataclass(frozen=True)
class RequestFilters:
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()


def _comma_list(value: str | None, *, longest: int = MAX_REQUESTS) -> tuple[str, ...]:
    items = [item.strip() for item in (value or "").split(",")]
    return tuple(dict.fromkeys(item for item in items if item))[:longest]


def _w3c_datetime(name: str, value: str | None) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    # A "+07:00" written unencoded in a query string arrives as " 07:00".
    value = value.replace(" ", "+")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        message = _(
            "%(name)s must be a W3C date and time with its offset, e.g. 2025-01-31T08:00:00+07:00."
        ) % {"name": name}
        raise ValidationFailed(message, field_errors={name: [message]})
    try:
        in_range = EARLIEST_DATE <= parsed <= LATEST_DATE
    except OverflowError:  # an offset that pushes year 1 or 9999 off the calendar
        in_range = False
    if not in_range:
        message = _("%(name)s must be a date between the years 1900 and 9000.") % {"name": name}
        raise ValidationFailed(message, field_errors={name: [message]})
    return parsed


def request_filters_from(query: Mapping[str, str]) -> RequestFilters:
    """The GET requests filters from a query string, as the specification defines them;
    ``ValidationFailed`` (keyed by parameter) for anything that cannot be one."""
    ids = _comma_list(query.get("service_request_id"))
    if ids:
        # "This overrides all other arguments."
        return RequestFilters(service_request_ids=ids)
    statuses = tuple(status.lower() for status in _comma_list(query.get("status")))
    unknown = [status for status in statuses if status not in STATUS_FILTERS]
    if unknown:
        message = _("status must be open, closed, or both separated by a comma.")
        raise ValidationFailed(message, field_errors={"status": [message]})
    start = _w3c_datetime("start_date", query.get("start_date"))
    end = _w3c_datetime("end_date", query.get("end_date"))
    if start and end:
        if start > end:
            message = _("start_date must be before end_date.")
            raise ValidationFailed(message, field_errors={"start_date": [message]})
        if end - start > DEFAULT_WINDOW:
            message = _("start_date and end_date may not span more than 90 days.")
            raise ValidationFailed(message, field_errors={"end_date": [message]})
    elif start:
        end = start + DEFAULT_WINDOW
    else:
        end = end or timezone.now()
        start = end - DEFAULT_WINDOW
    return RequestFilters(
        service_codes=_comma_list(query.get("service_code"), longest=100),
        start=start,
        end=end,
        statuses=statuses,
    )


def _public_requests() -> QuerySet[Report]:
    """Public reports with what a service request shows, in one query: the report's own
    columns it reads, the agency's and region's names by join, the latest public
    response and the first image by subquery. Names rather than related objects:
    building four model instances per row was most of a 1,000-row answer's CPU (the
    categories, whose name follows the language, are read once: ``_with_categories``)."""
    latest_response = (
        ReportEvent.objects.filter(
            report=OuterRef("pk"), action=EventAction.RESPONDED, is_public=True
        )
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    first_image = (
        Attachment.objects.filter(
            report=OuterRef("pk"), event__isnull=True, content_type__startswith="image/"
        )
        .order_by("created_at", "id")
        .values("pk")[:1]
    )
    return (
        Report.objects.filter(public_reports_q())
        .only(*REQUEST_FIELDS)
        .annotate(
            status_notes=Subquery(latest_response),
            image_id=Subquery(first_image),
            agency_name=F("agency__name"),
            region_name=F("region__name"),
        )
    )


def request_list(*, filters: RequestFilters) -> list[Report]:
    """At most ``MAX_REQUESTS`` public reports, newest first."""
    qs = _public_requests()
    if filters.service_request_ids:
        ids = [normalise_tracking_id(raw) for raw in filters.service_request_ids]
        qs = qs.filter(tracking_id__in=[tid for tid in ids if tid])
    else:
        if filters.service_codes:
            # Filtered even when no code is usable: "none of these" matches nothing.
            qs = qs.filter(category__code__in=_lookup_values(filters.service_codes))
        if filters.start is not None:
            qs = qs.filter(created_at__gte=filters.start)
        if filters.end is not None:
            qs = qs.filter(created_at__lte=filters.end)
        if filters.statuses:
            wanted = {status for name in filters.statuses for status in STATUS_FILTERS[name]}
            qs = qs.filter(status__in=sorted(wanted))
    return _with_categories(list(qs.order_by("-created_at", "-id")[:MAX_REQUESTS]))


def _with_categories(reports: list[Report]) -> list[Report]:
    """Each report's category, one instance per category for the whole answer."""
    categories = Category.objects.in_bulk({r.category_id for r in reports} - {None})
    for report in reports:
        report.category = categories.get(report.category_id)
    return reports


def request_get(*, service_request_id: str) -> Report:
    """One public report; ``NotFound`` if it is missing or not public (the same answer)."""
    tracking_id = normalise_tracking_id(service_request_id)
    report = _public_requests().filter(tracking_id=tracking_id).first() if tracking_id else None
    if report is None:
        raise NotFound
    return _with_categories([report])[0]


def token_get(*, token: str) -> Open311Submission:
    """The submission a POST's token stands for. The token is a secret handed only to the
    poster, and it maps to nothing but the id that POST already returned."""
    tokens = _lookup_values([token[:32]]) if token else []
    submission = (
        Open311Submission.objects.select_related("report").filter(token__in=tokens).first()
        if tokens
        else None
    )
    if submission is None:
        raise NotFound
    return submission
