"""Categories in the JSON API: the topics a report can be filed under."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from aduan.api.auth import optional_bearer

from .models import Category

router = Router(tags=["directory"])


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


@router.get(
    "/categories",
    auth=optional_bearer,
    response=list[CategoryOut],
    summary="Active categories",
    url_name="category_list",
)
def category_list(request: HttpRequest):
    """Every active category, in display order; ``name`` is in the request's language."""
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "parent_id": c.parent_id}
        for c in Category.objects.filter(is_active=True).order_by("sort_order", "name_id", "id")
    ]
