"""The national desk's verification queue as a table: what each row shows.

A row is the report, its countdown, the agency offered for a one-click disposition
(``workflow.selectors.queue_suggested_agency``), the report it likely repeats
(``triage.duplicates``, offered for a one-click merge) and its flags. The flags are built in one
function, ``queue_flags``, so that a new one is one more line there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.reports.models import Attachment, Channel, Report, Status
from aduan.reports.pii import pii_kinds, pii_labels
from aduan.triage.duplicates import Candidate, likely_originals
from aduan.workflow.selectors import AgencySuggestion, queue_suggested_agency

from .deadlines import Countdown, calendar_current, countdown


@dataclass(frozen=True)
class Flag:
    key: str  # a stable name for styling and tests: "anonymous", "overdue", …
    label: str
    tone: str = ""  # "private" or "alert" to stand out; "" for plain information
    url: str = ""  # where the flag leads, if anywhere


@dataclass(frozen=True)
class QueueRow:
    report: Report
    countdown: Countdown
    suggestion: AgencySuggestion | None
    flags: list[Flag]
    original: Candidate | None = None


def queue_flags(
    report: Report,
    *,
    countdown: Countdown,
    has_attachments: bool,
    original: Candidate | None = None,
) -> list[Flag]:
    """What the desk should notice before opening the report, in reading order."""
    flags = []
    if report.anonymous:
        flags.append(Flag("anonymous", _("Anonymous reporter"), "private"))
    if report.confidential:
        flags.append(Flag("confidential", _("Confidential"), "private"))
    personal = pii_labels(pii_kinds(f"{report.title}\n{report.body}"))
    if personal:  # the desk redacts the public version (reports.pii, ADR 0011)
        label = f"{_('Personal data?')} {', '.join(personal)}"
        if report.public_title or report.public_body:
            label = f"{label} · {_('public version redacted')}"
        flags.append(Flag("pii", label, "private"))
    if has_attachments:
        flags.append(Flag("attachments", _("Attachments")))
    if report.channel != Channel.WEB:
        flags.append(Flag("channel", report.get_channel_display()))
    if report.status == Status.RETURNED:
        flags.append(Flag("returned", _("Returned by the agency")))
    if original is not None:
        label = _("Likely duplicate of %(id)s") % {"id": original.tracking_id}
        url = reverse("web:staff_report", args=[original.tracking_id])
        flags.append(Flag("duplicate", label, url=url))
    if countdown.overdue:
        flags.append(Flag("overdue", _("Overdue"), "alert"))
    return flags


def queue_rows(reports: Iterable[Report]) -> list[QueueRow]:
    """The rows of one page of the queue: one query for the attachments and two for the
    likely originals, whatever the number of rows (the queue's queryset already joins
    the agencies)."""
    reports = list(reports)
    with_files = set(
        Attachment.objects.filter(report__in=[r.pk for r in reports])
        .values_list("report_id", flat=True)
        .distinct()
    )
    originals = likely_originals(reports)
    calendar, now = calendar_current(), timezone.now()
    rows = []
    for report in reports:
        cd = countdown(report, calendar=calendar, now=now)
        rows.append(
            QueueRow(
                report=report,
                countdown=cd,
                suggestion=queue_suggested_agency(report),
                flags=queue_flags(
                    report,
                    countdown=cd,
                    has_attachments=report.pk in with_files,
                    original=originals.get(report.pk),
                ),
                original=originals.get(report.pk),
            )
        )
    return rows
