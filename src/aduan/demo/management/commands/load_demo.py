"""``manage.py load_demo``: demo accounts for every role and a few hundred reports."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aduan.demo.loader import (
    DEFAULT_REPORTS,
    DEFAULT_SEED,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoError,
    demo_delete,
    demo_exists,
    demo_load,
)
from aduan.triage.services import router_train
from aduan.triage.store import router_forget

QUIET_LOGGERS = (
    "aduan.workflow",
    "aduan.sla",
    "aduan.notifications",
)


class Command(BaseCommand):
    help = (
        "Create the demo: one verified account per role (see README.md) and a few hundred "
        "reports in every status. Needs the directory (manage.py load_directory)."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then re-create it."
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the demo accounts exist already.",
        )
        parser.add_argument(
            "--reports",
            type=int,
            default=DEFAULT_REPORTS,
            help=f"How many reports to create (default {DEFAULT_REPORTS}).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with production settings (the demo passwords are public!).",
        )

    def handle(self, *args, reset=False, if_empty=False, reports=DEFAULT_REPORTS, **options):
        if reports < 0 or reports > 100_000:
            raise CommandError("--reports must be between 0 and 100000.")
        settings_module = str(getattr(settings, "SETTINGS_MODULE", None) or "")
        if settings_module.endswith(".production") and not options["allow_production"]:
            raise CommandError(
                "Refusing to create accounts with published passwords under production "
                "settings; pass --allow-production if this really is a demo server."
            )
        started = time.perf_counter()
        try:
            if demo_exists():
                if if_empty:
                    self.stdout.write("Demo data already present: nothing to do.")
                    return
                if not reset:
                    raise CommandError(
                        "The demo data is already loaded: use --reset to re-create it."
                    )
                removed = demo_delete()
                self.stdout.write(f"Removed the previous demo data ({removed} reports).")
            # A log line per action of every story is noise here, unless asked for (-v 2).
            quiet = [logging.getLogger(name) for name in QUIET_LOGGERS]
            previous_levels = [log.level for log in quiet]
            if options["verbosity"] < 2:
                for log in quiet:
                    log.setLevel(logging.WARNING)
            try:
                result = demo_load(reports=reports, seed=options["seed"])
            finally:
                for log, level in zip(quiet, previous_levels, strict=True):
                    log.setLevel(level)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        # The desk's queue suggests agencies from the first night on; here, at once.
        router = router_train(limit=settings.ADUAN_TRIAGE_TRAINING_LIMIT)
        router_forget()
        elapsed = time.perf_counter() - started
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(result.statuses.items()))
        self.stdout.write(
            f"Demo: {result.accounts} accounts, {result.citizens} other reporters, "
            f"{result.staff} agency staff without sign-in, {result.reports} reports "
            f"({statuses}; {result.overdue} overdue), {result.steps} actions, "
            f"{result.events} events, {result.attachments} attachments, "
            f"{result.templates} response templates, {result.supports} supports, "
            f"{result.programme_reports} reports tagged with a priority programme; "
            f"{result.notifications} e-mails older than a day marked sent."
        )
        if router is not None:
            self.stdout.write(
                f"Triage router {router.version}: trained on {router.examples} disposed "
                f"reports of {router.agencies} agencies."
            )
        if options["verbosity"] > 0:
            self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
            for account in DEMO_ACCOUNTS:
                agency = f"  [{account.agency_code}]" if account.agency_code else ""
                self.stdout.write(f"  {account.role:<15} {account.email}{agency}")
            self.stdout.write(
                "Staff then enter a two-factor code: `manage.py demo_totp <email>` prints "
                f"it, or add the secret {DEMO_TOTP_SECRET} to an authenticator app."
            )
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {elapsed:.1f} s"))
