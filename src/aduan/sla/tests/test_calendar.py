"""The working-day calendar against Indonesia's real 2025–2027 days off, and its laws."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.sla.calendar import WorkingCalendar, national_days_off

D = dt.date
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        # Nyepi 2025 (Mar 28 cuti bersama, Mar 29 Nyepi), Idul Fitri 1446 H (Mar 31, Apr 1)
        # with its collective leave (Apr 2, 3, 4, 7).
        D(2025, 3, 28),
        D(2025, 3, 31),
        D(2025, 4, 1),
        D(2025, 4, 2),
        D(2025, 4, 3),
        D(2025, 4, 4),
        D(2025, 4, 7),
        # Nyepi 2026 (Mar 19, cuti bersama Mar 18), Idul Fitri 1447 H with its leave.
        D(2026, 3, 18),
        D(2026, 3, 19),
        D(2026, 3, 20),
        D(2026, 3, 23),
        D(2026, 3, 24),
        # Christmas 2025 (Dec 25, cuti bersama Dec 26) and 2026 (cuti bersama Dec 24, Dec 25).
        D(2025, 12, 25),
        D(2025, 12, 26),
        D(2026, 12, 24),
        D(2026, 12, 25),
        # New Year.
        D(2026, 1, 1),
        D(2027, 1, 1),
    ],
)
def test_known_national_days_off(day):
    assert not CAL.is_working_day(day)
    assert CAL.day_off_reason(day) not in (None, "weekend", "extra day off")


@pytest.mark.parametrize(
    "day", [D(2025, 3, 27), D(2025, 4, 8), D(2026, 3, 17), D(2026, 3, 25), D(2025, 12, 24)]
)
def test_known_working_days(day):
    assert CAL.is_working_day(day)
    assert CAL.day_off_reason(day) is None


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Thursday before Nyepi and Idul Fitri 2025: Mar 28–Apr 7 are all off.
        (D(2025, 3, 27), 1, D(2025, 4, 8)),
        (D(2025, 3, 27), 3, D(2025, 4, 10)),
        # Tuesday before Nyepi and Idul Fitri 2026: Mar 18–24 are all off.
        (D(2026, 3, 17), 1, D(2026, 3, 25)),
        # Christmas 2025: Thu 25 and Fri 26 off.
        (D(2025, 12, 24), 1, D(2025, 12, 29)),
        # Christmas 2026: Thu 24 and Fri 25 off.
        (D(2026, 12, 23), 1, D(2026, 12, 28)),
        # Year ends: Jan 1 is skipped.
        (D(2025, 12, 31), 1, D(2026, 1, 2)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        # A Friday start skips the weekend; five days on, Isra Mi'raj (Fri Jan 16, 2026).
        (D(2026, 1, 9), 1, D(2026, 1, 12)),
        (D(2026, 1, 9), 5, D(2026, 1, 19)),
        # Zero is the start itself, even on a day off.
        (D(2025, 3, 31), 0, D(2025, 3, 31)),
        # A start on a day off: the next working day is the first.
        (D(2025, 3, 29), 1, D(2025, 4, 8)),
    ],
)
def test_add_working_days_known_dates(start, days, expected):
    assert CAL.add_working_days(start, days) == expected
    assert CAL.working_days_between(start, expected) == days


def test_working_days_between_counts_the_half_open_interval():
    assert CAL.working_days_between(D(2025, 3, 27), D(2025, 4, 7)) == 0
    assert CAL.working_days_between(D(2025, 3, 26), D(2025, 3, 27)) == 1
    assert CAL.working_days_between(D(2025, 4, 10), D(2025, 3, 27)) == -3
    assert CAL.working_days_between(D(2025, 1, 6), D(2025, 1, 6)) == 0


def test_previous_working_day_and_next_working_day():
    assert CAL.previous_working_day(D(2025, 4, 8)) == D(2025, 3, 27)
    assert CAL.previous_working_day(D(2026, 1, 5)) == D(2026, 1, 2)
    assert CAL.working_day_on_or_after(D(2025, 3, 29)) == D(2025, 4, 8)
    assert CAL.working_day_on_or_after(D(2025, 4, 8)) == D(2025, 4, 8)


def test_reasons():
    assert CAL.day_off_reason(D(2026, 3, 21)) == "weekend"  # Idul Fitri on a Saturday
    assert CAL.day_off_reason(D(2025, 3, 31)) == "Eid al-Fitr"
    extra = WorkingCalendar.with_days_off([D(2026, 2, 2)])
    assert extra.day_off_reason(D(2026, 2, 2)) == "extra day off"
    assert CAL.day_off_reason(D(2026, 2, 2)) is None
    assert extra.add_working_days(D(2026, 1, 30), 1) == D(2026, 2, 3)


def test_national_days_off_in_indonesian_and_english():
    days = dict(national_days_off(D(2026, 12, 1), D(2027, 1, 31), language="id"))
    assert days[D(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"
    assert days[D(2026, 12, 25)] == "Hari Raya Natal"
    assert D(2027, 1, 1) in days
    assert min(days) >= D(2026, 12, 1)
    english = dict(national_days_off(D(2026, 12, 25), D(2026, 12, 25)))
    assert english == {D(2026, 12, 25): "Christmas Day"}


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="zero or more"):
        CAL.add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(TypeError):
        CAL.add_working_days(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 1)
    with pytest.raises(TypeError):
        CAL.is_working_day(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="span too long"):
        CAL.working_days_between(D(2000, 1, 1), D(2030, 1, 1))
    with pytest.raises(ValueError, match="span too long"):
        CAL.add_working_days(D(2026, 1, 1), 5000)


# --- Properties ----------------------------------------------------------------------------

dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31))
counts = st.integers(min_value=0, max_value=40)
calendars = st.builds(
    WorkingCalendar.with_days_off,
    st.lists(st.dates(min_value=D(2024, 1, 1), max_value=D(2031, 3, 31)), max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=counts, calendar=calendars)
def test_counting_what_was_added_gives_n(start, n, calendar):
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40), calendar=calendars)
def test_the_result_is_a_working_day_and_never_an_extra_day_off(start, n, calendar):
    due = calendar.add_working_days(start, n)
    assert calendar.is_working_day(due)
    assert due.weekday() < 5
    assert due not in calendar.extra_days_off
    assert due > start
    if n >= 2:
        assert calendar.previous_working_day(due) == calendar.add_working_days(start, n - 1)


@settings(max_examples=300, deadline=None)
@given(a=dates, b=dates, n=counts, calendar=calendars)
def test_adding_is_monotonic(a, b, n, calendar):
    early, late = sorted((a, b))
    assert calendar.add_working_days(early, n) <= calendar.add_working_days(late, n)
    assert calendar.add_working_days(early, n) < calendar.add_working_days(early, n + 1)


@settings(max_examples=200, deadline=None)
@given(start=dates, n=counts, extra=st.sets(dates, max_size=20))
def test_extra_days_off_only_push_deadlines_later(start, n, extra):
    assert WorkingCalendar.with_days_off(extra).add_working_days(start, n) >= CAL.add_working_days(
        start, n
    )
