"""Reads of the agency directory, for the API, the report form, routing and the admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length, Replace
from django.utils.translation import gettext as _

from aduan.agencies.models import NON_RECEIVING_KINDS, Agency, AgencyKind
from aduan.core.errors import NotFound, ValidationFailed
from aduan.core.text import storable
from aduan.regions.models import Region, RegionLevel

SEARCH_LIMIT_MAX = 200
MAX_TERMS = 6


def agency_search(
    *,
    q: str | None = None,
    kind: str | Iterable[str] | None = None,
    parent_id: int | None = None,
    receiving_only: bool = True,
    limit: int = 50,
) -> list[Agency]:
    """Active agencies, with ``parent`` and ``region`` loaded (one query).

    - ``q``: words that must each be in the name, short name or code, ignoring case
      (``"bpjs bandung"``); only the first six words count; blank means no filter.
      The best matches come first (``_ranked``); without ``q``, by name.
    - ``kind``: one ``AgencyKind`` value or several; unknown kinds raise ValidationFailed.
    - ``parent_id``: only the direct units of that agency.
    - ``receiving_only``: leave out the national admin and the oversight bodies, which run
      and watch the platform but are never a report's addressee.
    - ``limit``: 1 to 200.
    """
    agencies = Agency.objects.filter(is_active=True).select_related("parent", "region")
    # Control characters are never in a name; a NUL would be an error in PostgreSQL.
    terms = storable(q or "", one_line=True).split()[:MAX_TERMS]
    for term in terms:
        agencies = agencies.filter(
            Q(name__icontains=term) | Q(short_name__icontains=term) | Q(code__icontains=term)
        )
    if kind is not None:
        kinds = {kind} if isinstance(kind, str) else set(kind)
        if unknown := kinds - set(AgencyKind.values):
            raise ValidationFailed(
                field_errors={
                    "kind": [_("Unknown agency kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}]
                }
            )
        agencies = agencies.filter(kind__in=kinds)
    if parent_id is not None:
        agencies = agencies.filter(parent_id=parent_id)
    if receiving_only:
        agencies = agencies.exclude(kind__in=NON_RECEIVING_KINDS)
    limit = max(1, min(int(limit), SEARCH_LIMIT_MAX))
    order = _ranked(" ".join(terms)) if terms else ["name", "pk"]
    return list(agencies.order_by(*order)[:limit])


def _ranked(phrase: str) -> list:
    """Best match first, ranked in the database so the limit keeps the best ones.

    The name, short name or code equal to the typed words, then a name or short name that
    starts with them, then one where they start a word ("Kota Bandung" in "Pemerintah Kota
    Bandung"), then any other. Ties: the higher level in the tree first (a government
    before its offices), then the shorter name (fewer words besides the ones typed), then
    by name. Without this, "Kota Bandung" listed its city government last of seven.
    """
    rank = Case(
        When(
            Q(name__iexact=phrase) | Q(short_name__iexact=phrase) | Q(code__iexact=phrase),
            then=Value(0),
        ),
        When(Q(name__istartswith=phrase) | Q(short_name__istartswith=phrase), then=Value(1)),
        When(
            Q(name__icontains=f" {phrase}") | Q(short_name__icontains=f" {phrase}"),
            then=Value(2),
        ),
        default=Value(3),
        output_field=IntegerField(),
    )
    depth = Length("path") - Length(Replace("path", Value("/"), Value("")))
    return [rank.asc(), depth.asc(), Length("name").asc(), "name", "pk"]


def agency_get(agency_id: int) -> Agency:
    """The active agency with this id, with parent and region; or NotFound."""
    agency = (
        Agency.objects.select_related("parent", "region")
        .filter(pk=agency_id, is_active=True)
        .first()
    )
    if agency is None:
        raise NotFound(_("Unknown agency."))
    return agency


def agency_subtree_ids(agency: Agency) -> QuerySet[Agency, int]:
    """Ids of ``agency`` and of every unit below it, at any depth, active or not.

    Lazy: use it as a subquery (``Report.objects.filter(agency_id__in=...)``) or wrap it
    in ``list()`` / ``set()``. One indexed prefix match on the materialised path.
    """
    return Agency.objects.filter(path__startswith=agency.path).values_list("pk", flat=True)


def agency_ancestors(agency: Agency) -> list[Agency]:
    """The agencies above ``agency``, from the top of its tree down (one query)."""
    ids = [int(part) for part in agency.path.strip("/").split("/")[:-1] if part]
    by_id = Agency.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def agency_local_government(region: Region | str) -> Agency | None:
    """The active local government responsible for ``region`` (a Region or its code).

    A village, district or regency/city belongs to its regency/city government; a
    province to its provincial government. None when the directory has no such agency.
    """
    code = region.code if isinstance(region, Region) else (region or "").strip()
    parts = code.split(".")
    if not code or len(parts) > RegionLevel.VILLAGE:
        return None
    if len(parts) == 1:
        return Agency.objects.filter(
            kind=AgencyKind.PROVINCE, region_id=code, is_active=True
        ).first()
    return Agency.objects.filter(
        kind__in=[AgencyKind.REGENCY, AgencyKind.CITY],
        region_id=".".join(parts[:2]),
        is_active=True,
    ).first()
