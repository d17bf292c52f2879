"""National priority programmes (KSP) and the reports tagged with them.

A programme is loaded from ``data/programmes.json`` like the categories and kept by the
national admin in the admin site. A category may imply programmes (``categories``): the
national desk's disposition tags a report with them. The tags live here, not on the report,
so that the report's model and migrations stay below this app; ``reports.selectors`` reads
them through the reverse relation ``programme_tags`` for the KSP overseer's scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """A national priority programme (e.g. Makan Bergizi Gratis), matched by ``code``."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    categories = models.ManyToManyField(
        "categories.Category",
        verbose_name=_("categories that imply it"),
        blank=True,
        related_name="implied_programmes",
        help_text=_("A report the national desk sends on with one of these is tagged with it."),
    )

    class Meta:
        verbose_name = _("priority programme")
        verbose_name_plural = _("priority programmes")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class ReportProgramme(models.Model):
    """A report tagged with a programme: by the national desk, or by its category on
    disposition (``tagged_by`` is the desk officer who sent it on either way)."""

    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="programme_tags",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="report_tags",
    )
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tagged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tagged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report's programme")
        verbose_name_plural = _("reports' programmes")
        constraints = [
            models.UniqueConstraint(fields=["report", "programme"], name="report_programme_once")
        ]
        indexes = [models.Index(fields=["programme", "report"], name="programme_report_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.programme_id}"
