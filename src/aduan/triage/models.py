"""What triage keeps: the trained routers (one row a version, the model itself in Django's
storage) and, per report and routing round, what was suggested and what the desk chose."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RouterModel(models.Model):
    """One trained router. The newest row is the one in use; older ones stay for the
    record (a report names the version it was shown with)."""

    version = models.CharField(_("version"), max_length=40, unique=True)
    file = models.FileField(_("file"), upload_to="triage/models/", max_length=200)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now, db_index=True)
    examples = models.PositiveIntegerField(_("training examples"), default=0)
    agencies = models.PositiveIntegerField(_("agencies"), default=0)
    # Scored at training on a held-out share of the history: top1, top3, n, …
    metrics = models.JSONField(_("figures"), default=dict, blank=True)

    class Meta:
        verbose_name = _("router model")
        verbose_name_plural = _("router models")
        ordering = ("-trained_at", "-id")

    def __str__(self) -> str:
        return self.version


class Assessment(models.Model):
    """Triage's reading of a report for one routing round (the first verification, and a
    new one after each return): the agencies it suggested with their confidence, the
    kind, category and programme, the priority flags and a likely original; then the
    agency the desk chose. The open round is the one without ``decided_at``."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="assessments"
    )
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    # [[agency_id, confidence], …], the best first; empty without a model.
    agencies = models.JSONField(_("suggested agencies"), default=list, blank=True)
    classification = models.CharField(_("suggested classification"), max_length=32, blank=True)
    classification_confidence = models.FloatField(null=True, blank=True)
    category = models.ForeignKey(
        "categories.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested programme"),
    )
    # Keys of ``triage.priority`` flags, in the order the desk reads them.
    priority = models.JSONField(_("priority flags"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged for priority"), default=False)
    created_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    chosen_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen agency"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Where the chosen agency stood among the suggestions: 1–3, 0 when it was not among
    # them, None when there was no suggestion (no model yet).
    chosen_rank = models.PositiveSmallIntegerField(_("rank of the chosen agency"), null=True)

    class Meta:
        verbose_name = _("triage assessment")
        verbose_name_plural = _("triage assessments")
        indexes = [
            models.Index(fields=["report", "-id"], name="triage_assessment_report"),
            models.Index(fields=["decided_at"], name="triage_assessment_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} @ {self.model_version or '-'}"

    @property
    def classification_label(self) -> str:
        from aduan.reports.models import Classification

        if self.classification in Classification.values:
            return str(Classification(self.classification).label)
        return self.classification

    @property
    def agency_ids(self) -> list[int]:
        return [int(agency_id) for agency_id, _confidence in self.agencies]


class Fingerprint(models.Model):
    """One LSH band of an open report's MinHash signature (``triage.duplicates``): the
    reports sharing a ``bucket`` with a text are its near-duplicate candidates, found
    through the index on ``bucket``. The band's number is mixed into the bucket's hash;
    ``band`` only tells the rows of one report apart. Rows go (with the ``Signature``)
    when the report closes, is archived or merged."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="fingerprints"
    )
    band = models.PositiveSmallIntegerField()
    bucket = models.BigIntegerField()

    class Meta:
        verbose_name = _("duplicate fingerprint")
        verbose_name_plural = _("duplicate fingerprints")
        # With the report: the lookup reads the index alone (an index-only scan).
        indexes = [models.Index(fields=["bucket", "report"], name="triage_fingerprint_bucket")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.band}"


class Signature(models.Model):
    """An open report's whole MinHash signature (``triage.duplicates.PERMUTATIONS``
    32-bit values): the Jaccard estimate of the candidates its bands found. Kept and
    dropped with its ``Fingerprint`` rows."""

    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    minhash = models.BinaryField()

    class Meta:
        verbose_name = _("duplicate signature")
        verbose_name_plural = _("duplicate signatures")

    def __str__(self) -> str:
        return str(self.report_id)
