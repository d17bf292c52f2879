"""Tasks of the notification outbox (django-tasks; the database backend by default).

``deliver_notification`` is enqueued on commit for every new row of a delivered channel
(``deliver_notifications`` for a group of them, inside ``services.deliveries_grouped``);
``deliver_pending`` is the periodic sweep (run it every minute from the scheduler, or
``manage.py notifications_sweep`` from cron). The rules are in ``delivery.py``.
"""

from __future__ import annotations

import logging
from collections import Counter

from django_tasks import task

from .delivery import notification_deliver, notifications_deliver_pending

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Deliver each row of a group, as ``deliver_notification`` would (each row claimed on
    its own). A row whose delivery raised is settled by the sweep's pass, like the row of a
    worker that died; the others go on. A count per outcome."""
    outcomes: Counter[str] = Counter()
    for notification_id in notification_ids:
        try:
            outcomes[notification_deliver(notification_id=notification_id)] += 1
        except Exception:
            logger.exception("notification %s: delivery failed", notification_id)
            outcomes["error"] += 1
    return dict(outcomes)


@task()
def deliver_pending(limit: int = 500) -> dict[str, int]:
    return notifications_deliver_pending(limit=limit)
