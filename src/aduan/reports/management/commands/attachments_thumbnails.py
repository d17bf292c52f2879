"""``manage.py attachments_thumbnails``: make the thumbnails the public cards show for the
ready images that have none (those stored before thumbnails existed). New images get
theirs when they are stored. Operator output, in English like the other commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from aduan.reports.attachments import attachments_thumbnails_make


class Command(BaseCommand):
    help = "Make the missing thumbnails of ready images, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=100, help="Images per batch (default: 100)."
        )

    def handle(self, *args, batch: int, **options) -> None:
        total, last = 0, 0
        while True:
            made, last = attachments_thumbnails_make(batch=max(batch, 1), after=last)
            if last is None:
                break
            total += made
            self.stdout.write(f"{total} thumbnails made so far (up to attachment {last})")
        self.stdout.write(f"{total} thumbnails made.")
