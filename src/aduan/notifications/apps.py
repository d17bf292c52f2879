from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aduan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from aduan.core.periodic import periodic_register

        from .badge import unread_badge_on_change
        from .delivery import notifications_deliver_pending
        from .models import Notification

        for signal in (post_save, post_delete):
            signal.connect(unread_badge_on_change, sender=Notification, dispatch_uid="badge")
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

        from django.contrib.auth.signals import user_logged_out

        from .services import push_subscriptions_forget_session

        def push_off_at_sign_out(sender, request, user, **kwargs) -> None:
            """Signing out turns push off for the browsers subscribed in that session."""
            if user is not None and request is not None and hasattr(request, "session"):
                push_subscriptions_forget_session(user=user, session=request.session)

        user_logged_out.connect(
            push_off_at_sign_out, weak=False, dispatch_uid="aduan.push_off_at_sign_out"
        )
