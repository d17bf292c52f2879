"""``manage.py load_directory``: regions, then agencies, then categories, idempotently."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from aduan.agencies.loaders import AgencyDataError, agencies_load_directory
from aduan.categories.loaders import CategoryDataError, categories_load
from aduan.core.memo import directory_changed
from aduan.regions.loaders import RegionDataError, regions_load
from aduan.regions.models import RegionLevel


class Command(BaseCommand):
    help = (
        "Load the national directory: Indonesia's regions (Kemendagri codes), the agencies "
        "(national bodies and every provincial and regency/city government) and the report "
        "categories. Safe to run again: it inserts what is new and updates what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-villages",
            action="store_true",
            help="Do not load the 83,763 villages (quicker; for tests and small set-ups).",
        )
        parser.add_argument(
            "--prune-regions",
            action="store_true",
            help="Delete regions no longer in the data files, unless something refers to them.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")

    def handle(self, *args, skip_villages=False, prune_regions=False, no_progress=False, **kw):
        progress = not no_progress and kw.get("verbosity", 1) > 0
        started = time.perf_counter()
        try:
            regions = regions_load(
                villages=not skip_villages, prune=prune_regions, progress=progress
            )
            region_seconds = time.perf_counter() - started
            agencies = agencies_load_directory(progress=progress)
            categories = categories_load()
        except (RegionDataError, AgencyDataError, CategoryDataError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            directory_changed()  # bulk writes send no signal (aduan.core.memo)
        elapsed = time.perf_counter() - started

        for level, counts in regions.levels.items():
            line = (
                f"{RegionLevel(level).label}: {counts.total} "
                f"({counts.created} new, {counts.updated} updated, {counts.unchanged} unchanged"
            )
            if counts.stale:
                line += f", {counts.stale} no longer in the data, {counts.pruned} deleted"
            self.stdout.write(line + ")")
        self.stdout.write(f"Regions loaded in {region_seconds:.1f} s")
        for part, counts in agencies.items():
            self.stdout.write(
                f"Agencies, {part}: {counts.total} "
                f"({counts.created} new, {counts.updated} updated, {counts.unchanged} unchanged)"
            )
        self.stdout.write(
            f"Categories: {categories.total} ({categories.created} new, "
            f"{categories.updated} updated, {categories.unchanged} unchanged)"
        )
        self.stdout.write(self.style.SUCCESS(f"Directory loaded in {elapsed:.1f} s"))
