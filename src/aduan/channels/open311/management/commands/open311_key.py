"""Issue, revoke and list Open311 API keys from the server's shell.

manage.py open311_key issue "Aplikasi Kota Bersih"
manage.py open311_key revoke o311_AbCdEf
manage.py open311_key list
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aduan.core.errors import DomainError

from ...models import Open311ApiKey
from ...services import api_key_issue, api_key_revoke


class Command(BaseCommand):
    help = "Issue, revoke or list Open311 API keys (the raw key is printed once, on issue)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a key to an organisation")
        issue.add_argument("organisation")
        revoke = sub.add_parser("revoke", help="revoke the key with this hint")
        revoke.add_argument("hint")
        sub.add_parser("list", help="list keys (hints only)")

    def handle(self, *args, action: str, **options) -> None:
        if action == "issue":
            try:
                key, raw = api_key_issue(actor=None, organisation=options["organisation"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"{raw}\n")
            self.stderr.write(
                f"Issued to {key.organisation} (hint {key.hint}). Shown once: store it now."
            )
        elif action == "revoke":
            keys = list(Open311ApiKey.objects.filter(hint=options["hint"]))
            if len(keys) != 1:
                raise CommandError(f"{len(keys)} keys have the hint {options['hint']!r}.")
            api_key_revoke(key=keys[0], actor=None)
            self.stdout.write(f"Revoked {keys[0]}.")
        else:
            for key in Open311ApiKey.objects.order_by("organisation", "-created_at"):
                state = "active" if key.is_active else "revoked"
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"{key.hint}\t{state}\t{used}\t{key.organisation}")
