"""One archive holds the whole site: the database and every stored file (``manage.py
backup`` / ``restore``).

The database is dumped from one snapshot (PostgreSQL: ``pg_dump --format=custom`` in an
exported snapshot; SQLite: the online backup API), and the rows' counts and the files
to copy are read from that same snapshot, so a backup taken while the site runs is
consistent. Files are read through each ``FileField``'s storage (disk or object
storage). A manifest lists the counts and each member's SHA-256; restore checks both,
then runs ``verify_audit``. Operator output, in English like the other commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, models, transaction

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileColumn:
    """A ``FileField`` of a concrete model: where its names are and which storage holds them."""

    label: str
    field: models.FileField

    @property
    def storage(self):
        return self.field.storage


def _counted_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


def _file_columns() -> list[FileColumn]:
    return [
        FileColumn(model._meta.label_lower, field)
        for model in _counted_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_state(cursor) -> tuple[dict[str, int], list[tuple[FileColumn, str]]]:
    """Every model's row count and every stored file's name, through a DB-API ``cursor``
    (Django's or sqlite3's) that sees the snapshot being backed up or just restored."""
    counts = {}
    for model in _counted_models():
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(model._meta.db_table)}")  # noqa: S608
        counts[model._meta.label_lower] = cursor.fetchone()[0]
    files = []
    for column in _file_columns():
        table, name = _quote(column.field.model._meta.db_table), _quote(column.field.column)
        cursor.execute(f"SELECT {name} FROM {table} WHERE {name} <> '' ORDER BY 1")  # noqa: S608
        files.extend((column, row[0]) for row in cursor.fetchall())
    return counts, files


def _app_version() -> str:
    try:
        return version("aduan")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _vendor() -> str:
    if connection.vendor not in DUMPS:
        raise CommandError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """libpq's variables for the configured database: the password never goes on argv."""
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings.get(key):
            env[variable] = str(settings[key])
    options = settings.get("OPTIONS") or {}
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _pg_tool(name: str) -> str:
    """The client tool ``name``, refused when it is older than the server (it could not
    read or write the server's format)."""
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    output = subprocess.run(  # noqa: S603 - fixed argv
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if match is None or int(match.group(1)) < server:
        raise CommandError(
            f"{name} is version {output.strip()!r}, older than the server ({server}): install "
            f"the client of PostgreSQL {server} or newer."
        )
    return path


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"{Path(argv[0]).name} failed: {result.stderr.strip()}")


def _pg_dump(target: Path) -> tuple[dict[str, int], list[tuple[FileColumn, str]]]:
    """Dump in a snapshot exported by this connection and read the counts and file names in
    the same snapshot, so rows, counts and files agree while the site keeps writing."""
    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            _pg_env(),
        )
        return _read_state(cursor)


def _pg_restore(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    connections.close_all()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        _pg_env(),
    )


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_dump(target: Path) -> tuple[dict[str, int], list[tuple[FileColumn, str]]]:
    """SQLite's online backup: a consistent copy even while the web and the worker write."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        return _read_state(copy.cursor())
    finally:
        copy.close()


def _sqlite_restore(dump: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        raise CommandError("The configured SQLite database is in memory: nothing to restore into.")
    connections.close_all()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# --- Archive ------------------------------------------------------------------------------


class _Hashing:
    """A reader that hashes what passes through it, for files streamed into the archive."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_write(path: Path, *, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Write the archive to ``path`` (through a temporary file beside it, renamed at the
    end, so a half-written archive never has the final name); return its manifest."""
    vendor = _vendor()
    path = Path(path)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DUMPS[vendor]
        counts, files = (_pg_dump if vendor == "postgresql" else _sqlite_dump)(dump)
        members = {DUMPS[vendor]: {"sha256": _sha256_of(dump), "size": dump.stat().st_size}}
        stored: list[dict[str, Any]] = []
        missing: list[str] = []
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(dump, arcname=DUMPS[vendor])
                for number, (column, name) in enumerate(files, start=1):
                    member = f"files/{number:07d}"
                    try:
                        size = column.storage.size(name)
                        stream = column.storage.open(name, "rb")
                    except (FileNotFoundError, OSError):
                        missing.append(name)
                        say(f"warning: {column.label} file {name} is missing from the storage")
                        continue
                    with stream:
                        hashing = _Hashing(stream)
                        info = tarfile.TarInfo(member)
                        info.size = size
                        archive.addfile(info, hashing)
                    if hashing.size != size:
                        raise CommandError(f"{name} changed size while it was copied.")
                    members[member] = {"sha256": hashing.digest.hexdigest(), "size": size}
                    stored.append({"member": member, "model": column.label, "name": name})
                manifest = {
                    "format": FORMAT,
                    "created_at": dt.datetime.now(tz=dt.UTC).isoformat(),
                    "aduan_version": _app_version(),
                    "django_version": django.get_version(),
                    "database": vendor,
                    "counts": counts,
                    "files": stored,
                    "missing_files": missing,
                    "members": members,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _extract(path: Path, into: Path) -> dict[str, Any]:
    """Unpack the archive and check it against its manifest: every member listed, none
    more, each with its SHA-256."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(into, filter="data")
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, tarfile.TarError, ValueError, KeyError) as exc:
        raise CommandError(f"{path} is not an Aduan backup archive: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise CommandError(f"Unknown backup format {manifest.get('format')!r}.")
    present = {str(item.relative_to(into)) for item in into.rglob("*") if item.is_file()} - {
        MANIFEST
    }
    listed = set(manifest["members"])
    if present != listed:
        raise CommandError(
            f"The archive's members do not match its manifest (missing: "
            f"{sorted(listed - present)}, unexpected: {sorted(present - listed)})."
        )
    for member, expected in manifest["members"].items():
        if _sha256_of(into / member) != expected["sha256"]:
            raise CommandError(f"{member} is damaged: its SHA-256 differs from the manifest's.")
    return manifest


def _database_holds_data() -> str | None:
    """What the target already holds that a restore would replace (reports, accounts)."""
    tables = set(connection.introspection.table_names())
    held = []
    for label, what in (("reports.Report", "reports"), ("accounts.User", "accounts")):
        model = apps.get_model(label)
        if model._meta.db_table in tables and (count := model._base_manager.count()):
            held.append(f"{count} {what}")
    return " and ".join(held) or None


def _files_restore(manifest: dict[str, Any], root: Path) -> Iterator[str]:
    columns = {column.label: column for column in _file_columns()}
    for entry in manifest["files"]:
        column = columns.get(entry["model"])
        if column is None:
            raise CommandError(f"This version of Aduan has no model {entry['model']}.")
        storage, name = column.storage, entry["name"]
        if storage.exists(name):
            storage.delete(name)
        with (root / entry["member"]).open("rb") as stream:
            saved = storage.save(name, File(stream, name=Path(name).name))
        if saved != name:
            raise CommandError(f"The storage stored {name} as {saved}.")
        yield name


def _stored_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup_restore(
    path: Path, *, force: bool = False, say: Callable[[str], None] = print, stdout=None
) -> dict[str, Any]:
    """Restore the archive at ``path`` into the configured database and storage, then check
    the counts, every file's bytes and the audit chain; raise ``CommandError`` if any differ."""
    vendor = _vendor()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        manifest = _extract(Path(path), root)
        if manifest["database"] != vendor:
            raise CommandError(
                f"The archive holds a {manifest['database']} database; the configured one is "
                f"{vendor}."
            )
        if (held := _database_holds_data()) and not force:
            raise CommandError(
                f"The database already holds {held}; restoring replaces everything in it. "
                "Run again with --force to do so."
            )
        if manifest["aduan_version"] != _app_version():
            say(
                f"note: the backup was made by Aduan {manifest['aduan_version']}, this is "
                f"{_app_version()}; run `manage.py migrate` after the restore."
            )
        dump = root / DUMPS[vendor]
        (_pg_restore if vendor == "postgresql" else _sqlite_restore)(dump)
        say(f"database restored from {manifest['created_at']}")
        restored = sum(1 for _ in _files_restore(manifest, root))
        say(f"{restored} files restored")
    _verify(manifest)
    call_command("verify_audit", stdout=stdout)
    return manifest


def _verify(manifest: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        counts, files = _read_state(cursor)
    differ = {
        label: (expected, counts.get(label))
        for label, expected in manifest["counts"].items()
        if counts.get(label) != expected
    }
    if differ:
        raise CommandError(f"Row counts differ from the manifest (expected, found): {differ}")
    members = manifest["members"]
    for entry in manifest["files"]:
        column = next(c for c in _file_columns() if c.label == entry["model"])
        if _stored_sha256(column.storage, entry["name"]) != members[entry["member"]]["sha256"]:
            raise CommandError(f"{entry['name']} in the storage differs from the archive's.")
    listed = {entry["name"] for entry in manifest["files"]} | set(manifest["missing_files"])
    unlisted = sorted(name for _column, name in files if name not in listed)
    if unlisted:
        raise CommandError(f"Rows name files the archive does not hold: {unlisted[:5]}")
