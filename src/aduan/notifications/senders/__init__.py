"""The channels a notification can travel by, as a registry keyed by channel name.

A channel is one module that defines a ``ChannelSender`` subclass and calls
``register()`` with an instance; its app imports it from ``AppConfig.ready()`` (in-app
here; e-mail, SMS and X from their channel's app). ``services.notify`` writes one row per recipient
and registered channel the recipient can be reached on and has not switched off; the
worker hands each row of a ``delivered`` channel to its sender. Nothing else in the app
names a channel, so SMS or X are one new module each.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.notifications.models import Notification


class Unreachable(Exception):
    """The recipient can no longer be reached on this channel: the row is skipped."""


class Uncertain(Exception):
    """The message was handed over but no answer came back: nobody knows whether it left.
    The row fails for good instead of being retried, so that nobody gets it twice."""


class ChannelSender(abc.ABC):
    name: str = ""
    label: str = ""
    # False: writing the row is the delivery (the in-app list); True: a worker sends it.
    delivered: bool = True
    # True: the in-app list's short text (a sentence or two and the note); False: the
    # e-mail's (greeting, links, footer).
    brief: bool = False

    @abc.abstractmethod
    def reachable(self, users: Sequence[User]) -> set[int]:
        """The ids of ``users`` this channel can reach now (one query at most)."""

    def offered(self, user: User) -> bool:
        """Whether ``user``'s notification settings show this channel. A channel a user
        cannot be reached on (no SMS number, no X account) is not offered to them."""
        return True

    def enabled_by_default(self, user: User) -> bool:
        """The choice for a (kind, channel) pair that ``user`` never set."""
        return True

    @abc.abstractmethod
    def send(self, notification: Notification, *, started: Callable[[], None]) -> None:
        """Send ``notification``; call ``started()`` right before anything leaves the
        process (after connecting, before handing over the message). Raise on failure;
        raise ``Unreachable`` when the recipient can no longer be reached here, and
        ``Uncertain`` when the message may have left but its outcome is unknown."""


_registry: dict[str, ChannelSender] = {}


def register(sender: ChannelSender) -> ChannelSender:
    if not sender.name:
        raise ValueError("A channel needs a name.")
    _registry[sender.name] = sender
    return sender


def channels() -> dict[str, ChannelSender]:
    """Every registered channel by name, in registration order (``INSTALLED_APPS``)."""
    return _registry


def get_channel(name: str) -> ChannelSender:
    try:
        return channels()[name]
    except KeyError:
        raise LookupError(f"No notification channel named {name!r} is registered.") from None


def delivered_channel_names() -> list[str]:
    return [name for name, sender in channels().items() if sender.delivered]
