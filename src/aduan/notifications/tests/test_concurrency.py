"""Two writers of the same event at once (the sweep run twice, an action retried)."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections, transaction

from aduan.notifications import services
from aduan.notifications.models import Notification, NotificationKind
from aduan.notifications.services import notify


def _notify(report, event, reporter):
    return notify(
        recipients=[reporter],
        kind=NotificationKind.STATUS_CHANGED,
        report=report,
        event=event,
        key=f"event:{event.pk}",
    )


@pytest.mark.django_db
def test_a_writer_that_did_not_see_the_other_ones_rows_adds_none(report, status_event, reporter):
    first = _notify(report, status_event, reporter)
    # As if the first writer's rows were still invisible to the second one's check.
    with mock.patch.object(services, "_existing_keys", return_value=set()):
        second = _notify(report, status_event, reporter)
    assert Notification.objects.count() == 2
    assert sorted(row.pk for row in second) == sorted(row.pk for row in first)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises write transactions: two writers cannot overlap there",
)
def test_concurrent_writers_on_postgresql_make_one_row(report, status_event, reporter):
    first_wrote = threading.Event()
    second_waits = threading.Event()
    results: dict[str, list] = {}
    errors: list[BaseException] = []
    second_pid: list[int] = []

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = _notify(report, status_event, reporter)
                first_wrote.set()
                assert second_waits.wait(30), "the second writer never blocked on the key"
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            assert first_wrote.wait(30)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            with transaction.atomic():
                results["second"] = _notify(report, status_event, reporter)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    # Let the first writer commit only once the second is blocked on the unique key.
    deadline = time.monotonic() + 30
    observed_lock_wait = False
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and not second_waits.is_set():
            if second_pid:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [second_pid[0]]
                )
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    observed_lock_wait = True
                    second_waits.set()
                    break
            time.sleep(0.02)  # polling the server's view of the other session
    second_waits.set()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert observed_lock_wait, "the two writers did not overlap"
    assert Notification.objects.count() == 2
    assert len(results["first"]) == 2
    assert sorted(r.pk for r in results["second"]) == sorted(r.pk for r in results["first"])


@pytest.mark.django_db
def test_a_writer_that_finds_some_keys_taken_writes_the_others(
    report, status_event, reporter, officer
):
    first = _notify(report, status_event, reporter)
    # The second call did not see the reporter's rows: the INSERT keeps those and writes
    # the officer's; the call returns both, newest first, as the table's ordering does.
    with mock.patch.object(services, "_existing_keys", return_value=set()):
        second = notify(
            recipients=[reporter, officer],
            kind=NotificationKind.STATUS_CHANGED,
            report=report,
            event=status_event,
            key=f"event:{status_event.pk}",
        )
    assert Notification.objects.count() == 4
    assert sorted(row.pk for row in second) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )
    assert {row.pk for row in first} < {row.pk for row in second}
    assert [row.pk for row in second] == list(
        Notification.objects.filter(pk__in=[row.pk for row in second]).values_list("pk", flat=True)
    )
    officer_rows = [row for row in second if row.recipient_id == officer.pk]
    assert {row.channel for row in officer_rows} == {"in_app", "email"}
    for row in officer_rows:  # as the database holds them
        assert Notification.objects.get(pk=row.pk).idempotency_key == row.idempotency_key


@pytest.fixture
def no_insert_returning():
    """A database that cannot return ids from a multi-row INSERT (SQLite before 3.35).
    The feature is a property on SQLite and a cached value on PostgreSQL: patch both."""
    features = connection.features
    name = "can_return_rows_from_bulk_insert"
    with (
        mock.patch.object(type(features), name, False),
        mock.patch.dict(features.__dict__, {name: False}),
    ):
        assert not features.can_return_rows_from_bulk_insert
        yield


@pytest.mark.django_db
def test_without_insert_returning_the_rows_are_read_back(
    report, status_event, reporter, no_insert_returning
):
    first = _notify(report, status_event, reporter)
    with mock.patch.object(services, "_existing_keys", return_value=set()):
        second = _notify(report, status_event, reporter)
    assert len(first) == 2
    assert all(row.pk for row in first)
    assert sorted(row.pk for row in second) == sorted(row.pk for row in first)
    assert Notification.objects.count() == 2
