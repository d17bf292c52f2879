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
