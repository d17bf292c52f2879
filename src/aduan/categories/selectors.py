"""Reads of the report categories."""

from __future__ import annotations

from aduan.categories.models import Category


def category_list(*, include_inactive: bool = False) -> list[Category]:
    """All categories in display order, each with ``parent`` loaded (one query).

    Top-level topics come first in their order, each followed by its sub-topics, so the
    list can be rendered as an indented ``<select>`` as it is. Inactive topics (and the
    sub-topics of inactive topics) are left out unless ``include_inactive``.
    """
    categories = Category.objects.select_related("parent")
    if not include_inactive:
        categories = categories.filter(is_active=True).exclude(parent__is_active=False)
    tops: list[Category] = []
    children: dict[int, list[Category]] = {}
    for category in categories.order_by("sort_order", "name_id"):
        if category.parent_id is None:
            tops.append(category)
        else:
            children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []
    for top in tops:
        ordered.append(top)
        ordered.extend(children.get(top.pk, []))
    return ordered
