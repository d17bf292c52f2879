"""Tasks of the agency webhooks (django-tasks; the database backend by default).

``deliver_webhook`` is enqueued on commit for every new delivery (and, on backends that
can defer, for each retry at its time); what no task took, the workflow sweep posts every
minute (``delivery.deliveries_deliver_pending``).
"""

from __future__ import annotations

from django_tasks import task

from .delivery import delivery_attempt


@task()
def deliver_webhook(delivery_id: int) -> str:
    return delivery_attempt(delivery_id=delivery_id)
