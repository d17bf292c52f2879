"""``{% notification_badge %}``: the header link to the list with the unread count.

One COUNT over a partial index, kept a short while per user (``notifications.badge``),
and nothing at all for visitors who are not signed in.
"""

from __future__ import annotations

from django import template

from aduan.notifications.badge import unread_badge_count
from aduan.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/partials/badge.html", takes_context=True)
def notification_badge(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    count = unread_badge_count(user.pk, lambda: unread_count(user=user))
    return {"show": True, "unread": count}
