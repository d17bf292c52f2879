"""Reads: a user's in-app list, its unread count, and their preference table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from aduan.core.errors import NotFound

from .models import Notification, NotificationChannel, NotificationKind, NotificationPreference
from .senders import channels
from .services import ALWAYS_ON

if TYPE_CHECKING:
    from aduan.accounts.models import User


def notification_list_for_user(*, user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP).order_by(
        "-created_at", "-id"
    )


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """One of the user's in-app notifications; NotFound for a missing or someone else's."""
    try:
        return notification_list_for_user(user=user).get(pk=notification_id)
    except Notification.DoesNotExist:
        raise NotFound from None


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return notification_list_for_user(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class PreferenceCell:
    channel: str
    label: str
    enabled: bool
    locked: bool

    @property
    def field_name(self) -> str:
        return self.channel


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    cells: list[PreferenceCell]


def preference_table(*, user: User) -> list[PreferenceRow]:
    """Every kind × channel offered to ``user`` (SMS and X only to those who can be reached
    there) with their choice, or the channel's default for them."""
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "enabled"
        )
    }
    offered = [(name, sender) for name, sender in channels().items() if sender.offered(user)]
    return [
        PreferenceRow(
            kind=kind,
            label=str(label),
            cells=[
                PreferenceCell(
                    channel=name,
                    label=str(sender.label),
                    enabled=(kind, name) in ALWAYS_ON
                    or chosen.get((kind, name), sender.enabled_by_default(user)),
                    locked=(kind, name) in ALWAYS_ON,
                )
                for name, sender in offered
            ],
        )
        for kind, label in NotificationKind.choices
    ]
