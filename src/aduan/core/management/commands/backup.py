"""``manage.py backup <file>``: the database and every stored file in one archive
(``aduan.core.backup``), safe to run while the site runs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from aduan.core.backup import backup_write


class Command(BaseCommand):
    help = "Write the database, the uploaded files and a manifest to one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write (e.g. aduan.tar.gz).")

    def handle(self, *args, file: Path, **options) -> None:
        manifest = backup_write(file, say=self.stdout.write)
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {file}: {counts['reports.report']} reports, "
            f"{counts['reports.reportevent']} events, {counts['reports.attachment']} "
            f"attachments, {len(manifest['files'])} files "
            f"({len(manifest['missing_files'])} missing).",
            self.style.SUCCESS,
        )
