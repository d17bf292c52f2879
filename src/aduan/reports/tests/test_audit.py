"""The audit trail: append-only through the app, and ``verify_audit`` catches what is
done behind its back (raw SQL on the database)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.notifications.models import Notification
from aduan.reports.admin import ReportEventInline
from aduan.reports.audit import (
    AUDITED_COLUMNS,
    GENESIS,
    UNSIGNED,
    ChainTally,
    chain_verify,
    event_digest,
    event_mac,
    report_digest,
)
from aduan.reports.audit_keys import audit_keyring
from aduan.reports.models import AppendOnlyError, Report, ReportEvent
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
TABLE = ReportEvent._meta.db_table
REPORT_TABLE = Report._meta.db_table


def raw_delete_events(report: Report, *, seq: int | None = None) -> None:
    """Delete events with raw SQL, with the notifications that point at them (whoever
    erases a line of the timeline from the database has to remove those too)."""
    events = ReportEvent.objects.filter(report=report)
    if seq is not None:
        events = events.filter(seq=seq)
    Notification.objects.filter(event__in=events).delete()
    if seq is None:
        raw("DELETE FROM {table} WHERE report_id = %s", [report.pk])
    else:
        raw("DELETE FROM {table} WHERE report_id = %s AND seq = %s", [report.pk, seq])


def raw(sql: str, params: list, *, table: str = TABLE) -> None:
    """Write to the events table (or ``table``) behind the ORM's back, as someone with
    database access would."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(table)), params)


def sign_plain(event: ReportEvent, tracking_id: str) -> tuple[str, str]:
    """What the attacker of issue 12 did: a plain SHA-256, which needs no key."""
    return event.key_id, event_digest(event, tracking_id=tracking_id)


def sign_unkeyed(event: ReportEvent, tracking_id: str) -> tuple[str, str]:
    """The same, passing the events off as written before the chain was keyed."""
    event.key_id = event.row_digest = ""
    return "", event_digest(event, tracking_id=tracking_id)


def sign_with(key_id: str, key: bytes):
    def sign(event: ReportEvent, tracking_id: str) -> tuple[str, str]:
        event.key_id = key_id
        return key_id, event_mac(event, tracking_id=tracking_id, key=key)

    return sign


def rewrite_chain(report: Report, *, sign, edit_seq: int, from_seq: int | None = None) -> None:
    """Change event ``edit_seq``'s note and recompute every hash from ``from_seq`` (that
    event by default) with ``sign``, and the report's head: the chain is consistent again
    for whoever checks it with ``sign``."""
    events = list(ReportEvent.objects.filter(report=report).order_by("seq"))
    from_seq = from_seq or edit_seq
    prev = GENESIS if from_seq == 1 else events[from_seq - 2].hash
    for event in events[from_seq - 1 :]:
        if event.seq == edit_seq:
            event.note = "Laporan ini tidak dapat ditindaklanjuti."
        event.prev_hash = prev
        key_id, event.hash = sign(event, report.tracking_id)
        raw(
            "UPDATE {table} SET note = %s, prev_hash = %s, key_id = %s, row_digest = %s,"
            " hash = %s WHERE id = %s",
            [event.note, prev, key_id, event.row_digest, event.hash, event.pk],
        )
        prev = event.hash
    raw("UPDATE {table} SET audit_head = %s WHERE id = %s", [prev, report.pk], table=REPORT_TABLE)


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def verify_broken(*args: str) -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", *args, stdout=out)
    return out.getvalue(), excinfo.value


@pytest.fixture
def handled():
    """A report taken through the workflow: submitted, disposed, accepted, responded (4 events)."""
    citizen, admin_user = UserFactory(), NationalAdminFactory()
    agency = AgencyFactory()
    officer = AgencyAdminFactory(agency=agency)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB), tick=False):
        report = report_submit(
            reporter=citizen,
            channel="web",
            classification="complaint",
            title="Saluran air tersumbat di gang tiga",
            body="Saluran air di gang tiga tersumbat sampah dan meluap setiap kali hujan.",
            ip_address="2001:DB8:0:0:0:0:0:7",
        )
        report = wf.report_dispose(
            report=report, actor=admin_user, agency_id=agency.pk, ip_address="198.51.100.4"
        )
        report = wf.report_accept(report=report, actor=officer)
        report = wf.report_respond(
            report=report, actor=officer, body="Saluran sudah kami bersihkan pagi ini."
        )
    report.refresh_from_db()
    assert report.event_count == 4
    return report


@pytest.fixture
def bystander():
    """Another report, whose chain nobody touches: it must never be named."""
    report = ReportFactory()
    wf.report_comment(report=report, actor=report.reporter, body="Mohon segera ditangani.")
    return Report.objects.get(pk=report.pk)


# --- Intact -------------------------------------------------------------------------------


def test_an_intact_chain_passes(handled, bystander):
    output = verify()
    assert output.strip() == "Audit chain intact: 2 reports, 6 events"
    assert list(chain_verify()) == []


def test_an_empty_database_is_intact():
    assert verify().strip() == "Audit chain intact: 0 reports, 0 events"


def test_the_chain_links_each_event_to_the_one_before(handled):
    events = list(handled.events.order_by("seq"))
    assert [event.seq for event in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    ring = audit_keyring()
    for event in events:
        assert event.key_id == ring.signing_id
        assert event.hash == event_mac(event, tracking_id=handled.tracking_id, key=ring.signing_key)
    assert handled.audit_head == events[-1].hash
    # Each event vouches for the report's audited fields as they were after it.
    row = Report.objects.filter(pk=handled.pk).values_list(*AUDITED_COLUMNS).get()
    assert events[-1].row_digest == report_digest(row)
    assert events[0].row_digest != events[1].row_digest  # the disposition moved the report
    # The IPv6 address is hashed as the database gives it back (PostgreSQL's inet too).
    assert events[0].ip_address == "2001:db8::7"


# --- Tampering behind the ORM's back --------------------------------------------------------


def test_an_edited_event_is_named_with_its_report_and_seq(handled, bystander):
    raw(
        "UPDATE {table} SET note = %s WHERE report_id = %s AND seq = %s",
        ["Tidak ada tanggapan.", handled.pk, 4],
    )
    output, error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 4: was changed after it was written"
    ]
    assert bystander.tracking_id not in output
    assert error.returncode == 1  # what ``manage.py`` exits with
    assert "1 problem(s) in 1 of 2 reports" in str(error)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("to_status", "closed"),
        ("actor_id", None),
        ("is_public", False),
        ("ip_address", "192.0.2.1"),
        ("created_at", dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_any_recorded_field_edited_is_caught(handled, column, value):
    raw(
        f"UPDATE {{table}} SET {column} = %s WHERE report_id = %s AND seq = %s",  # noqa: S608 - fixed column names
        [value, handled.pk, 2],
    )
    output, _error = verify_broken()
    assert f"{handled.tracking_id} event 2: was changed after it was written" in output


def test_a_deleted_middle_event_is_a_gap(handled, bystander):
    raw_delete_events(handled, seq=2)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 2: missing (next found is 3)",
        f"{handled.tracking_id} event 3: does not follow the previous event",
    ]


def test_a_deleted_last_event_is_a_head_mismatch(handled):
    raw_delete_events(handled, seq=4)
    output, _error = verify_broken()
    # The response (event 4) moved the report to ``responded``: event 3 does not say so.
    assert output.splitlines() == [
        f"{handled.tracking_id} head: the newest events are missing",
        f"{handled.tracking_id} head: the report was changed without an event",
    ]


def test_every_event_deleted_is_a_head_mismatch(handled):
    raw_delete_events(handled)
    output, _error = verify_broken()
    assert output.splitlines() == [f"{handled.tracking_id} head: the newest events are missing"]


# --- The six tamperings of issue 12 -------------------------------------------------------


def test_an_edit_with_a_recomputed_plain_sha256_chain_is_caught(handled, bystander):
    """Issue 12's first attack: edit an event, recompute the plain SHA-256 of it and of
    every later one, move the head. Each no longer carries its key's HMAC."""
    rewrite_chain(handled, sign=sign_plain, edit_seq=2)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event {seq}: was changed after it was written" for seq in (2, 3, 4)
    ]
    assert bystander.tracking_id not in output


def test_a_chain_passed_off_as_written_before_keys_is_caught(handled):
    """The same attack, every event stripped of its key id (a chain from before ADR
    0018 verifies with the plain SHA-256): an unsigned chain is always reported."""
    rewrite_chain(handled, sign=sign_unkeyed, edit_seq=2, from_seq=1)
    output, _error = verify_broken()
    assert output.splitlines() == [f"{handled.tracking_id} head: {UNSIGNED}"]


def test_unsigned_events_after_a_signed_one_are_caught(handled):
    rewrite_chain(handled, sign=sign_unkeyed, edit_seq=3)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event {seq}: is not signed, after signed events" for seq in (3, 4)
    ]


def test_the_report_row_changed_without_an_event_is_caught(bystander):
    """Issue 12's second attack: ``UPDATE reports_report SET body=…, anonymous=false``."""
    report = report_submit(
        reporter=UserFactory(),
        channel="web",
        classification="complaint",
        title="Pungutan liar di kantor kelurahan",
        body="Petugas meminta uang tambahan untuk surat keterangan domisili setiap pagi.",
        anonymous=True,
    )
    assert verify().startswith("Audit chain intact")
    raw(
        "UPDATE {table} SET body = %s, anonymous = %s WHERE id = %s",
        [
            "Tidak ada pungutan, pelapor salah paham terhadap tarif resmi kelurahan.",
            False,
            report.pk,
        ],
        table=REPORT_TABLE,
    )
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{report.tracking_id} head: the report was changed without an event"
    ]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("title", "Judul yang diganti diam-diam"),
        ("confidential", True),
        ("status", "closed"),
        ("agency_id", None),
        ("merged_into_id", "bystander"),
        ("reporter_id", "bystander's reporter"),
        ("created_at", dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_any_audited_column_changed_without_an_event_is_caught(handled, bystander, column, value):
    value = {"bystander": bystander.pk, "bystander's reporter": bystander.reporter_id}.get(
        value, value
    )
    raw(
        f"UPDATE {{table}} SET {column} = %s WHERE id = %s",  # noqa: S608 - fixed column names
        [value, handled.pk],
        table=REPORT_TABLE,
    )
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} head: the report was changed without an event"
    ]


def test_columns_kept_without_an_event_are_not_audited(handled):
    """Deadlines, counters and ``updated_at`` change without an event: never flagged."""
    Report.objects.filter(pk=handled.pk).update(
        is_overdue=True,
        support_count=9,
        due_at=None,
        updated_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )
    assert verify().startswith("Audit chain intact")


def test_a_deleted_last_event_with_its_head_rewound_shows_in_the_report_row(handled):
    """Issue 12's third attack, done thoroughly: the response (event 4) deleted and the
    head set back to event 3. The row still says ``responded``, which event 3's digest
    does not: caught. (A deleted event that changed nothing in the row is caught by a
    checkpoint only: test_checkpoints.)"""
    third = ReportEvent.objects.get(report=handled, seq=3)
    raw_delete_events(handled, seq=4)
    raw(
        "UPDATE {table} SET event_count = 3, audit_head = %s WHERE id = %s",
        [third.hash, handled.pk],
        table=REPORT_TABLE,
    )
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} head: the report was changed without an event"
    ]


def test_reordered_events_are_caught(handled):
    """Issue 12's fourth attack: events 2 and 3 swapped (their seq exchanged)."""
    second, third = (ReportEvent.objects.get(report=handled, seq=n) for n in (2, 3))
    raw("UPDATE {table} SET seq = 99 WHERE id = %s", [second.pk])
    raw("UPDATE {table} SET seq = 2 WHERE id = %s", [third.pk])
    raw("UPDATE {table} SET seq = 3 WHERE id = %s", [second.pk])
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 2: does not follow the previous event",
        f"{handled.tracking_id} event 2: was changed after it was written",
        f"{handled.tracking_id} event 3: does not follow the previous event",
        f"{handled.tracking_id} event 3: was changed after it was written",
        f"{handled.tracking_id} event 4: does not follow the previous event",
    ]


def test_events_forged_with_a_wrong_key_are_caught(handled):
    """Issue 12's fifth attack: a guessed key under the real key's id."""
    key_id = audit_keyring().signing_id
    rewrite_chain(handled, sign=sign_with(key_id, b"k" * 32), edit_seq=3)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event {seq}: was changed after it was written" for seq in (3, 4)
    ]


def test_events_signed_with_a_key_nobody_configured_are_caught(handled):
    rewrite_chain(handled, sign=sign_with("k9", b"k" * 32), edit_seq=4)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 4: is signed with an unknown key 'k9'"
    ]


# --- Chains written before keys (ADR 0008) -------------------------------------------------


def make_legacy(report: Report) -> None:
    """Turn ``report``'s chain into what ADR 0008 wrote: plain SHA-256, no key, no digest."""
    rewrite_chain(report, sign=sign_unkeyed, edit_seq=0, from_seq=1)


def test_legacy_chains_are_reported_until_signed_once(handled, bystander):
    make_legacy(handled)
    make_legacy(bystander)
    before = {e.seq: e.hash for e in handled.events.all()}
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} head: {UNSIGNED}",
        f"{bystander.tracking_id} head: {UNSIGNED}",
    ]

    assert verify("--sign-legacy").splitlines() == [
        f"Signed 2 unsigned chains with key {audit_keyring().signing_id!r}"
    ]
    assert verify().strip() == "Audit chain intact: 2 reports, 6 events"
    # Only the last event was signed (with the report's digest now); the ones before keep
    # their plain hashes, which its HMAC covers.
    events = list(handled.events.order_by("seq"))
    assert [e.hash for e in events[:3]] == [before[1], before[2], before[3]]
    assert [bool(e.key_id) for e in events] == [False, False, False, True]
    # Running it again signs nothing. A legacy event edited now, with the plain hashes
    # after it recomputed, breaks the signed one, whose HMAC covers its link.
    assert verify("--sign-legacy").splitlines()[0].startswith("Signed 0 unsigned chains")

    def plain_until_signed(event, tracking_id):
        if event.key_id:  # cannot be signed again without the key
            return event.key_id, before_signed[event.pk]
        return sign_unkeyed(event, tracking_id)

    before_signed = {e.pk: e.hash for e in events}
    rewrite_chain(handled, sign=plain_until_signed, edit_seq=2)
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 4: was changed after it was written"
    ]


def test_a_legacy_chain_with_new_signed_events_verifies(handled):
    """Upgraded without --sign-legacy, a report's next event signs its chain."""
    make_legacy(handled)
    wf.report_close(report=handled, actor=handled.reporter)
    assert verify().strip() == "Audit chain intact: 1 reports, 5 events"


def test_a_broken_legacy_chain_is_left_unsigned(handled, bystander):
    make_legacy(handled)
    make_legacy(bystander)
    raw("UPDATE {table} SET note = %s WHERE report_id = %s AND seq = 2", ["x", handled.pk])
    output, error = verify_broken("--sign-legacy")
    assert output.splitlines() == [
        f"{handled.tracking_id} event 2: was changed after it was written",
        f"Signed 1 unsigned chains with key {audit_keyring().signing_id!r}",
    ]
    assert "1 broken chain(s) left unsigned" in str(error)
    assert not handled.events.exclude(key_id="").exists()


def test_sign_legacy_runs_alone(handled):
    with pytest.raises(CommandError, match="--sign-legacy takes no other option"):
        verify("--sign-legacy", "--tracking-id", handled.tracking_id)


# --- A clean workflow ----------------------------------------------------------------------


def test_every_action_of_the_workflow_verifies_clean(handled):
    """Each change of an audited field comes with its event: no false alarm."""
    desk = NationalAdminFactory()
    officer = AgencyAdminFactory(agency=handled.agency)
    report = wf.report_answer(report=handled, actor=handled.reporter, body="Belum bersih semua.")
    report = wf.report_return(report=report, actor=officer, reason="Bukan kewenangan kami.")
    report = wf.report_dispose(
        report=report,
        actor=desk,
        agency_id=handled.agency_id,
        title="Saluran air tersumbat di gang tiga RT 04",
        anonymous=True,
        confidential=True,
    )
    report = wf.report_set_flags(report=report, actor=desk, confidential=False)
    report = wf.report_redact(report=report, actor=desk, public_title="Saluran air tersumbat")
    report = wf.report_accept(report=report, actor=officer)
    report = wf.report_respond(report=report, actor=officer, body="Sudah kami bersihkan lagi.")
    report = wf.report_close(report=report, actor=handled.reporter)
    report = wf.report_reopen(report=report, actor=handled.reporter, reason="Tersumbat lagi.")
    wf.report_reporter_transfer(report=report, to_user=UserFactory(), note="Akun SMS.")
    duplicate = ReportFactory()
    wf.report_merge(report=duplicate, actor=desk, into=handled.tracking_id)
    assert verify().strip().startswith("Audit chain intact: 2 reports")
    # The sweep marks the response deadline overdue with its own events (events_append).
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=WIB), tick=False):
        from aduan.workflow.sweep import sweep_run

        assert sweep_run(now=dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)).overdue >= 1
    assert Report.objects.get(pk=handled.pk).is_overdue
    assert verify().strip().startswith("Audit chain intact: 2 reports")


def test_events_append_refuses_audited_changes(handled):
    from aduan.reports.audit import events_append

    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=handled.pk)
        with pytest.raises(ValueError, match="no audited field"):
            events_append(
                report=report,
                events=[ReportEvent(report=report, action="note")],
                confidential=True,
            )


# --- Options and efficiency ---------------------------------------------------------------


def test_tracking_id_checks_only_that_report(handled, bystander):
    raw("UPDATE {table} SET note = %s WHERE report_id = %s", ["diubah", handled.pk])
    assert verify("--tracking-id", bystander.tracking_id).strip() == (
        "Audit chain intact: 1 reports, 2 events"
    )
    # As a person types it: lower case, with a dash.
    typed = f"{handled.tracking_id[:5].lower()}-{handled.tracking_id[5:]}"
    output, _error = verify_broken("--tracking-id", typed)
    assert output.count(handled.tracking_id) == 4
    assert bystander.tracking_id not in output


@pytest.mark.parametrize("tracking_id", ["TIDAKADA22", "bukan id", ""])
def test_an_unknown_tracking_id_is_an_error(handled, tracking_id):
    with pytest.raises(CommandError, match="No report has the tracking id"):
        verify("--tracking-id", tracking_id)


def test_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        verify("--batch-size", "0")


def test_reports_are_walked_in_batches_with_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    reports = [ReportFactory() for _ in range(7)]
    for report in reports:
        for n in range(3):
            wf.report_comment(report=report, actor=report.reporter, body=f"Komentar ke-{n}")
    raw("UPDATE {table} SET note = %s WHERE report_id = %s AND seq = %s", ["x", reports[5].pk, 3])
    tally = ChainTally()
    # 7 reports, 3 per batch: (reports + their events) × 3 batches + the empty last batch.
    with django_assert_max_num_queries(7):
        breaks = list(chain_verify(batch_size=3, tally=tally))
    assert [str(b) for b in breaks] == [
        f"{reports[5].tracking_id} event 3: was changed after it was written"
    ]
    assert (tally.reports, tally.events) == (7, 28)


# --- Append-only through the app ------------------------------------------------------------


def test_the_orm_cannot_change_or_delete_an_event(handled):
    event = handled.events.order_by("seq").first()
    event.note = "diubah"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.filter(pk=event.pk).update(note="diubah")
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        handled.events.all().delete()
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.bulk_update([event], ["note"])
    with pytest.raises(AppendOnlyError):
        ReportEvent.objects.bulk_create([ReportEvent(report=handled, action="comment")])
    assert verify().startswith("Audit chain intact: 1 reports, 4 events")


def test_the_admin_cannot_add_change_or_delete_events(client, handled):
    operator = User.objects.create_superuser("operator@example.id", "sandi-rahasia-123")
    request = RequestFactory().get("/")
    request.user = operator
    event = handled.events.first()
    event_admin = admin.site._registry[ReportEvent]
    assert event_admin.has_view_permission(request, event)
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request, event)
    assert not event_admin.has_delete_permission(request, event)
    inline = ReportEventInline(Report, admin.site)
    assert not inline.has_add_permission(request, handled)
    assert not inline.has_change_permission(request, handled)
    assert not inline.has_delete_permission(request, handled)

    client.force_login(operator)
    change = reverse("admin:reports_reportevent_change", args=[event.pk])
    response = client.post(change, {"note": "diubah", "action": "comment"})
    assert response.status_code == 403
    delete = reverse("admin:reports_reportevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:reports_reportevent_changelist")
    # The bulk "delete selected" action is not offered, and posting it deletes nothing.
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert ReportEvent.objects.filter(pk=event.pk).exists()
    assert verify().startswith("Audit chain intact")


def test_a_full_save_of_a_stale_report_keeps_the_audit_head():
    """An admin form or script holding an old copy must not write an old head back."""
    from aduan.reports.models import Report, ReportEvent
    from aduan.reports.tests.factories import ReportFactory

    report = ReportFactory()
    stale = Report.objects.get(pk=report.pk)
    ReportEvent.objects.create(report=report, action="comment", note="baru")
    stale.title = "Judul yang diperbaiki oleh admin"
    stale.save()
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.title == "Judul yang diperbaiki oleh admin"
    assert fresh.event_count == 2
    ReportEvent.objects.create(report=report, action="comment", note="lagi")
    assert list(chain_verify()) == []
