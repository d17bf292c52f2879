from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aduan.reports.models import Report
from aduan.reports.tests.factories import ReportFactory
from aduan.sla.calendar import WorkingCalendar
from aduan.sla.models import DeadlineKind, DeadlineState
from aduan.sla.selectors import (
    current_deadline,
    deadlines_for_report,
    deadlines_overdue,
    deadlines_to_remind,
    is_overdue,
)
from aduan.sla.services import deadline_cancel, deadline_meet, deadline_start

from .conftest import DISPOSED_AT

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
SUBMITTED_AT = dt.datetime(2026, 11, 27, 10, 0, tzinfo=WIB)


def handled(report):
    """Verified (met), disposed: response and completion open."""
    deadline_start(report=report, kind=DeadlineKind.VERIFICATION, start=SUBMITTED_AT)
    deadline_meet(report=report, kind=DeadlineKind.VERIFICATION, at=DISPOSED_AT)
    response = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    completion = deadline_start(report=report, kind=DeadlineKind.COMPLETION, start=DISPOSED_AT)
    return response, completion


def test_deadlines_for_report_gives_the_latest_non_cancelled_per_kind(report):
    assert deadlines_for_report(report) == {}
    response, completion = handled(report)
    assert deadlines_for_report(report) == {
        "verification_due": dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB),
        "response_due": response.due_at,
        "completion_due": completion.due_at,
    }
    # A cancelled clock disappears; the met verification stays.
    deadline_cancel(report=report, kinds=[DeadlineKind.COMPLETION])
    assert set(deadlines_for_report(report)) == {"verification_due", "response_due"}
    # A restarted clock replaces the older one.
    later = deadline_start(
        report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT + dt.timedelta(days=7)
    )
    deadline_meet(report=report, kind=DeadlineKind.RESPONSE)
    autoclose = deadline_start(report=report, kind=DeadlineKind.AUTOCLOSE, start=DISPOSED_AT)
    result = deadlines_for_report(report)
    assert result["response_due"] == later.due_at != response.due_at
    assert result["autoclose_at"] == autoclose.due_at


def test_current_deadline_is_the_earliest_open_one(report):
    assert current_deadline(report) is None
    response, completion = handled(report)
    assert current_deadline(report) == response
    deadline_meet(report=report, kind=DeadlineKind.RESPONSE)
    assert current_deadline(report) == completion


def test_is_overdue_only_after_the_due_second_and_while_open(report):
    response, _ = handled(report)
    assert not is_overdue(response, response.due_at)
    assert is_overdue(response, response.due_at + dt.timedelta(seconds=1))
    response.state = DeadlineState.MET
    assert not is_overdue(response, response.due_at + dt.timedelta(days=1))


def test_a_list_of_reports_reads_all_deadlines_in_one_query(agency_wib, django_assert_num_queries):
    for _ in range(5):
        handled(ReportFactory(agency=agency_wib))
    with django_assert_num_queries(2):
        reports = list(Report.objects.prefetch_related("deadlines").order_by("id"))
        results = [(deadlines_for_report(r), current_deadline(r)) for r in reports]
    assert all(len(due) == 3 and current.kind == "response" for due, current in results)


def test_overdue_and_reminder_selectors_for_the_sweep(report, agency_wib):
    response, completion = handled(report)  # response due Tue Dec 8, 23:59:59 WIB
    other, other_completion = handled(ReportFactory(agency=agency_wib))
    deadline_meet(report=other.report, kind=DeadlineKind.RESPONSE)
    calendar = WorkingCalendar()

    sunday = dt.datetime(2026, 12, 6, 12, 0, tzinfo=WIB)
    monday = dt.datetime(2026, 12, 7, 0, 0, tzinfo=WIB)
    wednesday = dt.datetime(2026, 12, 9, 0, 0, tzinfo=WIB)
    assert deadlines_to_remind(now=sunday, calendar=calendar) == []
    assert deadlines_to_remind(now=monday, calendar=calendar) == [response]
    response.reminded_at = monday
    response.save()
    assert deadlines_to_remind(now=monday, calendar=calendar) == []

    assert list(deadlines_overdue(now=response.due_at)) == []
    assert list(deadlines_overdue(now=wednesday)) == [response]
    response.overdue_at = wednesday
    response.save()
    assert list(deadlines_overdue(now=wednesday)) == []
    after_completion = completion.due_at + dt.timedelta(seconds=1)
    assert list(deadlines_overdue(now=after_completion)) == [completion, other_completion]
