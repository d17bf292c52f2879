from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "aduan.channels.webhooks"
    label = "aduan_webhooks"
    verbose_name = _("Agency integration")
