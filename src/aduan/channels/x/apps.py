from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XChannelConfig(AppConfig):
    name = "aduan.channels.x"
    label = "aduan_channels_x"
    verbose_name = _("X (Twitter)")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from . import sender, spec  # noqa: F401 (each registers itself)
        from .services import x_media_requeue

        def x_media(*, now, batch, stop_at) -> int:
            """X posts whose photos no worker attached in time, enqueued again."""
            return x_media_requeue(now=now)

        periodic_register(name="x_media", function=x_media, order=40)
