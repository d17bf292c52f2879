from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    OversightFactory,
    UserFactory,
)
from aduan.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from aduan.reports.models import Classification
from aduan.reports.tests.factories import ReportFactory
from aduan.sla.calendar import WorkingCalendar
from aduan.sla.models import DayOff, Deadline, DeadlineKind, DeadlineState
from aduan.sla.services import (
    calendar_current,
    day_off_add,
    day_off_remove,
    deadline_cancel,
    deadline_due,
    deadline_extend,
    deadline_meet,
    deadline_start,
    reminder_due_at,
)

from .conftest import DISPOSED_AT

pytestmark = pytest.mark.django_db

UTC = dt.UTC
WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


# --- deadline_due (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "zone", "local_due", "utc_due"),
    [
        # 23:30 Tue Dec 1 in WIB: five working days after Dec 1 is Tue Dec 8.
        (
            "Asia/Jakarta",
            WIB,
            dt.datetime(2026, 12, 8, 23, 59, 59),
            dt.datetime(2026, 12, 8, 16, 59, 59),
        ),
        # 00:30 Wed Dec 2 in WITA: five working days after Dec 2 is Wed Dec 9.
        (
            "Asia/Makassar",
            WITA,
            dt.datetime(2026, 12, 9, 23, 59, 59),
            dt.datetime(2026, 12, 9, 15, 59, 59),
        ),
        # 01:30 Wed Dec 2 in WIT.
        (
            "Asia/Jayapura",
            WIT,
            dt.datetime(2026, 12, 9, 23, 59, 59),
            dt.datetime(2026, 12, 9, 14, 59, 59),
        ),
    ],
)
def test_deadline_due_counts_from_the_local_date(tz, zone, local_due, utc_due):
    due = deadline_due(start=DISPOSED_AT, working_days=5, tz=tz, calendar=WorkingCalendar())
    assert due == local_due.replace(tzinfo=zone)
    assert due.tzinfo == zone
    assert due.astimezone(UTC) == utc_due.replace(tzinfo=UTC)


def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day():
    # Dec 1 + 60 days = Sat Jan 30, 2027 (WIB); Dec 2 + 60 = Sun Jan 31 (WITA): both Mon Feb 1.
    cal = WorkingCalendar()
    wib = deadline_due(start=DISPOSED_AT, calendar_days=60, tz="Asia/Jakarta", calendar=cal)
    wita = deadline_due(start=DISPOSED_AT, calendar_days=60, tz="Asia/Makassar", calendar=cal)
    assert wib == dt.datetime(2027, 2, 1, 23, 59, 59, tzinfo=WIB)
    assert wita == dt.datetime(2027, 2, 1, 23, 59, 59, tzinfo=WITA)
    # On a working day it stays: Mar 2, 2026 + 60 = Fri May 1 (Labour Day) → Mon May 4;
    # Mar 3 + 60 = Sat May 2 → Mon May 4; Mar 9 + 60 = Fri May 8 stays.
    start = dt.datetime(2026, 3, 9, 9, 0, tzinfo=WIB)
    assert deadline_due(start=start, calendar_days=60, tz="Asia/Jakarta", calendar=cal) == (
        dt.datetime(2026, 5, 8, 23, 59, 59, tzinfo=WIB)
    )
    labour_day = dt.datetime(2026, 3, 2, 9, 0, tzinfo=WIB)
    assert deadline_due(start=labour_day, calendar_days=60, tz="Asia/Jakarta", calendar=cal) == (
        dt.datetime(2026, 5, 4, 23, 59, 59, tzinfo=WIB)
    )


def test_deadline_due_refuses_bad_arguments():
    cal = WorkingCalendar()
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_due(
            start=dt.datetime(2026, 12, 1), working_days=3, tz="Asia/Jakarta", calendar=cal
        )
    with pytest.raises(ValueError, match="exactly one"):
        deadline_due(start=DISPOSED_AT, tz="Asia/Jakarta", calendar=cal)
    with pytest.raises(ValueError, match="exactly one"):
        deadline_due(
            start=DISPOSED_AT, working_days=1, calendar_days=1, tz="Asia/Jakarta", calendar=cal
        )


# --- deadline_start --------------------------------------------------------------------------


@time_machine.travel(DISPOSED_AT, tick=False)
def test_the_days_off_are_read_once_and_again_when_one_is_added_or_removed(
    django_assert_num_queries,
):
    """Each action's deadline reads the days off from the process's memo: once, then only
    after a day off is added or removed (the process that changed them at once)."""
    submitted = dt.datetime(2026, 11, 27, 10, 0, tzinfo=WIB)  # a Friday: due Wednesday

    def due() -> dt.datetime:
        return deadline_start(
            report=ReportFactory(), kind=DeadlineKind.VERIFICATION, start=submitted, first=True
        ).due_at

    assert due() == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB)
    report = ReportFactory()
    with django_assert_num_queries(1):  # the deadline's INSERT only
        deadline_start(report=report, kind=DeadlineKind.VERIFICATION, start=submitted, first=True)
    day_off = day_off_add(actor=NationalAdminFactory(), date=dt.date(2026, 11, 30), name="Libur")
    assert due() == dt.datetime(2026, 12, 3, 23, 59, 59, tzinfo=WIB)
    day_off_remove(actor=NationalAdminFactory(), day_off=day_off)
    assert due() == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB)


def test_verification_is_counted_in_wib_for_the_national_admin():
    report = ReportFactory()
    submitted = dt.datetime(2026, 11, 27, 10, 0, tzinfo=WIB)  # a Friday
    deadline = deadline_start(report=report, kind=DeadlineKind.VERIFICATION, start=submitted)
    assert deadline.agency is None
    assert deadline.timezone == "Asia/Jakarta"
    assert deadline.due_at == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB)
    assert deadline.rule == "3 hari kerja setelah 2026-11-27 (WIB)"
    assert (deadline.working_days, deadline.calendar_days) == (3, None)
    assert deadline.state == DeadlineState.OPEN
    assert deadline.rule_display() == "3 working days after 2026-11-27 (WIB)"


@pytest.mark.parametrize(
    ("agency_fixture", "label", "utc_due"),
    [
        ("agency_wib", "WIB", dt.datetime(2026, 12, 8, 16, 59, 59, tzinfo=UTC)),
        ("agency_wita", "WITA", dt.datetime(2026, 12, 9, 15, 59, 59, tzinfo=UTC)),
        ("agency_wit", "WIT", dt.datetime(2026, 12, 9, 14, 59, 59, tzinfo=UTC)),
    ],
)
def test_response_is_counted_in_the_agencys_zone(request, agency_fixture, label, utc_due):
    agency = request.getfixturevalue(agency_fixture)
    report = ReportFactory(agency=agency)
    with time_machine.travel(DISPOSED_AT, tick=False):
        deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE)
    deadline.refresh_from_db()
    assert deadline.agency == agency
    assert deadline.starts_at == DISPOSED_AT
    assert deadline.due_at == utc_due
    assert deadline.timezone == agency.timezone
    assert deadline.rule.startswith("5 hari kerja setelah 2026-12-0")
    assert deadline.rule.endswith(f"({label})")


def test_completion_uses_calendar_days_and_the_given_agency(agency_wita):
    report = ReportFactory()  # the report's own agency is not set yet
    deadline = deadline_start(
        report=report, kind=DeadlineKind.COMPLETION, agency=agency_wita, start=DISPOSED_AT
    )
    assert (deadline.working_days, deadline.calendar_days) == (None, 60)
    assert deadline.due_at == dt.datetime(2027, 2, 1, 23, 59, 59, tzinfo=WITA)
    assert deadline.rule == "60 hari kalender setelah 2026-12-02 (WITA)"


def test_an_agency_deadline_needs_an_agency():
    with pytest.raises(ValueError, match="needs the agency"):
        deadline_start(report=ReportFactory(), kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    with pytest.raises(ValueError, match="unknown deadline kind"):
        deadline_start(report=ReportFactory(), kind="lunch", start=DISPOSED_AT)


def test_information_requests_get_ten_working_days(agency_wib):
    report = ReportFactory(agency=agency_wib, classification=Classification.INFORMATION_REQUEST)
    deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    assert deadline.due_at == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=WIB)
    assert deadline.working_days == 10


def test_policy_override_per_classification(settings, agency_wib):
    settings.ADUAN_SLA_BY_CLASSIFICATION = {"aspiration": {"response": 2}}
    aspiration = ReportFactory(agency=agency_wib, classification=Classification.ASPIRATION)
    complaint = ReportFactory(agency=agency_wib)
    short = deadline_start(report=aspiration, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    normal = deadline_start(report=complaint, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    assert short.due_at == dt.datetime(2026, 12, 3, 23, 59, 59, tzinfo=WIB)
    assert normal.due_at == dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB)


def test_a_new_clock_cancels_the_open_one_of_the_same_kind(report, agency_wita):
    first = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    verification = deadline_start(report=report, kind=DeadlineKind.VERIFICATION, start=DISPOSED_AT)
    second = deadline_start(
        report=report, kind=DeadlineKind.RESPONSE, agency=agency_wita, start=DISPOSED_AT
    )
    first.refresh_from_db()
    verification.refresh_from_db()
    assert first.state == DeadlineState.CANCELLED
    assert second.state == DeadlineState.OPEN
    assert verification.state == DeadlineState.OPEN
    assert report.deadlines.filter(state=DeadlineState.OPEN).count() == 2


def test_the_database_allows_one_open_deadline_per_kind(report):
    deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    duplicate = {
        field: getattr(deadline, field)
        for field in ("report", "kind", "agency", "starts_at", "due_at", "timezone", "rule")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.create(**duplicate, working_days=5)
    Deadline.objects.create(**duplicate, working_days=5, state=DeadlineState.MET)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.create(**duplicate, working_days=5, calendar_days=5, state="met")


# --- meet, cancel ----------------------------------------------------------------------------


def test_meet_marks_only_the_open_deadline_of_that_kind(report):
    response = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    completion = deadline_start(report=report, kind=DeadlineKind.COMPLETION, start=DISPOSED_AT)
    at = DISPOSED_AT + dt.timedelta(days=2)
    assert deadline_meet(report=report, kind=DeadlineKind.RESPONSE, at=at) == 1
    assert deadline_meet(report=report, kind=DeadlineKind.RESPONSE, at=at) == 0
    response.refresh_from_db()
    completion.refresh_from_db()
    assert (response.state, response.met_at) == (DeadlineState.MET, at)
    assert completion.state == DeadlineState.OPEN


def test_cancel_all_or_some(report):
    for kind in (DeadlineKind.VERIFICATION, DeadlineKind.RESPONSE, DeadlineKind.COMPLETION):
        deadline_start(report=report, kind=kind, start=DISPOSED_AT)
    other = deadline_start(
        report=ReportFactory(agency=report.agency), kind=DeadlineKind.RESPONSE, start=DISPOSED_AT
    )
    assert deadline_cancel(report=report, kinds=[DeadlineKind.VERIFICATION]) == 1
    assert set(report.deadlines.filter(state="open").values_list("kind", flat=True)) == {
        "response",
        "completion",
    }
    assert deadline_cancel(report=report) == 2
    assert not report.deadlines.filter(state="open").exists()
    other.refresh_from_db()
    assert other.state == DeadlineState.OPEN
    with pytest.raises(ValueError, match="unknown deadline kinds"):
        deadline_cancel(report=report, kinds=["lunch"])


# --- extend ----------------------------------------------------------------------------------


def test_extend_once_from_the_current_due_date(report):
    deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    deadline.reminded_at = deadline.overdue_at = DISPOSED_AT + dt.timedelta(days=8)
    deadline.save()
    extended = deadline_extend(report=report, working_days=10, reason="  Perlu survei lapangan. ")
    extended.refresh_from_db()
    assert extended.pk == deadline.pk
    # Due Tue Dec 8 (WIB) + 10 working days = Tue Dec 22.
    assert extended.due_at == dt.datetime(2026, 12, 22, 23, 59, 59, tzinfo=WIB)
    assert extended.extended_by == 10
    assert extended.extension_reason == "Perlu survei lapangan."
    assert extended.reminded_at is None
    assert extended.overdue_at is None
    assert extended.rule_display().endswith(", extended by 10 working days")
    with pytest.raises(InvalidTransition, match="already been extended"):
        deadline_extend(report=report, working_days=1, reason="Lagi.")


@pytest.mark.parametrize("days", [0, 11, -1, "3", True])
def test_extend_refuses_a_bad_length(report, days):
    deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    with pytest.raises(ValidationFailed) as raised:
        deadline_extend(report=report, working_days=days, reason="Alasan.")
    assert list(raised.value.field_errors) == ["working_days"]
    assert report.deadlines.get(state="open").extended_by == 0


def test_extend_needs_a_reason_and_an_open_response_deadline(report):
    with pytest.raises(InvalidTransition, match="no open response deadline"):
        deadline_extend(report=report, working_days=3, reason="Alasan.")
    deadline_start(report=report, kind=DeadlineKind.COMPLETION, start=DISPOSED_AT)
    with pytest.raises(InvalidTransition):
        deadline_extend(report=report, working_days=3, reason="Alasan.")
    deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    with pytest.raises(ValidationFailed) as raised:
        deadline_extend(report=report, working_days=3, reason="   ")
    assert list(raised.value.field_errors) == ["reason"]


def test_extension_maximum_follows_the_policy(settings, report):
    settings.ADUAN_SLA_BY_CLASSIFICATION = {"complaint": {"extension_max": 3}}
    deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    with pytest.raises(ValidationFailed) as raised:
        deadline_extend(report=report, working_days=4, reason="Alasan.")
    assert "between 1 and 3" in raised.value.field_errors["working_days"][0]
    assert deadline_extend(report=report, working_days=3, reason="Alasan.").extended_by == 3


# --- reminders -------------------------------------------------------------------------------


def test_reminder_starts_the_working_day_before_the_due_day(report, agency_wit):
    cal = WorkingCalendar()
    deadline = deadline_start(report=report, kind=DeadlineKind.RESPONSE, start=DISPOSED_AT)
    assert reminder_due_at(deadline, cal) == dt.datetime(2026, 12, 7, 0, 0, tzinfo=WIB)
    assert reminder_due_at(deadline, cal, working_days=0) == dt.datetime(2026, 12, 8, tzinfo=WIB)
    # Due Mon Dec 28, 2026 (WIT): Dec 24 and 25 are off, so the reminder starts Wed Dec 23.
    before_christmas = deadline_start(
        report=ReportFactory(agency=agency_wit),
        kind=DeadlineKind.RESPONSE,
        start=dt.datetime(2026, 12, 17, 9, 0, tzinfo=WIT),
    )
    assert before_christmas.due_at == dt.datetime(2026, 12, 28, 23, 59, 59, tzinfo=WIT)
    assert reminder_due_at(before_christmas, cal) == dt.datetime(2026, 12, 23, tzinfo=WIT)


# --- days off --------------------------------------------------------------------------------


@time_machine.travel(DISPOSED_AT, tick=False)
def test_a_new_day_off_moves_new_deadlines_only(agency_wib):
    admin = NationalAdminFactory()
    before = deadline_start(report=ReportFactory(agency=agency_wib), kind=DeadlineKind.RESPONSE)
    assert not calendar_current().extra_days_off
    day_off = day_off_add(actor=admin, date=dt.date(2026, 12, 3), name="Pilkada ulang")
    assert calendar_current().extra_days_off == frozenset({dt.date(2026, 12, 3)})
    after = deadline_start(report=ReportFactory(agency=agency_wib), kind=DeadlineKind.RESPONSE)
    before.refresh_from_db()
    assert before.due_at == dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB)
    assert after.due_at == dt.datetime(2026, 12, 9, 23, 59, 59, tzinfo=WIB)
    day_off_remove(actor=admin, day_off=day_off)
    assert not calendar_current().extra_days_off
    again = deadline_start(report=ReportFactory(agency=agency_wib), kind=DeadlineKind.RESPONSE)
    after.refresh_from_db()
    assert again.due_at == dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=WIB)
    assert after.due_at == dt.datetime(2026, 12, 9, 23, 59, 59, tzinfo=WIB)


@pytest.mark.parametrize(
    "make_actor",
    [
        UserFactory,
        AgencyAdminFactory,
        OversightFactory,
        lambda: NationalAdminFactory(is_active=False),
        lambda: None,
    ],
)
def test_only_an_active_national_admin_manages_days_off(make_actor):
    actor = make_actor()
    with pytest.raises(PermissionDenied):
        day_off_add(actor=actor, date=dt.date(2026, 12, 3), name="Libur")
    day_off = DayOff.objects.create(date=dt.date(2026, 12, 4), name="Libur")
    with pytest.raises(PermissionDenied):
        day_off_remove(actor=actor, day_off=day_off)
    assert list(DayOff.objects.values_list("date", flat=True)) == [dt.date(2026, 12, 4)]


@time_machine.travel(DISPOSED_AT, tick=False)
@pytest.mark.parametrize(
    ("date", "name", "field", "message"),
    [
        (dt.date(2025, 11, 28), "Libur", "date", "more than a year ago"),
        (dt.date(2029, 12, 10), "Libur", "date", "more than three years ahead"),
        (dt.date(2026, 12, 5), "Libur", "date", "is a weekend"),
        (dt.date(2026, 12, 24), "Libur", "date", "already a national day off (Christmas"),
        (dt.date(2026, 12, 3), "   ", "name", "Give the day off a name"),
        (dt.date(2026, 12, 3), "x" * 101, "name", "at most 100 characters"),
        ("2026-12-03", "Libur", "date", "Enter a date"),
    ],
)
def test_day_off_add_validation(date, name, field, message):
    with pytest.raises(ValidationFailed) as raised:
        day_off_add(actor=NationalAdminFactory(), date=date, name=name)
    assert message in raised.value.field_errors[field][0]
    assert not DayOff.objects.exists()


@time_machine.travel(DISPOSED_AT, tick=False)
def test_day_off_add_limits_and_duplicates():
    admin = NationalAdminFactory()
    # Exactly at the edges: a year back (366 days) and three years ahead are allowed.
    day_off_add(actor=admin, date=dt.date(2025, 12, 1), name="Batas lalu")
    day_off_add(actor=admin, date=dt.date(2029, 12, 3), name="Batas depan")
    first = day_off_add(actor=admin, date=dt.date(2026, 12, 3), name=" Pilkada ulang ")
    assert (first.name, first.created_by) == ("Pilkada ulang", admin)
    with pytest.raises(ValidationFailed) as raised:
        day_off_add(actor=admin, date=dt.date(2026, 12, 3), name="Lagi")
    assert "already an extra day off (Pilkada ulang)" in raised.value.field_errors["date"][0]
    assert DayOff.objects.count() == 3
