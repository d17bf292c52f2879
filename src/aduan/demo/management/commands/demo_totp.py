"""``manage.py demo_totp <email>``: the code a demo staff account's authenticator app shows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aduan.demo.loader import DEMO_TOTP_SECRET, DemoError, demo_totp_code


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo account (staff must enter one after "
        "their password). The same codes come from any authenticator app given the demo "
        f"secret {DEMO_TOTP_SECRET}."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. admin.nasional@demo.aduan.test")

    def handle(self, *args, email: str, **options):
        try:
            code, seconds = demo_totp_code(email.strip())
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(code)
        if options["verbosity"] > 1:
            self.stdout.write(f"valid for {seconds} more seconds; each code signs in once")
