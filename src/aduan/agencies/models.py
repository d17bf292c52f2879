"""The national directory of agencies that receive reports, as one tree.

The top of the tree is the national admin (KemenPANRB's LAPOR! team) beside the
ministries, non-ministerial agencies, state enterprises and the 38 provincial and 514
regency/city governments; units (OPD, directorates, branch offices) hang below any of
them, to any depth. ``path`` is a materialised path (``/12/340/``) so that "this agency
and all its units" is one indexed prefix match.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from aduan.regions.models import RegionLevel, timezone_for_code

# A slug that may also hold the dots of a Kemendagri code (``kota-32.73``).
AGENCY_CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*\Z",
    _("Use lower-case letters, digits, and single dots, hyphens or underscores between them."),
)


class AgencyKind(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National admin")
    MINISTRY = "ministry", _("Ministry")
    NON_MINISTERIAL = "non_ministerial", _("Non-ministerial agency")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    PROVINCE = "province", _("Provincial government")
    REGENCY = "regency", _("Regency government")
    CITY = "city", _("City government")
    OVERSIGHT = "oversight", _("Oversight body")
    UNIT = "unit", _("Unit")


LOCAL_GOVERNMENT_KINDS = frozenset({AgencyKind.PROVINCE, AgencyKind.REGENCY, AgencyKind.CITY})
# Kinds that run or watch the platform rather than answer reports: never offered to a
# reporter as the agency to send a report to.
NON_RECEIVING_KINDS = frozenset({AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT})


class Timezone(models.TextChoices):
    WIB = "Asia/Jakarta", "WIB"
    WITA = "Asia/Makassar", "WITA"
    WIT = "Asia/Jayapura", "WIT"


class Agency(models.Model):
    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[AGENCY_CODE_VALIDATOR],
        help_text=_("Stable identifier, e.g. prov-32 or kota-32.73."),
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    timezone = models.CharField(
        _("timezone"),
        max_length=32,
        choices=Timezone.choices,
        default=Timezone.WIB,
        help_text=_("Set from the region; national bodies without one keep WIB."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=255, editable=False, default="")

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "name"]),
            models.Index(fields=["parent", "name"]),
            models.Index(
                fields=["path"], opclasses=["varchar_pattern_ops"], name="agency_path_prefix"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The timezone follows the region (a unit without one follows its parent), so
        # deadlines are always counted in the agency's own local time.
        if self.region_id:
            self.timezone = timezone_for_code(self.region_id)
        elif self.parent_id:
            self.timezone = self.parent.timezone
        super().save(*args, **kwargs)
        # The path needs the primary key, so a new row is written twice. When the agency
        # moves to another parent, its whole subtree's paths move with it.
        old_path = self.path
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if old_path != new_path:
            manager = type(self).objects
            if old_path:
                manager.filter(path__startswith=old_path).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                )
            else:
                manager.filter(pk=self.pk).update(path=new_path)
            self.path = new_path

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.parent_id:
            if self.pk and (
                self.parent_id == self.pk or self.parent.path.startswith(self.path or "\0")
            ):
                errors["parent"] = _("An agency cannot be placed under itself or its own units.")
        elif self.kind == AgencyKind.UNIT:
            errors["parent"] = _("A unit must belong to an agency.")
        if self.kind in LOCAL_GOVERNMENT_KINDS:
            wanted = (
                RegionLevel.PROVINCE if self.kind == AgencyKind.PROVINCE else RegionLevel.REGENCY
            )
            if not self.region_id:
                errors["region"] = _("A local government needs its region.")
            elif self.region.level != wanted:
                errors["region"] = _("Choose a region of level “%(level)s” for this kind.") % {
                    "level": wanted.label
                }
        if errors:
            raise ValidationError(errors)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def subtree(self) -> models.QuerySet[Agency]:
        """This agency and every unit under it, at any depth."""
        return Agency.objects.filter(path__startswith=self.path)
