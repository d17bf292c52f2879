"""Tasks of the agency webhooks (django-tasks; the database backend by default).

``deliver_webhook`` is enqueued on commit for every new delivery (and, on backends that
can defer, for each retry at its time). ``deliver_pending_webhooks`` posts what no task
took; the workflow sweep calls ``delivery.deliveries_deliver_pending`` every minute, and
this task is the same for an installation that schedules it separately.
"""

from __future__ import annotations

from django_tasks import task

from .delivery import deliveries_deliver_pending, delivery_attempt


@task()
def deliver_webhook(delivery_id: int) -> str:
    return delivery_attempt(delivery_id=delivery_id)


@task()
def deliver_pending_webhooks(limit: int = 200) -> dict[str, int]:
    return deliveries_deliver_pending(limit=limit)
