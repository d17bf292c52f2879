"""The e-mail channel's task: send one answer (enqueued when its transaction commits)."""

from __future__ import annotations

from django_tasks import task

from .delivery import mail_reply_deliver


@task()
def send_mail_reply(reply_id: int) -> str:
    return mail_reply_deliver(reply_id=reply_id)
