"""Categories in the JSON API: the topics a report can be filed under."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .selectors import category_list as category_list_selector

router = Router(tags=["directory"])


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


@router.get(
    "/categories",
    response=list[CategoryOut],
    summary="Active categories",
    url_name="category_list",
)
def category_list(request: HttpRequest):
    """Every active category, each top-level topic followed by its sub-topics; ``name`` is
    in the request's language."""
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "parent_id": c.parent_id}
        for c in category_list_selector()
    ]
