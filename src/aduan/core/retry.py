"""The one retry schedule for everything Aduan sends out (notifications, webhooks, mail
replies): 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours, then give up."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def backoff_after(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1-based), capped at the last."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def worker_id() -> str:
    """Unique per delivery attempt: the host and process for people, a token for the claim."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(6)}"
