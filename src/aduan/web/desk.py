"""The national desk's verification queue as a table: what each row shows.

A row is the report, its countdown, its triage (``triage.selectors``: the agencies
offered, the first for a one-click disposition, and the suggested kind, category and
programme), the report it likely repeats (``triage.duplicates``, offered for a one-click
merge) and its flags. The flags are built in one
function, ``queue_flags``, so that a new one is one more line there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.reports.models import Attachment, Channel, Report, Status
from aduan.reports.pii import pii_kinds, pii_labels
from aduan.triage.duplicates import Candidate, likely_originals
from aduan.triage.priority import ARCHIVABLE, flag_display, priority_flags
from aduan.triage.selectors import AgencyOption, Triage, reports_triage
from aduan.workflow.transitions import TRANSITIONS, Action

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
    triage: Triage
    flags: list[Flag]
    original: Candidate | None = None

    @property
    def suggestion(self) -> AgencyOption | None:
        return self.triage.first

    @property
    def archive_as_spam(self) -> bool:
        """Abusive text or spam, in a status it may be archived from: one click will do."""
        return self.report.status in TRANSITIONS[Action.ARCHIVE].moves and any(
            flag.key in ARCHIVABLE for flag in self.flags
        )


def desk_priority_flags(assessment) -> list[Flag]:
    """The priority flags of a report's open round, as the queue shows them."""
    return [Flag(key, *flag_display(key)) for key in assessment.priority] if assessment else []


def queue_flags(
    report: Report,
    *,
    countdown: Countdown,
    has_attachments: bool,
    priority: Sequence[str] | None = None,
    original: Candidate | None = None,
) -> list[Flag]:
    """What the desk should notice before opening the report, in reading order: what
    needs a human first (``triage.priority``: the round's stored flags, else read now),
    then the rest."""
    if priority is None:
        priority = priority_flags(report.title, report.body)
    flags = [Flag(key, *flag_display(key)) for key in priority]
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
    """The rows of one page of the queue: one query for the attachments and three for the
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
    triage = reports_triage(reports)
    rows = []
    for report in reports:
        cd = countdown(report, calendar=calendar, now=now)
        assessment = triage[report.pk].assessment
        original = originals.get(report.pk)
        flags = queue_flags(
            report,
            countdown=cd,
            has_attachments=report.pk in with_files,
            priority=assessment.priority if assessment else None,
            original=original,
        )
        rows.append(
            QueueRow(
                report=report,
                countdown=cd,
                triage=triage[report.pk],
                flags=flags,
                original=original,
            )
        )
    return rows
