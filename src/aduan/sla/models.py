"""Deadlines of a report, and the extra national days off they are counted around.

A deadline is stored when its clock starts, with the rule that made it (``rule`` for
people, ``working_days``/``calendar_days`` for code): a day off added later does not
move a deadline already stored. States:

    open ──▶ met          (the awaited action happened; ``met_at``)
      │
      └───▶ cancelled     (the clock no longer runs: the report moved elsewhere, or a
                           new clock of the same kind replaced this one)

While open, the periodic sweep stamps ``reminded_at``, ``overdue_at`` and
``escalated_at`` once each; at most one deadline per (report, kind) is open.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aduan.agencies.models import Timezone


class DayOff(models.Model):
    """A national day off on top of the holidays package (e.g. a newly decreed cuti
    bersama, or an election day the package does not know yet)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("extra day off")
        verbose_name_plural = _("extra days off")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"


class DeadlineKind(models.TextChoices):
    VERIFICATION = "verification", _("Verification")
    RESPONSE = "response", _("First response")
    COMPLETION = "completion", _("Completion")
    AUTOCLOSE = "autoclose", _("Automatic closing")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


def timezone_abbreviation(name: str) -> str:
    """WIB, WITA or WIT for an Indonesian zone; the IANA name for any other."""
    try:
        return Timezone(name).label
    except ValueError:
        return name


class Deadline(models.Model):
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DeadlineKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        help_text=_("Who must act; empty for the national admin."),
    )
    starts_at = models.DateTimeField(_("clock started"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    timezone = models.CharField(_("time zone"), max_length=32)
    rule = models.CharField(_("rule"), max_length=200)
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    calendar_days = models.PositiveSmallIntegerField(_("calendar days"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    extended_by = models.PositiveSmallIntegerField(_("extended by (working days)"), default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep: open deadlines by due time (a small slice of a big table).
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="open"),
                name="deadline_open_due",
            ),
            models.Index(fields=["report", "kind", "state"], name="deadline_report_kind"),
            # The sweep's two scans skip what it already marked, without reading it
            # (bench: 18-35 ms -> under 0.1 ms each at 1,000,000 reports).
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="open", overdue_at__isnull=True),
                name="deadline_open_unmarked",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="open", reminded_at__isnull=True),
                name="deadline_open_unreminded",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind"],
                condition=models.Q(state="open"),
                name="deadline_one_open_per_kind",
                violation_error_message=_("This report already has an open deadline of this kind."),
            ),
            models.CheckConstraint(
                name="deadline_has_one_rule",
                condition=(
                    models.Q(working_days__isnull=False, calendar_days__isnull=True)
                    | models.Q(working_days__isnull=True, calendar_days__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at.isoformat()}"

    @property
    def local_due_at(self) -> dt.datetime:
        return self.due_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_starts_at(self) -> dt.datetime:
        return self.starts_at.astimezone(ZoneInfo(self.timezone))

    @property
    def timezone_abbreviation(self) -> str:
        return timezone_abbreviation(self.timezone)

    def rule_display(self) -> str:
        """The rule in the reader's language (``rule`` keeps the stored Indonesian text)."""
        start = self.local_starts_at.date().isoformat()
        zone = self.timezone_abbreviation
        if self.working_days is not None:
            text = ngettext(
                "%(count)d working day after %(start)s (%(zone)s)",
                "%(count)d working days after %(start)s (%(zone)s)",
                self.working_days,
            ) % {"count": self.working_days, "start": start, "zone": zone}
        else:
            text = ngettext(
                "%(count)d day after %(start)s (%(zone)s)",
                "%(count)d days after %(start)s (%(zone)s)",
                self.calendar_days or 0,
            ) % {"count": self.calendar_days, "start": start, "zone": zone}
        if self.extended_by:
            text += ngettext(
                ", extended by %(count)d working day",
                ", extended by %(count)d working days",
                self.extended_by,
            ) % {"count": self.extended_by}
        return text
