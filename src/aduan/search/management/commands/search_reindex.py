"""Rebuild the search index of every report, in batches, with a progress bar."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from aduan.reports.models import Report
from aduan.search.services import search_entries_write

try:
    from tqdm import tqdm
except ImportError:  # pragma: no cover - tqdm is a dependency; plain counts without it
    tqdm = None


class Command(BaseCommand):
    help = "Rebuild the search index of every report (after a bulk load or a rule change)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size: int, **options):
        fields = ("id", "title", "body", "public_title", "public_body")
        total = Report.objects.count()
        bar = tqdm(total=total, unit="report", disable=None, file=sys.stderr) if tqdm else None
        written, last = 0, 0
        while True:
            batch = list(
                Report.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:batch_size]
            )
            if not batch:
                break
            with transaction.atomic():
                written += search_entries_write(batch)
            last = batch[-1].pk
            if bar is not None:
                bar.update(len(batch))
            elif options["verbosity"] > 1:
                self.stderr.write(f"{written}/{total}")
        if bar is not None:
            bar.close()
        self.stdout.write(f"Indexed {written} reports.")
