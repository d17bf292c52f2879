"""KLAIM while another message from the same number is being handled.

A report the channel account makes while its number is being linked must end up with the
web account, never on the channel account the claim switches off (where nobody would see
it again). The identity row is the meeting point: a message locks it for its whole
transaction (``identity_user``), and so does a claim (``claim._link``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from aduan.accounts.tests.factories import UserFactory
from aduan.channels import claim
from aduan.channels.models import ChannelIdentity
from aduan.channels.services import identity_user
from aduan.channels.sms import services as sms_services
from aduan.channels.x import services as x_services
from aduan.channels.x.payload import Post
from aduan.reports.models import Report

PHONE = "+6281234500001"
LAPOR = "LAPOR Lampu jalan di Jalan Merdeka padam sejak seminggu, gelap dan rawan."

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: two messages cannot overlap there",
)


@pytest.fixture
def sms_settings(settings):
    settings.ADUAN_SMS_RATE = "100/h"
    settings.ADUAN_SMS_SHORTCODE = "1708"
    settings.ADUAN_KANNEL_SENDSMS_URL = ""
    return settings


def _lapor() -> None:
    sms_services.sms_receive(message_id="lapor-1", sender=PHONE, text=LAPOR)


def _pause_in(monkeypatch, target, name: str, reached: threading.Event, go: threading.Event):
    """Make ``target.name`` wait, once reached, until ``go``: a transaction held open."""
    real = getattr(target, name)

    def paused(*args, **kwargs):
        reached.set()
        assert go.wait(30), "never released"
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, paused)


def _run(work: Callable[[], object], errors: list, results: list) -> threading.Thread:
    def body() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                results.append(cursor.fetchone()[0])
            results.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def _waits_on_a_lock(pid_holder: list, thread: threading.Thread) -> bool:
    """Whether the session in ``thread`` comes to wait on a row lock (polled from the
    server's own view of it) before the thread ends."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and thread.is_alive():
            if pid_holder:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid_holder[0]]
                )
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    return True
            time.sleep(0.02)  # polling the server's view of the other session
    return False


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_report_being_written_when_the_number_is_claimed_moves_with_it(sms_settings, monkeypatch):
    citizen = UserFactory(email="budi@example.id", phone="")
    sms_account = identity_user(channel="sms", address=PHONE)
    _row, code = claim.claim_code_issue(user=citizen)
    in_submit, go = threading.Event(), threading.Event()
    _pause_in(monkeypatch, sms_services, "report_submit", in_submit, go)
    errors: list = []
    lapor_results: list = []
    lapor = _run(_lapor, errors, lapor_results)
    assert in_submit.wait(30)  # the LAPOR has its account, its report not yet written
    claim_results: list = []
    klaim = _run(
        lambda: claim.claim_redeem(channel="sms", address=PHONE, code=code),
        errors,
        claim_results,
    )
    claim_waited = _waits_on_a_lock(claim_results, klaim)
    go.set()
    for thread in (lapor, klaim):
        thread.join(60)
    assert not errors, errors
    assert claim_results[1].outcome == "linked"
    report = Report.objects.get()
    assert report.reporter == citizen
    assert not Report.objects.filter(reporter=sms_account).exists()
    assert claim_waited, "the claim did not wait for the message being handled"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_message_arriving_while_its_number_is_being_claimed_acts_for_the_web_account(
    sms_settings, monkeypatch
):
    citizen = UserFactory(email="budi@example.id", phone="")
    sms_account = identity_user(channel="sms", address=PHONE)
    _row, code = claim.claim_code_issue(user=citizen)
    in_merge, go = threading.Event(), threading.Event()
    _pause_in(monkeypatch, claim, "account_merge", in_merge, go)
    errors: list = []
    claim_results: list = []
    klaim = _run(
        lambda: claim.claim_redeem(channel="sms", address=PHONE, code=code),
        errors,
        claim_results,
    )
    assert in_merge.wait(30)  # the claim holds the number, its merge not yet done
    lapor_results: list = []
    lapor = _run(_lapor, errors, lapor_results)
    lapor_waited = _waits_on_a_lock(lapor_results, lapor)
    go.set()
    for thread in (klaim, lapor):
        thread.join(60)
    assert not errors, errors
    assert claim_results[1].outcome == "linked"
    report = Report.objects.get()
    assert report.reporter == citizen
    assert not Report.objects.filter(reporter=sms_account).exists()
    assert ChannelIdentity.objects.get(address=PHONE).user == citizen
    assert lapor_waited, "the message did not wait for the claim"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_klaim_and_a_first_lapor_from_a_new_number_at_once(sms_settings, monkeypatch):
    """The number's first message (LAPOR) makes its SMS account while its KLAIM, which
    found no identity yet, creates the link: the KLAIM waits on the unique index, then
    takes over the new account and its report instead of failing."""
    citizen = UserFactory(email="budi@example.id", phone="")
    _row, code = claim.claim_code_issue(user=citizen)
    in_submit, go = threading.Event(), threading.Event()
    _pause_in(monkeypatch, sms_services, "report_submit", in_submit, go)
    errors: list = []
    lapor_results: list = []
    lapor = _run(_lapor, errors, lapor_results)
    assert in_submit.wait(30)  # the SMS account exists in the LAPOR's transaction only
    claim_results: list = []
    klaim = _run(
        lambda: claim.claim_redeem(channel="sms", address=PHONE, code=code),
        errors,
        claim_results,
    )
    claim_waited = _waits_on_a_lock(claim_results, klaim)
    go.set()
    for thread in (lapor, klaim):
        thread.join(60)
    assert not errors, errors
    assert claim_waited
    assert claim_results[1].outcome == "linked"
    assert claim_results[1].reports_moved == 1
    assert Report.objects.get().reporter == citizen
    assert ChannelIdentity.objects.get(address=PHONE).user == citizen


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_dm_report_being_written_when_its_x_account_is_claimed_moves_with_it(
    settings, monkeypatch
):
    """The same on X, where the account is looked up before the rate check and again,
    locked, in the transaction that writes the report."""
    settings.ADUAN_X_ACCESS_TOKEN = ""  # the receipt stays in the outbox
    settings.ADUAN_X_HANDLE = "lapor1708"
    author = "1897000000000000042"
    citizen = UserFactory(email="budi@example.id", phone="")
    x_account = identity_user(channel="x", address=author, handle="@warga")
    _row, code = claim.claim_code_issue(user=citizen)
    in_submit, go = threading.Event(), threading.Event()
    _pause_in(monkeypatch, x_services, "report_submit", in_submit, go)
    post = Post(
        kind="dm",
        id="1897300000000000777",
        author_id=author,
        screen_name="warga",
        text=LAPOR.removeprefix("LAPOR "),
    )
    errors: list = []
    post_results: list = []
    receiving = _run(lambda: x_services.x_post_receive(post=post), errors, post_results)
    assert in_submit.wait(30)
    claim_results: list = []
    klaim = _run(
        lambda: claim.claim_redeem(channel="x", address=author, code=code),
        errors,
        claim_results,
    )
    claim_waited = _waits_on_a_lock(claim_results, klaim)
    go.set()
    for thread in (receiving, klaim):
        thread.join(60)
    assert not errors, errors
    assert (post_results[1], claim_results[1].outcome) == ("accepted", "linked")
    assert Report.objects.get().reporter == citizen
    assert not Report.objects.filter(reporter=x_account).exists()
    assert claim_waited, "the claim did not wait for the post being handled"
