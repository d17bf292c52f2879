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
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tests.factories import AgencyAdminFactory, NationalAdminFactory, UserFactory
from aduan.agencies.tests.factories import AgencyFactory
from aduan.notifications.models import Notification
from aduan.reports.admin import ReportEventInline
from aduan.reports.audit import GENESIS, ChainTally, chain_verify, event_digest
from aduan.reports.models import AppendOnlyError, Report, ReportEvent
from aduan.reports.tests.factories import ReportFactory
from aduan.workflow import services as wf
from aduan.workflow.services import report_submit

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
TABLE = ReportEvent._meta.db_table


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


def raw(sql: str, params: list) -> None:
    """Write to the events table behind the ORM's back, as someone with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)


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
    for event in events:
        assert event.hash == event_digest(event, tracking_id=handled.tracking_id)
    assert handled.audit_head == events[-1].hash
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


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(handled):
    """Someone who also rewrites the event's hash still cannot rewrite the next event's
    ``prev_hash`` without breaking that one, and so on up to the report's head."""
    event = ReportEvent.objects.get(report=handled, seq=2)
    event.note = "Diteruskan ke instansi lain."
    forged = event_digest(event, tracking_id=handled.tracking_id)
    raw(
        "UPDATE {table} SET note = %s, hash = %s WHERE id = %s",
        [event.note, forged, event.pk],
    )
    output, _error = verify_broken()
    assert output.splitlines() == [
        f"{handled.tracking_id} event 3: does not follow the previous event"
    ]


def test_a_rewritten_last_event_shows_at_the_head(handled):
    event = ReportEvent.objects.get(report=handled, seq=4)
    event.note = "Laporan tidak dapat ditindaklanjuti."
    forged = event_digest(event, tracking_id=handled.tracking_id)
    raw("UPDATE {table} SET note = %s, hash = %s WHERE id = %s", [event.note, forged, event.pk])
    output, _error = verify_broken()
    assert output.splitlines() == [f"{handled.tracking_id} head: the newest events are missing"]


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
    assert output.splitlines() == [f"{handled.tracking_id} head: the newest events are missing"]


def test_every_event_deleted_is_a_head_mismatch(handled):
    raw_delete_events(handled)
    output, _error = verify_broken()
    assert output.splitlines() == [f"{handled.tracking_id} head: the newest events are missing"]


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
