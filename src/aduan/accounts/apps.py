from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

TOKENS_JOB = "api_tokens"


class AccountsConfig(AppConfig):
    name = "aduan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from . import listeners
        from .mfa import signals_connect
        from .services import tokens_purge

        listeners.connect()
        signals_connect()

        def api_tokens_job(*, now, batch, stop_at) -> int | None:
            # Ended tokens wait 30 days to be deleted: once an hour is plenty.
            if now.minute != 45:
                return None
            return tokens_purge(now=now, batch=batch, stop_at=stop_at)

        periodic_register(name=TOKENS_JOB, function=api_tokens_job, order=57)
