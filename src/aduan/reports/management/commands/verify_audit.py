"""``manage.py verify_audit``: prove that no report event was changed or removed.

Walks every report's signed hash chain (``aduan.reports.audit.chain_verify``, a batch of
reports and their events per query pair), prints where a chain breaks and exits non-zero
if one does, so that a cron job or a monitoring check can alert on it. It also writes
signed checkpoints to keep outside the database and compares the database with one, and
signs the chains written before the chain was keyed (ADR 0018). Operator output, in
English like the other commands.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aduan.core.tracking import normalise_tracking_id
from aduan.reports.audit import ChainTally, chain_verify, chains_sign
from aduan.reports.audit_keys import audit_keyring
from aduan.reports.checkpoints import CheckpointError, checkpoint_read, checkpoint_write
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
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            type=Path,
            help="Also check that every chain still holds the head this signed checkpoint "
            "recorded, and that no report in it is gone.",
        )
        parser.add_argument(
            "--export-checkpoint",
            metavar="FILE",
            type=Path,
            help="After a clean check, write the head of every chain, signed, to FILE "
            "(keep it outside the database).",
        )
        parser.add_argument(
            "--sign-legacy",
            action="store_true",
            help="Sign the chains written before the chain was keyed (ADR 0018), once, "
            "after the upgrade; a broken one is left as it is and reported.",
        )

    def handle(
        self,
        *args,
        tracking_ids: list[str] | None,
        batch_size: int,
        checkpoint: Path | None,
        export_checkpoint: Path | None,
        sign_legacy: bool,
        **options,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if sign_legacy and (tracking_ids or checkpoint or export_checkpoint):
            raise CommandError("--sign-legacy takes no other option but --batch-size")
        if export_checkpoint is not None and tracking_ids:
            raise CommandError("--export-checkpoint covers every report: without --tracking-id")
        if export_checkpoint is not None and not export_checkpoint.resolve().parent.is_dir():
            raise CommandError(f"No folder {export_checkpoint.resolve().parent} to write into")
        if sign_legacy:
            self._sign_legacy(batch_size)
            return
        wanted = self._wanted(tracking_ids)
        heads = None
        if checkpoint is not None:
            try:
                heads = checkpoint_read(checkpoint).heads
            except CheckpointError as error:
                raise CommandError(f"Checkpoint refused: {error}") from None
        tally = ChainTally(heads={} if export_checkpoint is not None else None)
        broken_reports: set[str] = set()
        breaks = 0
        for chain_break in chain_verify(
            batch_size=batch_size, tracking_ids=wanted, tally=tally, checkpoint=heads
        ):
            breaks += 1
            broken_reports.add(chain_break.tracking_id)
            self.stdout.write(str(chain_break))
        against = f" against the checkpoint {checkpoint}" if checkpoint is not None else ""
        if breaks:
            refused = " (no checkpoint written)" if export_checkpoint is not None else ""
            raise CommandError(
                f"Audit chain broken{against}: {breaks} problem(s) in {len(broken_reports)} "
                f"of {tally.reports} reports checked{refused}"
            )
        self.stdout.write(
            f"Audit chain intact{against}: {tally.reports} reports, {tally.events} events",
            self.style.SUCCESS,
        )
        if export_checkpoint is not None:
            written = checkpoint_write(export_checkpoint, heads=tally.heads or {})
            self.stdout.write(
                f"Checkpoint of {len(written.heads)} chains written to {export_checkpoint} "
                f"(signed with key {written.key_id!r} at {written.created_at})"
            )

    def _wanted(self, tracking_ids: list[str] | None) -> list[str] | None:
        if not tracking_ids:
            return None
        wanted = []
        for raw in tracking_ids:
            normalised = normalise_tracking_id(raw)
            if normalised is None or not Report.objects.filter(tracking_id=normalised).exists():
                raise CommandError(f"No report has the tracking id {raw!r}")
            wanted.append(normalised)
        return wanted

    def _sign_legacy(self, batch_size: int) -> None:
        result = chains_sign(batch_size=batch_size)
        for chain_break in result.refused:
            self.stdout.write(str(chain_break))
        key = audit_keyring().signing_id
        self.stdout.write(f"Signed {len(result.signed)} unsigned chains with key {key!r}")
        if result.refused:
            refused = {b.tracking_id for b in result.refused}
            raise CommandError(f"{len(refused)} broken chain(s) left unsigned (listed above)")
