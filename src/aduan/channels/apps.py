from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "aduan.channels"
    label = "aduan_channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from .x.services import x_media_requeue

        def x_media(*, now, batch, stop_at) -> int:
            """X posts whose photos no worker attached in time, enqueued again."""
            return x_media_requeue(now=now)

        periodic_register(name="x_media", function=x_media, order=40)
