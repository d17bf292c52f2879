from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction

from aduan.accounts.tests.factories import UserFactory
from aduan.core.errors import NotFound, ValidationFailed
from aduan.notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationState,
)
from aduan.notifications.services import (
    DELIVERY_GROUP,
    _enqueue_deliveries,
    deliveries_grouped,
    notification_mark_read,
    notify,
    preference_set,
    preferences_update,
    wanted_cached,
)

pytestmark = pytest.mark.django_db


def _notify_status(report, event, recipients, **kwargs):
    return notify(
        recipients=recipients,
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=event,
        key=f"event:{event.pk}",
        **kwargs,
    )


def test_notify_writes_an_in_app_and_an_email_row_and_enqueues_on_commit(
    report, status_event, reporter, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = _notify_status(report, status_event, [reporter])
        assert Notification.objects.count() == 2
        assert mailoutbox == []  # nothing leaves before the commit

    by_channel = {row.channel: row for row in rows}
    assert set(by_channel) == {"in_app", "email"}
    assert by_channel["in_app"].state == NotificationState.SENT
    assert by_channel["email"].idempotency_key == f"event:{status_event.pk}:{reporter.pk}:email"
    # One delivery task (and the header's unread count forgotten, notifications.badge).
    assert len([c for c in callbacks if getattr(c, "func", None) is _enqueue_deliveries]) == 1
    # The test settings run tasks immediately: the commit delivered the e-mail.
    assert len(mailoutbox) == 1
    assert Notification.objects.get(channel="email").state == NotificationState.SENT


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(
    report, status_event, reporter, django_capture_on_commit_callbacks, mailoutbox
):
    class Boom(Exception):
        pass

    def change_that_fails():
        with transaction.atomic():
            _notify_status(report, status_event, [reporter])
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        change_that_fails()
    assert Notification.objects.count() == 0
    assert callbacks == []
    assert mailoutbox == []


def test_the_same_key_twice_writes_one_row_per_recipient_and_channel(
    report, status_event, reporter, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify_status(report, status_event, [reporter, reporter])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _notify_status(report, status_event, [reporter])
    assert callbacks == []
    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 1


def test_notify_is_four_queries_whatever_the_number_of_recipients(
    report, status_event, reporter, officer, django_assert_num_queries
):
    # Preferences, verified e-mail addresses, keys already written, one INSERT that
    # returns the new rows' ids (nothing read back).
    others = [UserFactory() for _n in range(3)]
    with django_assert_num_queries(4):
        rows = _notify_status(report, status_event, [reporter, officer, *others])
    assert len(rows) == 10
    assert all(row.pk for row in rows)
    assert sorted(row.pk for row in rows) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )


@pytest.fixture
def enqueued():
    """The (task name, keyword arguments) of every task enqueued during the test."""
    from django_tasks.signals import task_enqueued

    seen: list[tuple[str, dict]] = []

    def record(sender, task_result, **kwargs):
        seen.append((task_result.task.name, task_result.kwargs))

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def test_inside_deliveries_grouped_one_task_delivers_a_group_of_rows(
    report, reporter, officer, enqueued, mailoutbox, django_capture_on_commit_callbacks
):
    extra = 3
    with deliveries_grouped():
        for n in range(DELIVERY_GROUP // 2 + extra):  # two e-mail rows each, one commit each
            with django_capture_on_commit_callbacks(execute=True):
                notify(
                    recipients=[reporter, officer],
                    kind="comment_posted",
                    report=report,
                    key=f"g{n}",
                )
        # A full group left at once; the rest waits for the end of the block.
        assert [name for name, _kw in enqueued] == ["deliver_notifications"]
        assert len(mailoutbox) == DELIVERY_GROUP
    assert [name for name, _kw in enqueued] == ["deliver_notifications"] * 2
    grouped = [pk for _name, kwargs in enqueued for pk in kwargs["notification_ids"]]
    emails = Notification.objects.filter(channel="email")
    assert sorted(grouped) == sorted(emails.values_list("pk", flat=True))
    assert len(mailoutbox) == emails.count() == DELIVERY_GROUP + 2 * extra
    assert set(emails.values_list("state", flat=True)) == {NotificationState.SENT}
    # Outside the block: one task per row, as before.
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[reporter, officer], kind="comment_posted", report=report, key="h")
    assert [name for name, _kw in enqueued] == ["deliver_notification"] * 2


def test_inside_wanted_cached_the_recipients_choices_are_read_once_per_kind(
    report, status_event, reporter, officer, django_assert_num_queries
):
    with wanted_cached():
        with django_assert_num_queries(4):
            notify(recipients=[reporter, officer], kind="comment_posted", report=report, key="a")
        # Same kind and recipients: the keys already written and the INSERT only.
        with django_assert_num_queries(2):
            notify(recipients=[reporter, officer], kind="comment_posted", report=report, key="b")
        with django_assert_num_queries(4):  # another kind, or other recipients: read
            notify(recipients=[reporter, officer], kind="response_posted", report=report, key="c")
        with django_assert_num_queries(4):
            notify(recipients=[reporter], kind="comment_posted", report=report, key="d")
        preference_set(user=reporter, kind="comment_posted", channel="email", enabled=False)
        notify(recipients=[reporter, officer], kind="comment_posted", report=report, key="e")
    # The choice made inside the block applies from the next one on.
    assert (
        Notification.objects.filter(idempotency_key__startswith="e:", channel="email").count() == 2
    )
    notify(recipients=[reporter, officer], kind="comment_posted", report=report, key="f")
    assert list(
        Notification.objects.filter(idempotency_key__startswith="f:", channel="email").values_list(
            "recipient_id", flat=True
        )
    ) == [officer.pk]


def test_in_app_and_email_carry_the_same_subject_link_and_note(report, status_event, reporter):
    rows = {row.channel: row for row in _notify_status(report, status_event, [reporter])}
    # The in-app text is its own short one (test_in_app.py); subject, link and note agree.
    assert (rows["in_app"].subject, rows["in_app"].url) == (
        rows["email"].subject,
        rows["email"].url,
    )
    assert "Petugas sudah dijadwalkan" in rows["email"].body
    assert "Petugas sudah dijadwalkan" in rows["in_app"].body


def test_content_is_rendered_in_the_recipients_language(report, status_event, reporter):
    indonesian = UserFactory(language="id")
    report.reporter = reporter
    rows = _notify_status(report, status_event, [reporter, indonesian])
    english = next(r for r in rows if r.recipient_id == reporter.pk and r.channel == "email")
    assert english.subject == f"Report {report.tracking_id}: Being handled"
    assert "Hello Siti," in english.body
    assert "Petugas sudah dijadwalkan ke lokasi." in english.body
    assert f"http://127.0.0.1:8000/lacak/{report.tracking_id}/" in english.body
    assert english.url == f"/lacak/{report.tracking_id}/"
    other = next(r for r in rows if r.recipient_id == indonesian.pk and r.channel == "email")
    assert other.subject != english.subject


def test_the_report_excerpt_goes_to_the_reporter_only(report, status_event, reporter, officer):
    # In e-mail; the in-app text is a sentence and a link (test_in_app.py).
    rows = _notify_status(report, status_event, [reporter, officer])
    rows = [row for row in rows if row.channel == "email"]
    assert rows
    for row in rows:
        has_excerpt = "Sudah dua minggu lampu jalan" in row.body
        assert has_excerpt == (row.recipient_id == reporter.pk), row


def test_confidential_report_email_has_the_title_but_no_text(report, status_event, reporter):
    report.confidential = True
    report.save()
    rows = _notify_status(report, status_event, [reporter])
    email = next(r for r in rows if r.channel == "email")
    in_app = next(r for r in rows if r.channel == "in_app")
    assert report.title in email.body
    assert "Sudah dua minggu" not in email.body
    assert "Petugas sudah dijadwalkan" not in email.body
    assert "Petugas sudah dijadwalkan" in in_app.body


def test_anonymous_reporters_identity_never_reaches_staff(report, reporter, officer, status_event):
    report.anonymous = True
    report.save()
    rows = notify(
        recipients=[officer],
        kind=NotificationKind.DISPOSITION_RECEIVED,
        report=report,
        event=status_event,
        key="disposition:1",
        context={
            "reporter": reporter,
            "reporter_name": reporter.full_name,
            "staff_url": "/staf/laporan/1/",
            "agency_name": "Dinas Perhubungan",
        },
    )
    assert rows
    for row in rows:
        text = row.subject + row.body
        for secret in (reporter.full_name, reporter.email, reporter.phone, "Siti"):
            assert secret not in text
        assert row.url == "/staf/laporan/1/"
        assert "Dinas Perhubungan" in row.body


def test_email_only_to_a_verified_address(report, status_event, reporter):
    EmailAddress.objects.filter(user=reporter).update(verified=False)
    rows = _notify_status(report, status_event, [reporter])
    assert [row.channel for row in rows] == ["in_app"]


def test_preferences_switch_channels_off(report, status_event, reporter, officer):
    preference_set(
        user=reporter, kind=NotificationKind.STATUS_CHANGED, channel="email", enabled=False
    )
    preference_set(
        user=officer, kind=NotificationKind.STATUS_CHANGED, channel="email", enabled=False
    )
    preference_set(
        user=officer, kind=NotificationKind.COMMENT_POSTED, channel="in_app", enabled=False
    )
    rows = _notify_status(report, status_event, [reporter, officer])
    # Status changes always stay in the in-app list; e-mail was switched off.
    assert sorted((r.recipient_id, r.channel) for r in rows) == sorted(
        [(reporter.pk, "in_app"), (officer.pk, "in_app")]
    )
    comment = notify(
        recipients=[officer], kind=NotificationKind.COMMENT_POSTED, report=report, key="c:1"
    )
    assert [r.channel for r in comment] == ["email"]


def test_status_changes_in_app_cannot_be_switched_off(reporter):
    with pytest.raises(ValidationFailed):
        preference_set(
            user=reporter, kind=NotificationKind.STATUS_CHANGED, channel="in_app", enabled=False
        )
    with pytest.raises(ValidationFailed):
        preference_set(user=reporter, kind="nonsense", channel="email", enabled=False)
    with pytest.raises(ValidationFailed):
        preference_set(
            user=reporter, kind=NotificationKind.STATUS_CHANGED, channel="fax", enabled=False
        )


def test_preferences_update_sets_every_pair(reporter):
    preferences_update(user=reporter, enabled={(NotificationKind.RESPONSE_POSTED, "email")})
    off = set(
        NotificationPreference.objects.filter(user=reporter, enabled=False).values_list(
            "kind", "channel"
        )
    )
    assert (NotificationKind.RESPONSE_POSTED, "email") not in off
    assert (NotificationKind.RESPONSE_POSTED, "in_app") in off
    assert (NotificationKind.STATUS_CHANGED, "in_app") not in off
    # Every channel offered to a web user (in-app and e-mail; SMS and X reach nobody
    # here, so they are neither shown nor written), minus the two kept on.
    assert len(off) == len(NotificationKind.values) * 2 - 2
    assert {channel for _kind, channel in off} == {"in_app", "email"}


def test_inactive_users_get_nothing(report, status_event):
    gone = UserFactory(is_active=False)
    assert _notify_status(report, status_event, [gone]) == []


def test_invalid_calls_are_refused(report):
    with pytest.raises(ValueError, match="kind"):
        notify(recipients=[report.reporter], kind="bogus", report=report, key="k")
    with pytest.raises(ValueError, match="key"):
        notify(recipients=[report.reporter], kind="status_changed", report=report, key="")


def test_every_kind_renders_a_subject_and_a_body(report, reporter, officer):
    for kind in NotificationKind.values:
        rows = notify(
            recipients=[reporter, officer],
            kind=kind,
            report=report,
            key=f"every:{kind}",
            context={"note": "Catatan", "merged_into": "ABC", "agency_name": "Dinas"},
        )
        assert len(rows) == 4, kind
        for row in rows:
            assert row.subject
            assert report.tracking_id in row.subject
            assert "{%" not in row.body
            assert "{{" not in row.body
            assert ("/notifikasi/pengaturan/" in row.body) == (row.channel == "email")


def test_mark_read_one_all_and_someone_elses(report, status_event, reporter):
    rows = _notify_status(report, status_event, [reporter])
    in_app = next(r for r in rows if r.channel == "in_app")
    other = UserFactory()
    with pytest.raises(NotFound):
        notification_mark_read(user=other, notification_ids=[in_app.pk])
    email = next(r for r in rows if r.channel == "email")
    with pytest.raises(NotFound):  # only in-app rows are in the list
        notification_mark_read(user=reporter, notification_ids=[email.pk])
    assert notification_mark_read(user=reporter, notification_ids=[in_app.pk]) == 1
    assert notification_mark_read(user=reporter, notification_ids=[in_app.pk]) == 0
    notify(recipients=[reporter], kind="comment_posted", report=report, key="more")
    assert notification_mark_read(user=reporter, all_unread=True) == 1
    with pytest.raises(ValidationFailed):
        notification_mark_read(user=reporter, notification_ids=[])


def test_every_kind_the_workflow_announces_is_a_notification_kind():
    from aduan.workflow.listeners import NewsKind

    assert {str(kind) for kind in NewsKind} <= set(NotificationKind.values)


def test_a_group_task_goes_on_after_a_row_whose_delivery_raised(monkeypatch):
    from aduan.notifications import tasks

    delivered = []

    def deliver(*, notification_id):
        if notification_id == 2:
            raise RuntimeError("boom")
        delivered.append(notification_id)
        return "sent"

    monkeypatch.setattr(tasks, "notification_deliver", deliver)
    outcomes = tasks.deliver_notifications.call(notification_ids=[1, 2, 3])
    assert outcomes == {"sent": 2, "error": 1}
    assert delivered == [1, 3]


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_one_rendering_shared_by_recipients_gives_each_their_own_text(
    kind, report, status_event, reporter, officer
):
    """``notify`` renders once for recipients who see the same values but their name:
    the rows are exactly those of a rendering for each recipient alone."""
    from aduan.accounts.tests.factories import UnitOfficerFactory
    from aduan.notifications.services import _render

    others = [
        UnitOfficerFactory(full_name="Andi Wijaya", language="en"),
        UnitOfficerFactory(full_name="Dewi {{ Lestari }}\n\n\nX", language="en"),
        UnitOfficerFactory(full_name="Rina Putri", language="id"),
    ]
    context = {"note": "Catatan", "due": report.created_at.date(), "agency_name": "Dinas"}
    shared: dict = {}
    for recipient in [reporter, officer, *others]:
        for channel in ("in_app", "email"):
            arguments = {
                "kind": kind,
                "recipient": recipient,
                "channel": channel,
                "report": report,
                "event": status_event,
                "context": context,
            }
            alone = _render(**arguments)
            assert _render(**arguments, shared=shared) == alone
            assert recipient.get_short_name() in alone[0] + alone[1] or channel == "in_app"
    # Officers in one language share a text per channel; the reporter's differs.
    assert len([key for key in shared if key != "links"]) < 2 * 5
