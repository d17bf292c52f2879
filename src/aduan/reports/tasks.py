"""Attachments' background work (django-tasks): re-encoding an image sent through the web
or the API, so its decoding never holds a web worker (``attachments.attachment_reencode``)."""

from __future__ import annotations

from django_tasks import task

from .attachments import attachment_reencode


@task()
def attachment_reencode_task(attachment_id: int) -> str:
    """Strip one pending image of its metadata and make it visible, or refuse it."""
    return attachment_reencode(attachment_id=attachment_id)
