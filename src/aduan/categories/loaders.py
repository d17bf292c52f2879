"""Loading the taxonomy of report topics from ``data/categories.json``.

Categories are matched by ``code``: new ones are inserted, existing ones get the file's
names, parent and order. ``is_active`` is only set on creation, so a topic an
administrator switched off stays off; topics missing from the file are left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from aduan.categories.models import Category
from aduan.core.loading import LoadResult

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_FILE = DATA_DIR / "categories.json"

_KEYS = {"code", "name_id", "name_en", "children"}
_NAME_MAX = Category._meta.get_field("name_id").max_length


class CategoryDataError(ValueError):
    """The category file is malformed; the message says where."""


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_id: str
    name_en: str
    sort_order: int
    parent_code: str | None = None


CategoryLoadResult = LoadResult


def specs_from_json(path: Path = CATEGORIES_FILE) -> list[CategorySpec]:
    """Read ``{"categories": [{"code", "name_id", "name_en", "children"?: [...]}]}``.

    One level of sub-topics; the position in the file is the display order.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CategoryDataError(f"{path.name}: {exc}") from exc
    entries = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise CategoryDataError(f"{path.name}: expected an object with a 'categories' list")
    specs: list[CategorySpec] = []
    for index, entry in enumerate(entries):
        where = f"{path.name}: categories[{index}]"
        parent = _spec(entry, where, index + 1, None)
        specs.append(parent)
        children = entry.get("children", [])
        if not isinstance(children, list):
            raise CategoryDataError(f"{where}: 'children' must be a list")
        for i, child in enumerate(children):
            child_where = f"{where}.children[{i}]"
            if isinstance(child, dict) and "children" in child:
                raise CategoryDataError(f"{child_where}: only one level of sub-topics")
            specs.append(_spec(child, child_where, i + 1, parent.code))
    seen: set[str] = set()
    for spec in specs:
        if spec.code in seen:
            raise CategoryDataError(f"{path.name}: code {spec.code!r} appears twice")
        seen.add(spec.code)
    return specs


def _spec(entry: Any, where: str, order: int, parent: str | None) -> CategorySpec:
    if not isinstance(entry, dict):
        raise CategoryDataError(f"{where}: expected an object")
    if unknown := set(entry) - _KEYS:
        raise CategoryDataError(f"{where}: unknown keys {sorted(unknown)}")
    values = {}
    for key in ("code", "name_id", "name_en"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > _NAME_MAX:
            raise CategoryDataError(f"{where}: '{key}' must be a non-empty, short string")
        values[key] = value.strip()
    try:
        validate_slug(values["code"])
    except ValidationError as exc:
        raise CategoryDataError(f"{where}: code {values['code']!r} is not a slug") from exc
    return CategorySpec(sort_order=order, parent_code=parent, **values)


@transaction.atomic
def categories_load(*, specs: list[CategorySpec] | None = None) -> CategoryLoadResult:
    """Upsert the categories (the bundled file when ``specs`` is None) by code."""
    specs = specs_from_json() if specs is None else specs
    result = CategoryLoadResult(total=len(specs))
    existing = {c.code: c for c in Category.objects.all()}
    # Parents first: top-level topics, then sub-topics.
    for top_level in (True, False):
        new: list[Category] = []
        changed: list[Category] = []
        for spec in specs:
            if (spec.parent_code is None) != top_level:
                continue
            parent = existing.get(spec.parent_code) if spec.parent_code else None
            if spec.parent_code and parent is None:
                raise CategoryDataError(f"{spec.code}: unknown parent {spec.parent_code!r}")
            wanted = (spec.name_id, spec.name_en, parent.pk if parent else None, spec.sort_order)
            category = existing.get(spec.code)
            if category is None:
                new.append(
                    Category(
                        code=spec.code,
                        name_id=spec.name_id,
                        name_en=spec.name_en,
                        parent=parent,
                        sort_order=spec.sort_order,
                    )
                )
            elif (
                category.name_id,
                category.name_en,
                category.parent_id,
                category.sort_order,
            ) != wanted:
                category.name_id, category.name_en = spec.name_id, spec.name_en
                category.parent, category.sort_order = parent, spec.sort_order
                changed.append(category)
        Category.objects.bulk_create(new)
        if any(c.pk is None for c in new):  # a database without RETURNING
            ids = dict(
                Category.objects.filter(code__in=[c.code for c in new]).values_list("code", "pk")
            )
            for category in new:
                category.pk = ids[category.code]
        Category.objects.bulk_update(changed, ["name_id", "name_en", "parent", "sort_order"])
        existing.update((c.code, c) for c in new)
        result.created += len(new)
        result.updated += len(changed)
    return result
