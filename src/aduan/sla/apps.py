from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aduan.sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from django.core import checks

        from .policy import check_policy

        checks.register(check_policy)
