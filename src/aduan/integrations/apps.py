from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "aduan.integrations"
    label = "aduan_webhooks"
    verbose_name = _("Agency integration")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from .delivery import deliveries_deliver_pending

        def webhook_deliveries(*, now, batch, stop_at) -> dict[str, int]:
            """Agency webhooks due for (another) attempt that no task posted."""
            return deliveries_deliver_pending(limit=batch)

        periodic_register(name="webhook_deliveries", function=webhook_deliveries, order=30)

        from aduan.workflow.listeners import listener_register

        from .listeners import WebhooksListener

        # After the notifications' listener (INSTALLED_APPS order), as the rows always were.
        listener_register(WebhooksListener())
