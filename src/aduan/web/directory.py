"""The directory look-ups the public pages need: regions, agencies and categories.

Thin wrappers so the views have one place to ask; they read through the directory
apps' own models and keep only what a picker shows.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aduan.agencies.models import Agency, AgencyKind
from aduan.categories.models import Category
from aduan.regions.models import Region, RegionLevel

PICKER_LEVELS = (RegionLevel.PROVINCE, RegionLevel.REGENCY, RegionLevel.DISTRICT)
# Bodies that never receive a report directly from the public.
NOT_RECEIVING_KINDS = (AgencyKind.NATIONAL_ADMIN, AgencyKind.OVERSIGHT)
AGENCY_SUGGESTION_LIMIT = 12


def region_children(parent_code: str | None) -> QuerySet[Region]:
    """Provinces when ``parent_code`` is empty, otherwise the regions directly under it."""
    if not parent_code:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("name")
    return Region.objects.filter(parent_id=parent_code).order_by("name")


def agency_search(*, q: str, limit: int = AGENCY_SUGGESTION_LIMIT) -> list[Agency]:
    """Active agencies that take reports, whose name or short name has every word of ``q``."""
    terms = q.split()[:6]
    if not terms:
        return []
    qs = Agency.objects.filter(is_active=True).exclude(kind__in=NOT_RECEIVING_KINDS)
    for term in terms:
        qs = qs.filter(Q(name__icontains=term) | Q(short_name__icontains=term))
    return list(qs.select_related("parent").order_by("name")[:limit])


def agency_get(agency_id: int | None) -> Agency | None:
    if not agency_id:
        return None
    return Agency.objects.filter(pk=agency_id, is_active=True).first()


def category_list() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("sort_order", "name_id"))


def region_exists(code: str) -> bool:
    return Region.objects.filter(code=code).exists()
