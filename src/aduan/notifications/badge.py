"""The header's unread count, kept in the shared cache for a short while per user: every
signed-in page shows it, and the COUNT was a statement on each of them.

Whatever changes a user's unread in-app rows forgets their count once the change
commits (``unread_badge_forget``): a new notification, marking read, an account
claimed, a row saved or deleted one by one (signals). ``BADGE_SECONDS`` bounds what a
write no code here hears of (raw SQL, a read that raced a commit) may leave stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from .models import NotificationChannel

IN_APP = NotificationChannel.IN_APP

BADGE_SECONDS = 30


def _key(user_id: int) -> str:
    return f"aduan:unread-badge:{user_id}"


def unread_badge_count(user_id: int, count: Callable[[], int]) -> int:
    """``count()``, the user's unread in-app notifications, or what it was a moment ago."""
    key = _key(user_id)
    value = cache.get(key)
    if value is None:
        value = count()
        cache.set(key, value, BADGE_SECONDS)
    return value


def unread_badge_forget(user_ids: Iterable[int | None]) -> None:
    """Forget the counts of ``user_ids`` once the transaction commits (a page read before
    would count the old rows again). Never inside it: the database cache's statement
    failing there would break the caller's transaction (a submission's, say); a cache
    that fails after the commit is logged, and the count is right ``BADGE_SECONDS`` later."""
    keys = [_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def unread_badge_on_change(sender: type, instance: Any, **_kwargs: Any) -> None:
    """``post_save``/``post_delete`` of an in-app notification: its recipient's count."""
    if instance.channel == IN_APP:
        unread_badge_forget([instance.recipient_id])
