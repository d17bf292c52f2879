from django.core.management.base import BaseCommand, CommandError, CommandParser

from aduan.notifications.delivery import notifications_deliver_pending


class Command(BaseCommand):
    help = (
        "Settle notifications of workers that died mid-send and deliver the due ones no task "
        "took (written while the worker was down). Safe to run concurrently."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="At most this many rows.")

    def handle(self, *args, limit: int, **options) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        counts = notifications_deliver_pending(limit=limit)
        self.stdout.write(" ".join(f"{name}={count}" for name, count in sorted(counts.items())))
