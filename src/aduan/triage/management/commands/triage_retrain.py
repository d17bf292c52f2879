"""``manage.py triage_retrain``: train a new router from Aduan's own history now (the
nightly job does the same), with a progress bar, and print its held-out figures."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from aduan.triage.services import router_train
from aduan.triage.store import router_forget


class Command(BaseCommand):
    help = "Train the triage router from the disposed reports and keep it as a new version."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=settings.ADUAN_TRIAGE_TRAINING_LIMIT,
            help="Learn from the newest this many disposed reports.",
        )

    def handle(self, *args, limit: int, **options):
        with tqdm(unit="step", file=self.stderr._out, disable=None) as bar:

            def progress(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            row = router_train(limit=max(1, limit), progress=progress)
        router_forget()
        if row is None:
            self.stdout.write(
                "Too little history: the desk has not yet disposed reports to two agencies."
            )
            return
        self.stdout.write(f"Router {row.version}: {row.examples} reports, {row.agencies} agencies.")
        self.stdout.write(json.dumps(row.metrics))
