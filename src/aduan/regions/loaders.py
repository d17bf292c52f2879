"""Loading Indonesia's administrative areas from the bundled Kemendagri CSV files.

The load is a diff, not a replace: the files are read, compared with what the database
holds, and only new rows are inserted (in bulk) and rows whose name or parent changed are
updated (in bulk). A second run therefore writes nothing. Rows that disappeared from the
files are kept by default, because reports, agencies and users point at regions with
``PROTECT``; ``prune=True`` deletes those of them that nothing references any more.

The data comes from idn-area-data 3.1.2 under the ODbL: see ``data/README.md``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import ProtectedError
from tqdm import tqdm

from aduan.regions.models import Region, RegionLevel

DATA_DIR = Path(__file__).resolve().parent / "data"

# (level, file, column naming the parent's code); parents come before their children.
SOURCES: tuple[tuple[RegionLevel, str, str | None], ...] = (
    (RegionLevel.PROVINCE, "provinces.csv", None),
    (RegionLevel.REGENCY, "regencies.csv", "province_code"),
    (RegionLevel.DISTRICT, "districts.csv", "regency_code"),
    (RegionLevel.VILLAGE, "villages.csv", "district_code"),
)

# Digits per segment of a code at each level: 32 / 32.73 / 32.73.01 / 32.73.01.1001.
_SEGMENT_WIDTHS = {1: 2, 2: 2, 3: 2, 4: 4}
_NAME_MAX = Region._meta.get_field("name").max_length
_BATCH = 5000
_COLUMNS = ("code", "name", "level", "parent")


class RegionDataError(ValueError):
    """A row of a region file is malformed; the message names the file and line."""


@dataclass
class LevelCounts:
    total: int = 0
    created: int = 0
    updated: int = 0
    stale: int = 0
    pruned: int = 0

    @property
    def unchanged(self) -> int:
        return self.total - self.created - self.updated


@dataclass
class RegionLoadResult:
    levels: dict[RegionLevel, LevelCounts] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.levels.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.levels.values())

    @property
    def total(self) -> int:
        return sum(c.total for c in self.levels.values())

    @property
    def stale(self) -> int:
        return sum(c.stale for c in self.levels.values())

    @property
    def pruned(self) -> int:
        return sum(c.pruned for c in self.levels.values())


def _read_rows(
    path: Path, level: RegionLevel, parent_column: str | None
) -> Iterator[tuple[str, str, str | None]]:
    """Yield ``(code, name, parent_code)``, checking every row's shape."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        expected = {"code", "name"} | ({parent_column} if parent_column else set())
        if not expected <= set(reader.fieldnames or ()):
            raise RegionDataError(
                f"{path.name}: expected columns {sorted(expected)}, got {reader.fieldnames}"
            )
        for line, row in enumerate(reader, start=2):
            code = (row["code"] or "").strip()
            name = (row["name"] or "").strip()
            parent = (row[parent_column] or "").strip() if parent_column else None
            segments = code.split(".")
            if len(segments) != level or any(
                len(s) != _SEGMENT_WIDTHS[i + 1] or not s.isdigit() for i, s in enumerate(segments)
            ):
                raise RegionDataError(f"{path.name}:{line}: {code!r} is not a level-{level} code")
            if parent_column and code.rsplit(".", 1)[0] != parent:
                raise RegionDataError(
                    f"{path.name}:{line}: {code!r} does not lie in its parent {parent!r}"
                )
            if not name or len(name) > _NAME_MAX:
                raise RegionDataError(f"{path.name}:{line}: the name of {code!r} is empty or long")
            yield code, name, parent


def regions_load(
    *,
    data_dir: Path = DATA_DIR,
    villages: bool = True,
    prune: bool = False,
    progress: bool = False,
) -> RegionLoadResult:
    """Insert new regions and update renamed ones from the CSV files, in one transaction.

    ``villages=False`` skips the 83,763 villages (the tests and quick set-ups do not need
    them). ``progress`` shows a tqdm bar on stderr. Raises ``RegionDataError`` on a bad row,
    leaving the database as it was.
    """
    sources = [s for s in SOURCES if villages or s[0] != RegionLevel.VILLAGE]
    # Reading and checking all files first (under a second) gives the bar its total and
    # leaves the database untouched when any file is bad.
    files = [
        (level, filename, bool(column), list(_read_rows(data_dir / filename, level, column)))
        for level, filename, column in sources
    ]
    result = RegionLoadResult()
    stale: dict[RegionLevel, list[str]] = {}
    with (
        transaction.atomic(),
        tqdm(
            total=sum(len(rows) for *_, rows in files),
            unit=" areas",
            disable=not progress,
        ) as bar,
    ):
        known_parents: set[str] = set()
        for level, filename, has_parent, rows in files:
            bar.set_description(str(level.label))
            counts = result.levels[level] = LevelCounts(total=len(rows))
            if has_parent and (missing := {p for _, _, p in rows if p not in known_parents}):
                raise RegionDataError(
                    f"{filename}: unknown parent codes {sorted(missing)[:5]}"
                    f"{' …' if len(missing) > 5 else ''}"
                )
            existing = {
                code: (name, parent)
                for code, name, parent in Region.objects.filter(level=level).values_list(
                    "code", "name", "parent_id"
                )
            }
            new: list[tuple[str, str, int, str | None]] = []
            changed: list[Region] = []
            seen: set[str] = set()
            for code, name, parent in rows:
                if code in seen:
                    raise RegionDataError(f"{filename}: code {code!r} appears twice")
                seen.add(code)
                current = existing.get(code)
                if current is None:
                    new.append((code, name, int(level), parent))
                elif current != (name, parent):
                    changed.append(Region(code=code, name=name, level=level, parent_id=parent))
            bar.update(len(rows) - len(new) - len(changed))
            for start in range(0, len(new), _BATCH):
                batch = new[start : start + _BATCH]
                _insert(batch)
                bar.update(len(batch))
            for start in range(0, len(changed), _BATCH):
                batch = changed[start : start + _BATCH]
                Region.objects.bulk_update(batch, ["name", "parent"], batch_size=500)
                bar.update(len(batch))
            counts.created, counts.updated = len(new), len(changed)
            stale[level] = sorted(set(existing) - seen)
            counts.stale = len(stale[level])
            # A stale row still exists, so its children in the next file are not orphans.
            known_parents = seen | set(stale[level])
        if prune:
            # Deepest first, so that a stale district goes before its stale regency.
            for level in sorted(stale, reverse=True):
                result.levels[level].pruned = _prune(stale[level])
    return result


def _insert(rows: list[tuple[str, str, int, str | None]]) -> None:
    """Insert plain rows, bypassing the ORM's per-object work.

    ``bulk_create`` spends most of a full load building 83,763 model instances and
    compiling them to SQL. PostgreSQL gets ``COPY`` (psycopg 3), about five times faster
    than multi-row ``INSERT``; SQLite gets the sqlite3 module's C ``executemany``. The
    table has no signals or defaults to honour, so nothing is skipped.
    """
    quote = connection.ops.quote_name
    table = quote(Region._meta.db_table)
    columns = ", ".join(quote(Region._meta.get_field(f).column) for f in _COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"  # noqa: S608 (names from _meta)
            cursor.executemany(sql, rows)


def _prune(codes: list[str]) -> int:
    """Delete each of ``codes`` that nothing (report, agency, child region) points at."""
    deleted = 0
    for code in codes:
        try:
            with transaction.atomic():
                Region.objects.filter(code=code).delete()
        except ProtectedError:
            continue
        deleted += 1
    return deleted
