"""``manage.py attachments_orphans``: find (and with ``--remove``, delete) attachment files
that no row points to. The periodic sweep already does this, one slice of the folders a
minute (``aduan.reports.orphans``); this command does every folder at once, e.g. after
restoring a backup of the files. Operator output, in English like the other commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from aduan.reports.orphans import ORPHAN_AGE, all_folders, orphans_sweep


class Command(BaseCommand):
    help = (
        "Count attachment files without a database row (older than a day); --remove deletes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--remove", action="store_true", help="Delete the orphan files (default: count)."
        )

    def handle(self, *args, remove: bool, **options) -> None:
        tally = orphans_sweep(folders=all_folders(), remove=remove)
        hours = int(ORPHAN_AGE.total_seconds() // 3600)
        self.stdout.write(
            f"{tally.files} files in {tally.folders} folders: {tally.orphans} without a row "
            f"and older than {hours} h ({tally.removed} removed), {tally.young} without a "
            "row but younger (left alone)."
        )
        if tally.orphans and not remove:
            self.stdout.write("Run again with --remove to delete them.")
