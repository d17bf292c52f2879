"""Loading the national priority programmes from ``data/programmes.json``.

The file seeds the list: programmes are matched by ``code`` and a new code is inserted
with its categories. An existing programme is the national admin's (the admin site):
it is left as it is unless ``overwrite``, which puts back the file's name, description
and order (never ``is_active`` nor the categories, which are the admin's decisions).
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

from .models import Programme

PROGRAMMES_FILE = Path(__file__).resolve().parent / "data" / "programmes.json"

_KEYS = {"code", "name", "description", "categories"}
_NAME_MAX = Programme._meta.get_field("name").max_length


class ProgrammeDataError(ValueError):
    """The programme file is malformed; the message says where."""


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    description: str
    ordering: int
    category_codes: tuple[str, ...] = ()


def specs_from_json(path: Path = PROGRAMMES_FILE) -> list[ProgrammeSpec]:
    """Read ``{"programmes": [{"code", "name", "description"?, "categories"?: [codes]}]}``;
    the position in the file is the display order."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProgrammeDataError(f"{path.name}: {exc}") from exc
    entries = document.get("programmes") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ProgrammeDataError(f"{path.name}: expected an object with a 'programmes' list")
    specs = [
        _spec(entry, f"{path.name}: programmes[{i}]", i + 1) for i, entry in enumerate(entries)
    ]
    codes = [spec.code for spec in specs]
    if duplicate := next((c for c in codes if codes.count(c) > 1), None):
        raise ProgrammeDataError(f"{path.name}: code {duplicate!r} appears twice")
    return specs


def _spec(entry: Any, where: str, order: int) -> ProgrammeSpec:
    if not isinstance(entry, dict):
        raise ProgrammeDataError(f"{where}: expected an object")
    if unknown := set(entry) - _KEYS:
        raise ProgrammeDataError(f"{where}: unknown keys {sorted(unknown)}")
    code, name = entry.get("code"), entry.get("name")
    for key, value in (("code", code), ("name", name)):
        if not isinstance(value, str) or not value.strip() or len(value) > _NAME_MAX:
            raise ProgrammeDataError(f"{where}: '{key}' must be a non-empty, short string")
    try:
        validate_slug(code.strip())
    except ValidationError as exc:
        raise ProgrammeDataError(f"{where}: code {code!r} is not a slug") from exc
    description = entry.get("description", "")
    categories = entry.get("categories", [])
    if not isinstance(description, str):
        raise ProgrammeDataError(f"{where}: 'description' must be a string")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise ProgrammeDataError(f"{where}: 'categories' must be a list of category codes")
    return ProgrammeSpec(
        code=code.strip(),
        name=name.strip(),
        description=description.strip(),
        ordering=order,
        category_codes=tuple(categories),
    )


@transaction.atomic
def programmes_load(
    *, specs: list[ProgrammeSpec] | None = None, overwrite: bool = False
) -> LoadResult:
    """Insert the programmes whose code is new (the bundled file when ``specs`` is None);
    with ``overwrite``, also put back the file's name, description and order. A category
    code the directory does not hold is an error (load the categories first)."""
    specs = specs_from_json() if specs is None else specs
    result = LoadResult(total=len(specs))
    existing = {p.code: p for p in Programme.objects.all()}
    categories = dict(Category.objects.values_list("code", "pk"))
    for spec in specs:
        if missing := [c for c in spec.category_codes if c not in categories]:
            raise ProgrammeDataError(f"{spec.code}: unknown categories {missing}")
        programme = existing.get(spec.code)
        if programme is None:
            programme = Programme.objects.create(
                code=spec.code,
                name=spec.name,
                description=spec.description,
                ordering=spec.ordering,
            )
            programme.categories.set([categories[c] for c in spec.category_codes])
            result.created += 1
        elif overwrite and (programme.name, programme.description, programme.ordering) != (
            spec.name,
            spec.description,
            spec.ordering,
        ):
            programme.name, programme.description = spec.name, spec.description
            programme.ordering = spec.ordering
            programme.save(update_fields=["name", "description", "ordering"])
            result.updated += 1
    return result
