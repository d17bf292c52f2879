"""IMAP polling against a real Dovecot on a loopback port, with a throwaway config.

Dovecot (Debian: dovecot-imapd, installed by .ci/run) is started per test module with a
static password and a Maildir under a temporary folder; messages are put in the mailbox
with IMAP APPEND, exactly as a mail server would deliver them.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from email import policy
from pathlib import Path

import pytest
from conftest import require_component
from django.core.management import call_command
from django.core.management.base import CommandError

from aduan.accounts.tests.factories import UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.channels.mail import services
from aduan.channels.mail.imap import imap_mailbox, imap_poll
from aduan.channels.models import InboundMessage, InboundStatus
from aduan.reports.models import EventAction, Report, Status
from aduan.reports.tests.factories import ReportFactory

from .conftest import TITLE, mail, replying_to, sent_about

USER, PASSWORD = "lapor", "rahasia-imap"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
{users}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dovecot():
    binary = shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    require_component("Dovecot", bool(binary), "apt-get install dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="aduan-dovecot-"))
    root.chmod(0o755)
    if os.getuid() == 0:
        uid = gid = 65534  # nobody: Dovecot will not keep mail as root
        users = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        name = os.environ.get("USER") or str(uid)
        users = f"default_internal_user = {name}\ndefault_login_user = {name}"
    (root / "home").mkdir()
    if os.getuid() == 0:
        os.chown(root / "home", uid, gid)
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(root=root, port=port, uid=uid, gid=gid, users=users, password=PASSWORD)
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while True:  # wait until it listens (a process starting, not a timing assumption)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not start: {process.stdout.read()!r} {log}")
            time.sleep(0.05)
    yield f"imap://{USER}:{PASSWORD}@127.0.0.1:{port}/INBOX"
    process.terminate()
    process.wait(timeout=20)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, settings):
    """An empty INBOX, and a client to fill and inspect it."""
    settings.ADUAN_MAIL_IMAP_URL = dovecot
    box = imap_mailbox(dovecot)
    client = imaplib.IMAP4(box.host, box.port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    if client.search(None, "ALL")[1][0]:
        client.store("1:*", "+FLAGS", "(\\Deleted)")
    client.expunge()
    yield client
    client.logout()


def deliver(client, message, flags: str | None = None) -> None:
    status, _data = client.append("INBOX", flags, None, message.as_bytes(policy=policy.SMTP))
    assert status == "OK"


def unseen(client) -> int:
    client.select("INBOX")
    return len(client.search(None, "UNSEEN")[1][0].split())


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return imap_poll(**kwargs)

    return run


pytestmark = pytest.mark.django_db


def test_unread_mail_becomes_reports_and_comments_and_is_marked_seen(mailbox, poll, mailoutbox):
    citizen = UserFactory(email="siti@warga.test", language="en")
    report = ReportFactory(reporter=citizen, agency=AgencyFactory(), status=Status.IN_PROGRESS)
    deliver(mailbox, mail())
    deliver(
        mailbox,
        mail(
            sender="siti@warga.test",
            subject=f"Re: [{report.tracking_id}] Report received",
            text="Lubangnya makin besar setelah hujan.",
            headers=replying_to(sent_about(report, citizen)),
        ),
    )
    deliver(mailbox, mail(subject="Sudah dibaca orang lain sebelumnya"), flags="(\\Seen)")
    assert poll() == {InboundStatus.ACCEPTED: 2}
    assert unseen(mailbox) == 0
    new = Report.objects.exclude(pk=report.pk).get()
    assert new.title == TITLE
    assert new.channel == "email"
    event = report.events.latest("id")
    assert (event.action, event.note) == (
        EventAction.COMMENTED,
        "Lubangnya makin besar setelah hujan.",
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["budi@warga.test", "siti@warga.test"]
    assert poll() == {}


def test_a_message_polled_again_acts_once(mailbox, poll):
    deliver(mailbox, mail())
    poll()
    mailbox.store("1", "-FLAGS", "(\\Seen)")  # the flag did not stick last time
    assert unseen(mailbox) == 1
    assert poll() == {InboundStatus.ACCEPTED: 1}
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert unseen(mailbox) == 0


def test_an_oversize_message_is_answered_without_being_read(mailbox, poll, mailoutbox, settings):
    settings.ADUAN_MAIL_MAX_BYTES = 100_000
    deliver(
        mailbox, mail(attachments=[("besar.pdf", b"%PDF-" + b"x" * 150_000, "application/pdf")])
    )
    assert poll() == {InboundStatus.REJECTED: 1}
    assert not Report.objects.exists()
    [answer] = mailoutbox
    assert "too large" in answer.subject
    assert answer.to == ["budi@warga.test"]
    assert unseen(mailbox) == 0


def test_a_message_that_fails_stays_unread_for_the_next_poll(mailbox, poll, monkeypatch):
    deliver(mailbox, mail())

    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services, "mail_receive", broken)
    assert poll() == {"failed": 1}
    assert unseen(mailbox) == 1
    monkeypatch.undo()
    assert poll() == {InboundStatus.ACCEPTED: 1}


def test_messages_that_keep_failing_do_not_block_newer_mail(mailbox, poll, monkeypatch):
    """Each poll takes at most ``limit`` unread messages. Before, the same first ones
    were taken every time: as many messages that always fail as the limit stopped the
    intake for good. Those that failed wait behind the new ones now, and are retried."""
    real_receive = services.mail_receive

    def receive(*, raw: bytes):
        if b"RACUN" in raw:
            raise ValueError("this message always breaks the handling")
        return real_receive(raw=raw)

    monkeypatch.setattr(services, "mail_receive", receive)
    deliver(mailbox, mail(subject="Laporan RACUN pertama yang selalu gagal"))
    deliver(mailbox, mail(subject="Laporan RACUN kedua yang selalu gagal"))
    deliver(mailbox, mail())
    assert poll(limit=2) == {"failed": 2}
    assert poll(limit=2) == {InboundStatus.ACCEPTED: 1, "failed": 1}
    assert Report.objects.get().title == TITLE
    assert unseen(mailbox) == 2  # the broken ones stay unread, to be retried
    monkeypatch.undo()
    assert poll(limit=2) == {InboundStatus.ACCEPTED: 2}
    assert unseen(mailbox) == 0


def test_a_wrong_password_is_an_error_not_a_silent_poll(dovecot, poll):
    with pytest.raises(imaplib.IMAP4.error):
        poll(url=dovecot.replace(PASSWORD, "salah"))


def test_the_command_polls_once(mailbox, settings, django_capture_on_commit_callbacks):
    deliver(mailbox, mail())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mail_intake", "--imap", "--once")
    assert Report.objects.count() == 1


def test_the_command_needs_the_intake_address_and_a_valid_mailbox(settings):
    settings.ADUAN_MAIL_INTAKE_ADDRESS = []
    with pytest.raises(CommandError, match="ADUAN_MAIL_INTAKE_ADDRESS"):
        call_command("mail_intake", "--imap", "--once")
    settings.ADUAN_MAIL_INTAKE_ADDRESS = ["lapor@aduan.test"]
    settings.ADUAN_MAIL_IMAP_URL = "pop3://x@host"
    with pytest.raises(CommandError, match="imaps://"):
        call_command("mail_intake", "--imap", "--once")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://lapor%40aduan.go.id:p%40ss%2Fw@mail.aduan.go.id/Pengaduan",
            ("mail.aduan.go.id", 993, "lapor@aduan.go.id", "p@ss/w", "Pengaduan", True),
        ),
        ("imap://u:p@127.0.0.1:1143", ("127.0.0.1", 1143, "u", "p", "INBOX", False)),
    ],
)
def test_the_mailbox_url_is_read(url, expected):
    box = imap_mailbox(url)
    assert (box.host, box.port, box.user, box.password, box.folder, box.ssl) == expected


@pytest.mark.parametrize("url", ["", "https://u:p@host", "imaps://host", "imaps://u:p@host:99999"])
def test_a_bad_mailbox_url_is_refused_clearly(url):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="ADUAN_MAIL_IMAP_URL"):
        imap_mailbox(url)


@pytest.mark.django_db(transaction=True)  # the command closes its connection, as in production
def test_the_polling_command_rides_out_a_database_outage(mailbox, monkeypatch):
    """The first two polls meet a database that refuses every query (as while PostgreSQL
    restarts): the command waits with back-off instead of dying, and the third poll turns
    the mail, left unread meanwhile, into a report."""
    import signal

    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    from aduan.channels.mail.management.commands.mail_intake import Command

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    deliver(mailbox, mail())
    real_poll = Command._poll
    polls = []

    def poll_through_an_outage(self):
        polls.append(len(polls) + 1)
        if len(polls) <= 2:
            with monkeypatch.context() as down:
                down.setattr(CursorWrapper, "execute", refuse)
                return real_poll(self)
        result = real_poll(self)
        os.kill(os.getpid(), signal.SIGTERM)  # the command's own handler stops it
        return result

    monkeypatch.setattr(Command, "_poll", poll_through_an_outage)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("mail_intake", "--imap", "--interval", "1")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert polls == [1, 2, 3]
    assert Report.objects.get().title == TITLE
    assert unseen(mailbox) == 0
