"""Indonesia's administrative areas with their Kemendagri codes.

The code is the primary key: it is stable, meaningful (``32.73.01.1001`` lies in
``32.73`` which lies in ``32``) and lets a filter on "this area and everything below"
be a prefix match on an index instead of a recursive query.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    REGENCY = 2, _("Regency/city")
    DISTRICT = 3, _("District")
    VILLAGE = 4, _("Village")


# Province code → IANA zone. WITA: Bali, Nusa Tenggara, Kalimantan except West and
# Central, Sulawesi. WIT: Maluku and Papua. Everything else is WIB.
WITA_PROVINCES = {"51", "52", "53", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


# Words that keep their case when a Kemendagri name is title-cased.
_ACRONYMS = {"DKI"}
_LOWER = {"DAN"}


def title_name(name: str) -> str:
    """``DKI JAKARTA`` → ``DKI Jakarta``, ``PANGKAJENE DAN KEPULAUAN`` → ``Pangkajene dan Kepulauan``."""

    def word(w: str) -> str:
        if w in _ACRONYMS:
            return w
        return w.lower() if w in _LOWER else w.capitalize()

    return " ".join(word(w) for w in name.split())


def timezone_for_code(code: str) -> str:
    province = code[:2]
    if province in WIT_PROVINCES:
        return "Asia/Jayapura"
    if province in WITA_PROVINCES:
        return "Asia/Makassar"
    return "Asia/Jakarta"


# What a list must select with its regions so that ``full_name`` reads no more rows: up to
# three levels above a village. ``select_related(f"region__{ANCESTORS}")``.
ANCESTORS = "parent__parent__parent"


class Region(models.Model):
    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        # The (parent, name) index below serves every lookup by parent; two more indexes
        # on parent_id alone would only slow the bulk load of 83,763 villages.
        db_index=False,
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def timezone(self) -> str:
        return timezone_for_code(self.code)

    @property
    def is_city(self) -> bool:
        return self.level == RegionLevel.REGENCY and self.name.upper().startswith("KOTA ")

    def ancestor_codes(self) -> list[str]:
        """Codes of this region and those above it, from the province down."""
        parts = self.code.split(".")
        return [".".join(parts[: i + 1]) for i in range(len(parts))]

    @property
    def display_name(self) -> str:
        """Names come upper-case from Kemendagri for provinces and regencies."""
        return title_name(self.name) if self.name.isupper() else self.name

    @property
    def full_name(self) -> str:
        """``Sukasari, Kota Bandung, Jawa Barat``: this region and those above it, nearest
        first (a district alone is ambiguous across regencies). Lists select ``ANCESTORS``."""
        names, region = [], self
        while region is not None:
            names.append(region.display_name)
            region = region.parent
        return ", ".join(names)
