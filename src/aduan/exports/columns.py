"""What one exported row holds, and for whom: the columns of a staff list's export.

Each row is read through the visibility rules of ``reports.selectors``: the text as the
user may read it (``report_text_for``), the reporter as far as ``reporter_visibility``
allows (an anonymous reporter is "Anonymous" to an agency; contact details only for
``FULL``). Internal notes are not exported at all (ADR 0016).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.regions.models import ANCESTORS
from aduan.reports.models import Report
from aduan.reports.selectors import ReporterVisibility, report_text_for, reporter_visibility

Cell = str | int | bool | dt.datetime | dt.date | None

# Rows fetched per round trip: a server-side cursor on PostgreSQL, chunks of a cursor on
# SQLite. Large enough to amortise the round trip, small enough to stay a few MB.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    key: str
    header: Promise  # lazily translated: read when the file is written, in its language


COLUMNS: tuple[Column, ...] = (
    Column("tracking_id", _("Tracking number")),
    Column("created_at", _("Submitted at")),
    Column("responded_at", _("Last response at")),
    Column("closed_at", _("Closed at")),
    Column("status", _("Status")),
    Column("classification", _("Classification")),
    Column("category", _("Topic")),
    Column("region", _("Region")),
    Column("agency", _("Agency")),
    Column("channel", _("Channel")),
    Column("title", _("Title")),
    Column("body", _("Text")),
    Column("reporter", _("Reporter")),
    Column("reporter_email", _("Reporter's e-mail")),
    Column("reporter_phone", _("Reporter's phone")),
    Column("due_at", _("Deadline")),
    Column("overdue", _("Overdue")),
    Column("rating", _("Rating")),
)

# The region and its ancestors: each one's name and parent (the top one's parent too,
# else ``full_name`` would load it row by row).
_REGION_NAMES = [
    "region__" + "parent__" * depth + field
    for depth in range(ANCESTORS.count("__") + 2)
    for field in ("name", "parent")
]
# Only what the columns and the visibility questions read (``report_text_for`` needs the
# reporter and the agency's path; ``reporter_visibility`` the anonymity flag).
_FIELDS = (
    "tracking_id",
    "created_at",
    "responded_at",
    "closed_at",
    "status",
    "classification",
    "channel",
    "title",
    "body",
    "public_title",
    "public_body",
    "anonymous",
    "confidential",
    "due_at",
    "is_overdue",
    "reporter_id",
    "agency__name",
    "agency__path",
    "category__name_id",
    "category__name_en",
    "reporter__full_name",
    "reporter__email",
    "reporter__phone",
    "rating__score",
    *_REGION_NAMES,
)


def export_queryset(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """``queryset`` (a staff list, already scoped and ordered) narrowed to the columns read
    here, joined in the same query: no query per row."""
    return (
        queryset.select_related(None)
        .select_related("agency", "category", "reporter", "rating", f"region__{ANCESTORS}")
        .only(*_FIELDS)
    )


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Local wall-clock time without an offset: what a spreadsheet can hold."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


@dataclass
class _Labels:
    """Texts the same for many rows, translated once per export rather than per row (a
    choice's label, a category's or region's name): most of a row's cost otherwise."""

    status: dict[str, str]
    classification: dict[str, str]
    channel: dict[str, str]
    anonymous: str

    @classmethod
    def now(cls) -> _Labels:
        def labels(field: str) -> dict[str, str]:
            return {value: str(label) for value, label in Report._meta.get_field(field).choices}

        return cls(
            status=labels("status"),
            classification=labels("classification"),
            channel=labels("channel"),
            anonymous=str(_("Anonymous")),
        )


def report_row(report: Report, *, user: User, labels: _Labels | None = None) -> list[Cell]:
    """One row, in ``COLUMNS`` order, as ``user`` may read it."""
    labels = labels or _Labels.now()
    title, body = report_text_for(user=user, report=report)
    seen = reporter_visibility(user=user, report=report)
    reporter = report.reporter
    rating = getattr(report, "rating", None)
    return [
        report.tracking_id,
        _local(report.created_at),
        _local(report.responded_at),
        _local(report.closed_at),
        labels.status.get(report.status, report.status),
        labels.classification.get(report.classification, report.classification),
        report.category.name if report.category_id else "",
        report.region.full_name if report.region_id else "",
        report.agency.name if report.agency_id else "",
        labels.channel.get(report.channel, report.channel),
        title,
        body,
        reporter.full_name if seen >= ReporterVisibility.NAME else labels.anonymous,
        reporter.email if seen == ReporterVisibility.FULL else "",
        reporter.phone if seen == ReporterVisibility.FULL else "",
        _local(report.due_at),
        report.is_overdue,
        rating.score if rating is not None else None,
    ]


def export_rows(
    queryset: QuerySet[Report], *, user: User, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[Cell]]:
    """The rows of ``queryset`` one at a time: the queryset is read in chunks through
    ``iterator()``, never held whole (a million rows in a few MB)."""
    labels = _Labels.now()
    for report in export_queryset(queryset).iterator(chunk_size=chunk_size):
        yield report_row(report, user=user, labels=labels)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def cell_text(value: Any) -> str:
    """A cell as CSV text: dates in ISO form, flags as Yes/No, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes")) if value else str(_("No"))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
