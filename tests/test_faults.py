"""The fault suite (issue 12): real components, real faults, and what each promise means.

- An e-mail handed to a real SMTP server just before the database restarts is recorded
  ``sent`` once the database is back, and ``uncertain`` (never re-sent) if it stays away.
- A ``db_worker`` killed mid-batch (SIGKILL while the SMTP server holds one message):
  after the stale-task reclaim and the sweep, another worker finishes the batch, and
  every message was delivered exactly once or is marked ``uncertain``.
- Two sweeps at once, in two processes, over due e-mails and overdue deadlines: each
  e-mail reaches the SMTP server once, each event is written once.
- A private Redis (the production cache: rate limits) stopped and started again under a
  load of submissions: the site keeps answering (no 500), nothing acknowledged is lost.

The database restart under load is ``test_database_restart.py``. Each test prints its
figures (requests, faults injected, messages or reports lost).
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.message import Message

import pytest
from test_server_smoke import free_port

# --- A real SMTP server -------------------------------------------------------------------


class SmtpSink:
    """An SMTP server on a loopback port (aiosmtpd) that keeps every message it accepts.

    ``on_message`` (if set) runs in a thread once a message's DATA has arrived, before
    the server answers 250: the moment a sender has handed the message over but does not
    know yet. The message counts as delivered from then on."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.on_message = None
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.port = self.controller.port

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        if self.on_message is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_message, message)
        return "250 Message accepted for delivery"

    def received(self) -> Counter:
        """How many messages arrived per Message-ID (headers unfolded)."""
        with self.lock:
            return Counter(
                re.sub(r"\s+", " ", str(message["Message-ID"])).strip() for message in self.messages
            )

    def env(self) -> dict[str, str]:
        """The settings (base.py's variables) that send a child process's e-mail here."""
        return {
            "ADUAN_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "ADUAN_EMAIL_HOST": "127.0.0.1",
            "ADUAN_EMAIL_PORT": str(self.port),
            "ADUAN_EMAIL_USE_TLS": "0",
        }


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def report(capsys):
    """``report(name, **figures)`` writes the test's figures to the terminal, past pytest's
    capture."""

    def write(name: str, **figures: object) -> None:
        line = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in figures.items())
        with capsys.disabled():
            sys.stdout.write(f"\n[{name}] {line}\n")

    return write


# --- An e-mail sent just before the database restarts -------------------------------------


@pytest.fixture
def email_row(transactional_db, settings, smtp_sink):
    """One pending e-mail notification (nothing delivers it but the test), and Django's
    SMTP backend pointed at the sink."""
    from aduan.accounts.tests.factories import UserFactory
    from aduan.notifications.models import Notification
    from aduan.notifications.services import notify
    from aduan.reports.tests.factories import ReportFactory

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    reporter = UserFactory(language="en")
    notify(
        recipients=[reporter],
        kind="comment_posted",
        report=ReportFactory(reporter=reporter),
        key="fault:restart",
    )
    return Notification.objects.get(channel="email")


@pytest.fixture
def database_restart(email_row, smtp_sink):
    """``arm(outage)``: when the sink next receives a message, the database "restarts"
    under the sender. On PostgreSQL its connection is killed and new ones are refused for
    ``outage`` seconds; on SQLite (a file nobody can kill) every query fails as a lost
    connection does for as long. Returns the figures and the timer that ends the outage."""
    from django.db import OperationalError, connection

    state = {"faults": 0, "down": False, "timer": None}
    admin = None
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        from test_database_restart import PostgresAdmin

        admin = PostgresAdmin(connection.settings_dict)

    def refuse(execute, sql, params, many, context):
        if state["down"]:
            state["faults"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    def back() -> None:
        state["down"] = False
        if admin is not None:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    def arm(outage: float) -> dict:
        if admin is not None:
            connection.ensure_connection()
            pid = connection.connection.info.backend_pid

        def restart(_message) -> None:
            state["down"] = True
            if admin is not None:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                state["faults"] += admin.execute("SELECT pg_terminate_backend(%s)", pid)[0][0]
            state["timer"] = threading.Timer(outage, back)
            state["timer"].start()

        smtp_sink.on_message = restart
        return state

    if admin is None:
        connection.execute_wrappers.append(refuse)
    try:
        yield arm
    finally:
        if state["timer"] is not None:
            state["timer"].join()
        back()
        if admin is None:
            connection.execute_wrappers.remove(refuse)
        else:
            admin.connection.close()


def test_an_email_sent_just_before_a_database_restart_is_recorded_sent(
    email_row, smtp_sink, database_restart, report
):
    from aduan.channels.mail.sender import message_id
    from aduan.notifications.delivery import notification_deliver
    from aduan.notifications.models import NotificationState

    figures = database_restart(1.5)
    started = time.monotonic()
    outcome = notification_deliver(notification_id=email_row.pk)
    took = time.monotonic() - started
    figures["timer"].join()
    email_row.refresh_from_db()
    received = smtp_sink.received()[message_id(email_row)]
    report(
        "sent before a restart",
        faults_injected=figures["faults"],
        outcome=outcome,
        state=email_row.state,
        messages_received=received,
        recorded_after=f"{took:.1f} s",
    )
    assert figures["faults"] >= 1  # the database did go away between send and record
    assert took >= 1.5  # and the worker waited for it
    assert outcome == "sent"
    assert (email_row.state, email_row.attempts, email_row.last_error) == (
        NotificationState.SENT,
        1,
        "",
    )
    assert email_row.sent_at is not None
    assert received == 1


def test_an_email_whose_record_outlasts_the_patience_is_uncertain_never_resent(
    email_row, smtp_sink, database_restart, monkeypatch, report
):
    from aduan.channels.mail.sender import message_id
    from aduan.core import outbox
    from aduan.notifications.delivery import (
        INTERRUPTED,
        notification_deliver,
        notifications_deliver_pending,
    )
    from aduan.notifications.models import NotificationState

    monkeypatch.setattr(outbox, "RECORD_PATIENCE_SECONDS", 0.5)
    figures = database_restart(2.0)
    with pytest.raises(outbox.SentNotRecorded):
        notification_deliver(notification_id=email_row.pk)
    figures["timer"].join()  # the database is back, too late for the worker
    email_row.refresh_from_db()
    # What the worker left: claimed, its send started, no outcome.
    assert email_row.state == NotificationState.SENDING
    assert email_row.send_started_at is not None

    from django.test import override_settings

    with override_settings(ADUAN_NOTIFICATION_CLAIM_TIMEOUT=0):
        counts = notifications_deliver_pending()
        again = notifications_deliver_pending()
    email_row.refresh_from_db()
    received = smtp_sink.received()[message_id(email_row)]
    report(
        "record outlasts patience",
        faults_injected=figures["faults"],
        sweep=counts,
        state=email_row.state,
        messages_received=received,
    )
    assert counts["uncertain"] == 1
    assert again.get("sent", 0) == 0
    assert (email_row.state, email_row.last_error) == (NotificationState.UNCERTAIN, INTERRUPTED)
    assert received == 1
