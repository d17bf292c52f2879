"""Loading the national directory of agencies (``agencies_load_directory``).

National bodies from ``data/national.json``, a government per province and regency/city
derived from the regions, then ``data/local_units.json``; matched by ``code``, inserted in
bulk, changes saved so that a move rewrites the subtree. Details: docs/demo.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from tqdm import tqdm

from aduan.agencies.models import (
    AGENCY_CODE_VALIDATOR,
    LOCAL_GOVERNMENT_KINDS,
    Agency,
    AgencyKind,
    Timezone,
)
from aduan.core.loading import LoadResult
from aduan.regions.models import Region, RegionLevel, timezone_for_code, title_name

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_FILE = DATA_DIR / "national.json"
LOCAL_UNITS_FILE = DATA_DIR / "local_units.json"

_ENTRY_KEYS = {"code", "name", "short_name", "kind", "region", "parent", "units"}
_NAME_MAX = Agency._meta.get_field("name").max_length
_SHORT_MAX = Agency._meta.get_field("short_name").max_length
# Where the usual short name is not "Pemprov <Name>".
_PROVINCE_SHORT_NAMES = {"34": "Pemda DIY"}


class AgencyDataError(ValueError):
    """The agency data is malformed; the message says where."""


@dataclass(frozen=True)
class AgencySpec:
    """One agency as the data describes it; ``parent_code``/``region_code`` name others."""

    code: str
    name: str
    kind: str
    short_name: str = ""
    parent_code: str | None = None
    region_code: str | None = None


AgencyLoadResult = LoadResult


# --- Reading the data -------------------------------------------------------------------


def specs_from_json(path: Path) -> list[AgencySpec]:
    """Flatten a JSON file of (nested) agencies into specs, parents before their units.

    The file holds ``{"agencies": [entry, ...]}``; an entry is ``{"code", "name",
    "short_name"?, "kind"?, "region"?, "parent"?, "units"?: [entry, ...]}``. ``kind`` is
    required at the top level without a parent and defaults to ``unit`` below. A top-level
    ``{"parent", "units"}`` without ``code`` hangs units under an agency loaded earlier.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AgencyDataError(f"{path.name}: {exc}") from exc
    entries = document.get("agencies") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise AgencyDataError(f"{path.name}: expected an object with an 'agencies' list")
    specs: list[AgencySpec] = []
    for index, entry in enumerate(entries):
        where = f"{path.name}: agencies[{index}]"
        if isinstance(entry, dict) and "code" not in entry and "parent" in entry:
            if set(entry) - {"parent", "units"}:
                raise AgencyDataError(f"{where}: a group holds only 'parent' and 'units'")
            parent = _text(entry, "parent", where, required=True)
            for i, unit in enumerate(_units(entry, where)):
                _flatten(unit, parent, f"{where}.units[{i}]", specs)
        else:
            _flatten(entry, None, where, specs)
    return specs


def _units(entry: dict[str, Any], where: str) -> list[Any]:
    units = entry.get("units", [])
    if not isinstance(units, list):
        raise AgencyDataError(f"{where}: 'units' must be a list")
    return units


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise AgencyDataError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _flatten(entry: Any, parent: str | None, where: str, out: list[AgencySpec]) -> None:
    if not isinstance(entry, dict):
        raise AgencyDataError(f"{where}: expected an object")
    if unknown := set(entry) - _ENTRY_KEYS:
        raise AgencyDataError(f"{where}: unknown keys {sorted(unknown)}")
    if parent is not None and "parent" in entry:
        raise AgencyDataError(f"{where}: a nested unit takes its parent from its place")
    parent = parent or _text(entry, "parent", where) or None
    kind = _text(entry, "kind", where) or (AgencyKind.UNIT if parent else "")
    if kind not in AgencyKind.values:
        raise AgencyDataError(f"{where}: unknown or missing kind {kind!r}")
    spec = AgencySpec(
        code=_text(entry, "code", where, required=True),
        name=_text(entry, "name", where, required=True),
        kind=kind,
        short_name=_text(entry, "short_name", where),
        parent_code=parent,
        region_code=_text(entry, "region", where) or None,
    )
    out.append(spec)
    for i, unit in enumerate(_units(entry, where)):
        _flatten(unit, spec.code, f"{where}.units[{i}]", out)


def local_government_specs() -> list[AgencySpec]:
    """A government for every province and every regency/city in the regions table."""
    specs: list[AgencySpec] = []
    for code, name in Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name"):
        title = title_name(name)
        specs.append(
            AgencySpec(
                code=f"prov-{code}",
                name=f"Pemerintah Provinsi {title}",
                short_name=_PROVINCE_SHORT_NAMES.get(code, f"Pemprov {title}")[:_SHORT_MAX],
                kind=AgencyKind.PROVINCE,
                region_code=code,
            )
        )
    for code, name, province in Region.objects.filter(level=RegionLevel.REGENCY).values_list(
        "code", "name", "parent_id"
    ):
        is_city = name.upper().startswith("KOTA ")
        # Kemendagri writes "KABUPATEN X" / "KOTA X" (Jakarta's: "KOTA ADMINISTRASI X").
        title = title_name(name.split(" ", 1)[1] if " " in name else name)
        short = title.removeprefix("Administrasi ")
        specs.append(
            AgencySpec(
                code=f"{'kota' if is_city else 'kab'}-{code}",
                name=f"Pemerintah {'Kota' if is_city else 'Kabupaten'} {title}",
                short_name=f"{'Pemkot' if is_city else 'Pemkab'} {short}"[:_SHORT_MAX],
                kind=AgencyKind.CITY if is_city else AgencyKind.REGENCY,
                parent_code=f"prov-{province}",
                region_code=code,
            )
        )
    return specs


# --- Writing -----------------------------------------------------------------------------


def _check(specs: Sequence[AgencySpec], existing: dict[str, Agency]) -> list[list[AgencySpec]]:
    """Validate the specs and group them by depth, so parents are written first."""
    by_code: dict[str, AgencySpec] = {}
    for spec in specs:
        if spec.code in by_code:
            raise AgencyDataError(f"agency code {spec.code!r} appears twice")
        try:
            AGENCY_CODE_VALIDATOR(spec.code)
        except ValidationError as exc:
            raise AgencyDataError(f"agency code {spec.code!r} is not valid") from exc
        if len(spec.name) > _NAME_MAX or len(spec.short_name) > _SHORT_MAX:
            raise AgencyDataError(f"{spec.code}: the name or short name is too long")
        if spec.kind == AgencyKind.UNIT and not spec.parent_code:
            raise AgencyDataError(f"{spec.code}: a unit needs a parent")
        if spec.kind in LOCAL_GOVERNMENT_KINDS and not spec.region_code:
            raise AgencyDataError(f"{spec.code}: a local government needs a region")
        by_code[spec.code] = spec

    regions = {s.region_code for s in specs if s.region_code}
    known = set(Region.objects.filter(code__in=regions).values_list("code", flat=True))
    if unknown := regions - known:
        raise AgencyDataError(f"unknown region codes {sorted(unknown)[:5]}")

    depth: dict[str, int] = {}

    def depth_of(code: str, trail: tuple[str, ...] = ()) -> int:
        if code in depth:
            return depth[code]
        if code in trail:
            raise AgencyDataError(f"agencies {' → '.join((*trail, code))} form a cycle")
        parent = by_code[code].parent_code
        if parent is None:
            depth[code] = 0
        elif parent in by_code:
            depth[code] = depth_of(parent, (*trail, code)) + 1
        elif parent in existing:
            depth[code] = 0
        else:
            raise AgencyDataError(f"{code}: unknown parent {parent!r}")
        return depth[code]

    levels: list[list[AgencySpec]] = []
    for spec in specs:
        d = depth_of(spec.code)
        while len(levels) <= d:
            levels.append([])
        levels[d].append(spec)
    return levels


def agencies_load(
    *, specs: Sequence[AgencySpec], progress: bool = False, desc: str = "Agencies"
) -> AgencyLoadResult:
    """Upsert ``specs`` by code (see the module docstring). Atomic; raises AgencyDataError."""
    result = AgencyLoadResult(total=len(specs))
    with (
        transaction.atomic(),
        tqdm(total=len(specs), unit=" agencies", disable=not progress, desc=desc) as bar,
    ):
        existing = {a.code: a for a in Agency.objects.all()}
        for level in _check(specs, existing):
            new: list[Agency] = []
            for spec in level:
                parent = existing[spec.parent_code] if spec.parent_code else None
                agency = existing.get(spec.code)
                if agency is None:
                    if spec.region_code:
                        tz = timezone_for_code(spec.region_code)
                    else:
                        tz = parent.timezone if parent else Timezone.WIB
                    new.append(
                        Agency(
                            code=spec.code,
                            name=spec.name,
                            short_name=spec.short_name,
                            kind=spec.kind,
                            parent=parent,
                            region_id=spec.region_code,
                            timezone=tz,
                        )
                    )
                elif _differs(agency, spec, parent):
                    agency.name, agency.short_name, agency.kind = (
                        spec.name,
                        spec.short_name,
                        spec.kind,
                    )
                    agency.parent, agency.region_id = parent, spec.region_code
                    agency.save()
                    result.updated += 1
            if new:
                Agency.objects.bulk_create(new, batch_size=500)
                if any(a.pk is None for a in new):  # a database without RETURNING
                    ids = dict(
                        Agency.objects.filter(code__in=[a.code for a in new]).values_list(
                            "code", "pk"
                        )
                    )
                    for agency in new:
                        agency.pk = ids[agency.code]
                for agency in new:
                    agency.path = f"{agency.parent.path if agency.parent else '/'}{agency.pk}/"
                Agency.objects.bulk_update(new, ["path"], batch_size=500)
                existing.update((a.code, a) for a in new)
                result.created += len(new)
            bar.update(len(level))
    return result


def _differs(agency: Agency, spec: AgencySpec, parent: Agency | None) -> bool:
    return (agency.name, agency.short_name, agency.kind, agency.parent_id, agency.region_id) != (
        spec.name,
        spec.short_name,
        spec.kind,
        parent.pk if parent else None,
        spec.region_code,
    )


def agencies_load_directory(
    *,
    national: Path = NATIONAL_FILE,
    local_units: Path | None = LOCAL_UNITS_FILE,
    progress: bool = False,
) -> dict[str, AgencyLoadResult]:
    """National bodies, then the derived local governments, then local units.

    The regions must be loaded first. Returns the counts of each part.
    """
    parts: list[tuple[str, Iterable[AgencySpec]]] = [
        ("national", specs_from_json(national)),
        ("local governments", local_government_specs()),
    ]
    if local_units is not None:
        parts.append(("local units", specs_from_json(local_units)))
    with transaction.atomic():
        return {
            name: agencies_load(specs=list(specs), progress=progress, desc=name.capitalize())
            for name, specs in parts
        }
