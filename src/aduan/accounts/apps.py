from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aduan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .mfa import signals_connect

        signals_connect()
