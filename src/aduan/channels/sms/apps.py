from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsChannelConfig(AppConfig):
    name = "aduan.channels.sms"
    label = "aduan_channels_sms"
    verbose_name = _("SMS 1708")

    def ready(self) -> None:
        from . import sender, spec  # noqa: F401 (each registers itself)
