"""E-mail backends that misbehave on purpose, for the delivery tests.

The blocking ones are used by a real worker process (test_worker.py) that the test kills:
``ADUAN_TEST_MARKER`` names the file they write when they reach the point to be killed at.
"""

from __future__ import annotations

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class RefusingBackend(BaseEmailBackend):
    """The server answers every message with an error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(554, b"Transaction failed")


class UnreachableServerBackend(BaseEmailBackend):
    """The server cannot be reached: connecting fails, nothing is sent."""

    def open(self):
        raise ConnectionRefusedError("connection refused")

    def send_messages(self, email_messages):
        raise AssertionError("send_messages must not be reached when open() failed")


def _block(stage: str) -> None:
    Path(os.environ["ADUAN_TEST_MARKER"]).write_text(stage)
    # Wait to be killed; the test sends SIGKILL as soon as the marker exists.
    time.sleep(600)


class BlockAfterSendingBackend(FileBackend):
    """Writes the message (it has left), then hangs before reporting success."""

    def send_messages(self, email_messages):
        count = super().send_messages(email_messages)
        self.close()  # flush to disk: the message is out
        _block("sent")
        return count


class BlockWhileConnectingBackend(FileBackend):
    """Hangs while connecting: nothing has been handed over yet."""

    def open(self):
        _block("connecting")
        return super().open()


class SlowConnectBackend(BaseEmailBackend):
    """While this worker connects, the sweep decides its claim is stale and releases it."""

    def open(self):
        from datetime import timedelta

        from django.utils import timezone

        from aduan.notifications.delivery import notifications_recover_interrupted

        notifications_recover_interrupted(now=timezone.now() + timedelta(hours=1))

    def send_messages(self, email_messages):
        from django.core import mail

        mail.outbox.extend(email_messages)
        return len(email_messages)
