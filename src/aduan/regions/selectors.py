"""Reads of the regions table, for the API, the report form and the admin."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from aduan.core.errors import NotFound, ValidationFailed
from aduan.regions.models import Region, RegionLevel

_CODE = re.compile(r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$")
_CODE_PREFIX = re.compile(r"^\d{1,2}(\.\d{0,2}){0,2}(\.\d{0,4})?$")
SEARCH_LIMIT_MAX = 100


def region_get(code: str) -> Region:
    """The region with this Kemendagri code (``"32.73"``), with its parent; or NotFound."""
    code = (code or "").strip()
    region = (
        Region.objects.select_related("parent").filter(code=code).first()
        if _CODE.match(code)
        else None
    )
    if region is None:
        raise NotFound(_("Unknown region code."))
    return region


def region_children(parent_code: str | None = None) -> QuerySet[Region]:
    """The provinces when ``parent_code`` is None, else the regions directly below it.

    Ordered by name, for cascading pickers. Raises NotFound for an unknown parent code.
    """
    if parent_code is None:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("name")
    parent = region_get(parent_code)
    return Region.objects.filter(parent=parent).order_by("name")


def region_search(q: str, *, level: int | None = None, limit: int = 20) -> list[Region]:
    """Regions whose name contains ``q`` (case-insensitive), or whose code starts with it.

    ``level`` (1 province … 4 village) narrows the search; ``limit`` is capped at 100.
    The parent chain up to the province is fetched in the same query, so
    ``region_path_names(region)`` costs nothing more. Higher levels come first.
    """
    q = (q or "").strip()
    if len(q) < 2:
        raise ValidationFailed(field_errors={"q": [_("Type at least 2 characters.")]})
    if level is not None and level not in RegionLevel.values:
        raise ValidationFailed(field_errors={"level": [_("Unknown region level.")]})
    limit = max(1, min(int(limit), SEARCH_LIMIT_MAX))
    regions = Region.objects.select_related("parent__parent__parent")
    if _CODE_PREFIX.match(q):
        regions = regions.filter(code__startswith=q)
    else:
        regions = regions.filter(name__icontains=q)
    if level is not None:
        regions = regions.filter(level=level)
    return list(regions.order_by("level", "name", "code")[:limit])


def region_path_names(region: Region) -> list[str]:
    """Display names from the region up to its province: ``["Cibeunying", …, "Jawa Barat"]``.

    Walks ``parent`` links, so select the chain first (``region_search`` does).
    """
    names = []
    current: Region | None = region
    while current is not None:
        names.append(current.display_name)
        current = current.parent
    return names
