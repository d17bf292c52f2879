from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "aduan.channels.open311"
    label = "aduan_open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        from . import spec  # noqa: F401 (registers itself)
