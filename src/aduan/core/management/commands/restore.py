"""``manage.py restore <file>``: put a ``manage.py backup`` archive back into the
configured database and storage, then check counts, files and the audit chain
(``aduan.core.backup``). Stop the site first; an empty database only, unless --force."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from aduan.core.backup import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured (empty) database and the file storage, "
        "then verify the row counts, the files and the audit chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds reports or accounts.",
        )

    def handle(self, *args, file: Path, force: bool, **options) -> None:
        manifest = backup_restore(file, force=force, say=self.stdout.write, stdout=self.stdout)
        counts = manifest["counts"]
        self.stdout.write(
            f"Restored and verified: {counts['reports.report']} reports, "
            f"{counts['reports.reportevent']} events, {counts['reports.attachment']} "
            f"attachments, {len(manifest['files'])} files.",
            self.style.SUCCESS,
        )
