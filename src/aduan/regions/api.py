"""Regions in the JSON API: the administrative tree, one level at a time (for pickers)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from aduan.core.problem import problems

from .selectors import region_children

router = Router(tags=["directory"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None


@router.get(
    "/regions",
    response=list[RegionOut],
    openapi_extra=problems(404, r404="parent is not a region code"),
    summary="Regions under a parent",
    url_name="region_list",
)
def region_list(
    request: HttpRequest,
    parent: str | None = Query(
        None, max_length=13, description="A region code; empty for the provinces"
    ),
):
    """The provinces, or the regions directly under ``parent`` (404 for an unknown code),
    ordered by name."""
    regions = region_children((parent or "").strip() or None)
    return [
        {
            "code": region.code,
            "name": region.display_name,
            "level": region.level,
            "level_label": region.get_level_display(),
            "parent_code": region.parent_id,
        }
        for region in regions
    ]
