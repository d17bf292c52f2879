from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aduan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from .delivery import notifications_deliver_pending
        from .senders import (
            in_app,  # noqa: F401 (registers itself; channels add theirs)
            push,
        )

        def notifications(*, now, batch, stop_at) -> dict[str, int]:
            """Outbox rows no delivery task took (written while the worker was down)."""
            return notifications_deliver_pending(limit=batch)

        periodic_register(name="notifications", function=notifications, order=20)

        from django.core import checks

        @checks.register(checks.Tags.security)
        def vapid_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
            problem = push.vapid_settings_problem()
            return [checks.Error(problem, id="aduan.notifications.E001")] if problem else []

        from aduan.workflow.listeners import listener_register

        from .listeners import NotificationsListener

        listener_register(NotificationsListener())
