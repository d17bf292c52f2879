"""Tasks of the X channel (django-tasks). Replies to reports travel through the
notifications outbox; only answers to messages that made no report (refusals, claims)
are sent from here. ``x_media_attach`` fetches a post's photos after its report exists."""

from __future__ import annotations

from django_tasks import task

from .services import x_answer_deliver, x_media_attach_run


@task()
def x_answer_send(message_id: int) -> bool:
    return x_answer_deliver(message_id=message_id)


@task()
def x_media_attach(message_id: int) -> int:
    return x_media_attach_run(message_id=message_id)
