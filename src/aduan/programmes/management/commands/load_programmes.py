"""``manage.py load_programmes``: the national priority programmes, idempotently."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aduan.programmes.loaders import ProgrammeDataError, programmes_load


class Command(BaseCommand):
    help = (
        "Load the national priority programmes (KSP) from the bundled file: new ones are "
        "inserted, the ones the national admin already keeps are left as they are. Needs the "
        "categories (manage.py load_directory)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Put back the file's names, descriptions and order on existing programmes.",
        )

    def handle(self, *args, overwrite=False, **options):
        try:
            result = programmes_load(overwrite=overwrite)
        except ProgrammeDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Priority programmes: {result.total} ({result.created} new, "
            f"{result.updated} updated, {result.unchanged} unchanged)"
        )
