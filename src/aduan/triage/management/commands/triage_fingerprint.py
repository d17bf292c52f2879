"""``manage.py triage_fingerprint``: write the duplicate fingerprints of every open report
(after a bulk load, or a change of ``triage.duplicates``' constants), with a progress bar;
the rows of reports no longer open are dropped."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from aduan.reports.models import OPEN_STATUSES, Report
from aduan.triage.duplicates import fingerprints_write
from aduan.triage.models import Fingerprint, Signature


class Command(BaseCommand):
    help = "Write the duplicate fingerprints of every open report."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            batch_size = 1000
        dropped = 0
        for model in (Fingerprint, Signature):
            gone = model.objects.exclude(
                report__status__in=sorted(OPEN_STATUSES), report__merged_into__isnull=True
            )
            dropped += gone.delete()[0]
        open_reports = Report.objects.filter(
            status__in=sorted(OPEN_STATUSES), merged_into__isnull=True
        )
        fields = ("id", "title", "body", "public_title", "public_body", "status", "merged_into")
        bar = tqdm(total=open_reports.count(), unit=" reports", disable=None, file=sys.stderr)
        written, last = 0, 0
        while True:
            batch = list(open_reports.filter(pk__gt=last).order_by("pk").only(*fields)[:batch_size])
            if not batch:
                break
            written += fingerprints_write(batch)
            last = batch[-1].pk
            bar.update(len(batch))
        bar.close()
        self.stdout.write(f"Fingerprinted {written} open reports; dropped {dropped} stale rows.")
