import signal
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aduan.core.reconnect import DatabaseBackoff, call_with_reconnect
from aduan.workflow.tasks import sweep_schedule, sweep_slot


class Command(BaseCommand):
    help = (
        "Enqueue the periodic sweep (reminders, overdue, escalation, auto-close, pending "
        "notifications) every ADUAN_SWEEP_INTERVAL seconds. Several schedulers may run at "
        "once: they share the cache and enqueue one sweep per interval."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Enqueue for the current interval and exit."
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="Seconds between sweeps (default: ADUAN_SWEEP_INTERVAL).",
        )

    def handle(self, *args, once: bool, interval: int | None, **options) -> None:
        self.verbosity = options["verbosity"]
        interval = interval if interval is not None else settings.ADUAN_SWEEP_INTERVAL
        if not isinstance(interval, int) or interval < 1:
            raise CommandError("The sweep interval must be a whole number of seconds, at least 1.")
        if once:
            self._tick(interval)
            return
        if isinstance(cache, LocMemCache) or isinstance(
            getattr(cache, "_cache", None), LocMemCache
        ):
            self.stderr.write(
                "run_scheduler: the cache is local to this process, so schedulers on other "
                "machines would enqueue their own sweeps too (harmless, but wasted work)."
            )
        stop = threading.Event()

        def on_signal(signum, _frame) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"run_scheduler: enqueuing the sweep every {interval} s", ending="\n")
        self.stdout.flush()
        # A database restart must not end the scheduler: a tick that cannot reach the
        # database is retried with back-off until it can (or a signal asks us to stop).
        backoff = DatabaseBackoff(name="run_scheduler")
        while not stop.is_set():
            ticked, slot = call_with_reconnect(
                lambda: self._tick(interval), backoff=backoff, wait=stop.wait
            )
            if not ticked or slot is None:
                break
            # Sleep until the next slot starts (or a signal asks us to stop).
            stop.wait(max(0.0, (slot + 1) * interval - time.time()))
        self.stdout.write("run_scheduler: stopped")

    def _tick(self, interval: int) -> int:
        slot = sweep_slot(at=time.time(), interval=interval)
        if sweep_schedule(slot=slot, interval=interval):
            self.stdout.write(f"run_scheduler: sweep enqueued for slot {slot}")
        elif self.verbosity >= 2:
            self.stdout.write(f"run_scheduler: slot {slot} already enqueued by another scheduler")
        self.stdout.flush()
        return slot
