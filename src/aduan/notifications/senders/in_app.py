"""The in-app list: the row is the notification, so there is nothing to send."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from aduan.notifications.models import NotificationChannel

from . import ChannelSender, register

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification


class InAppChannel(ChannelSender):
    name = NotificationChannel.IN_APP
    label = _("In the app")
    delivered = False
    brief = True

    def reachable(self, users: Sequence[User]) -> set[int]:
        return {user.pk for user in users if user.is_active}

    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        raise TypeError("In-app notifications are delivered by being written.")


register(InAppChannel())
