"""Tasks of the notification outbox (django-tasks; the database backend by default).

``deliver_notification`` is enqueued on commit for every new row of a delivered channel;
``deliver_pending`` is the periodic sweep (run it every minute from the scheduler, or
``manage.py notifications_sweep`` from cron). The rules are in ``delivery.py``.
"""

from __future__ import annotations

from django_tasks import task

from .delivery import notification_deliver, notifications_deliver_pending


@task()
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


@task()
def deliver_pending(limit: int = 500) -> dict[str, int]:
    return notifications_deliver_pending(limit=limit)
