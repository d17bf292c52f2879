"""Tasks of the X channel (django-tasks). Replies to reports travel through the
notifications outbox; only refusals, which have no report, are sent from here."""

from __future__ import annotations

from django_tasks import task

from .services import x_refusal_deliver


@task()
def x_refusal_send(message_id: int) -> bool:
    return x_refusal_deliver(message_id=message_id)
