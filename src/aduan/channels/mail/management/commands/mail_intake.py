"""Receive reports by e-mail: serve SMTP (``--smtp HOST:PORT``) or poll IMAP (``--imap``).

    manage.py mail_intake --smtp 0.0.0.0:2525       # behind the MX, or as the MX
    manage.py mail_intake --imap                   # poll ADUAN_MAIL_IMAP_URL every minute
    manage.py mail_intake --imap --once            # one poll (cron)

Between polls (and every ``--interval`` seconds while serving SMTP) answers that are
still waiting are sent, so nothing depends on a task worker being up. A database restart
does not end the command: a poll that cannot reach the database is retried with back-off
(:mod:`aduan.core.reconnect`); while serving SMTP, a message that arrives meanwhile is
answered with a temporary failure (451), so the sending server tries again later.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from aduan.channels.mail.delivery import mail_replies_send_pending
from aduan.channels.mail.imap import imap_mailbox, imap_poll
from aduan.channels.mail.smtp import smtp_controller
from aduan.core.reconnect import DatabaseBackoff, call_with_reconnect


def host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--smtp needs HOST:PORT, e.g. 127.0.0.1:2525 (got {value!r})")
    return host, int(port)


class Command(BaseCommand):
    help = "Receive reports by e-mail: serve SMTP (--smtp HOST:PORT) or poll IMAP (--imap)."

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--smtp", metavar="HOST:PORT", help="serve SMTP on this address")
        mode.add_argument("--imap", action="store_true", help="poll ADUAN_MAIL_IMAP_URL")
        parser.add_argument("--once", action="store_true", help="with --imap: poll once")
        parser.add_argument(
            "--interval", type=int, default=60, help="seconds between polls (default 60)"
        )

    def handle(self, *args, smtp: str | None, imap: bool, once: bool, interval: int, **options):
        if not settings.ADUAN_MAIL_INTAKE_ADDRESS:
            raise CommandError("Set ADUAN_MAIL_INTAKE_ADDRESS (the address reports go to).")
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        if smtp:
            self._serve_smtp(*host_port(smtp), interval=interval, stop=stop)
        else:
            try:
                imap_mailbox(settings.ADUAN_MAIL_IMAP_URL)
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
            backoff = DatabaseBackoff(name="mail_intake")
            while True:
                if once:  # from cron: fail loudly, the next run tries again
                    counts, sent = self._poll()
                else:
                    polled, result = call_with_reconnect(
                        self._poll, backoff=backoff, wait=stop.wait
                    )
                    if not polled or result is None:
                        break
                    counts, sent = result
                self.stdout.write(f"IMAP poll: {counts or 'nothing new'}; answers: {sent or '-'}")
                if once or stop.wait(interval):
                    break

    def _poll(self):
        return imap_poll(), mail_replies_send_pending()

    def _serve_smtp(self, host: str, port: int, *, interval: int, stop: threading.Event) -> None:
        controller = smtp_controller(host=host, port=port)
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from None
        self.stdout.write(
            f"Listening for mail to {', '.join(settings.ADUAN_MAIL_INTAKE_ADDRESS)} "
            f"on {host}:{port}"
        )
        backoff = DatabaseBackoff(name="mail_intake")
        try:
            while not stop.wait(interval):
                call_with_reconnect(mail_replies_send_pending, backoff=backoff, wait=stop.wait)
        finally:
            controller.stop()
