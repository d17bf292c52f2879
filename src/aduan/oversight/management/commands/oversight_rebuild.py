"""``manage.py oversight_rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD]``: count the reports
submitted in the range (all of them without one) into the daily roll-ups again."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aduan.oversight.rollup import rollups_analyze, rollups_rebuild
from aduan.reports.models import Report


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Rebuild the oversight roll-ups from the reports and their timelines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="since", type=_date, help="first submission day")
        parser.add_argument("--to", dest="until", type=_date, help="last submission day")
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, since=None, until=None, batch=2000, no_progress=False, **options):
        reports = Report.objects.all()
        if since:
            reports = reports.filter(created_at__date__gte=since)
        if until:
            reports = reports.filter(created_at__date__lte=until)
        with tqdm(
            total=reports.count(), unit="report", disable=no_progress, file=self.stderr._out
        ) as bar:
            counted = rollups_rebuild(since=since, until=until, batch=batch, progress=bar.update)
        rollups_analyze()
        self.stdout.write(f"Counted {counted} reports into the roll-ups.")
