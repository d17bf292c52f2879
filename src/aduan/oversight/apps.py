from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "aduan.oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from aduan.workflow.listeners import listener_register

        from .listeners import RollupListener

        listener_register(RollupListener())
