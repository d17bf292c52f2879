"""``manage.py verify_audit``: prove that no report event was changed or removed.

Walks every report's hash chain (``aduan.reports.audit.chain_verify``, a batch of reports
and their events per query pair), prints where a chain breaks and exits non-zero if one
does, so that a cron job or a monitoring check can alert on it. Operator output, in
English like the other commands.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aduan.core.tracking import normalise_tracking_id
from aduan.reports.audit import ChainTally, chain_verify
from aduan.reports.models import Report


class Command(BaseCommand):
    help = "Check that every report's audit chain is intact; exit 1 and say where it is not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tracking-id",
            action="append",
            dest="tracking_ids",
            metavar="ID",
            help="Check only this report (may be given more than once).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Reports read per query (their events are read in one more query).",
        )

    def handle(self, *args, tracking_ids: list[str] | None, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        wanted = None
        if tracking_ids:
            wanted = []
            for raw in tracking_ids:
                normalised = normalise_tracking_id(raw)
                if normalised is None or not Report.objects.filter(tracking_id=normalised).exists():
                    raise CommandError(f"No report has the tracking id {raw!r}")
                wanted.append(normalised)
        tally = ChainTally()
        broken_reports: set[str] = set()
        breaks = 0
        for chain_break in chain_verify(batch_size=batch_size, tracking_ids=wanted, tally=tally):
            breaks += 1
            broken_reports.add(chain_break.tracking_id)
            self.stdout.write(str(chain_break))
        if breaks:
            raise CommandError(
                f"Audit chain broken: {breaks} problem(s) in {len(broken_reports)} of "
                f"{tally.reports} reports checked"
            )
        self.stdout.write(
            f"Audit chain intact: {tally.reports} reports, {tally.events} events",
            self.style.SUCCESS,
        )
