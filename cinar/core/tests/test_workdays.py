from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from cinar.core.workdays import (
    add_working_days,
    holiday_name,
    is_half_day,
    is_working_day,
    next_working_moment,
    working_day_fraction,
    working_days_between,
)

IST = ZoneInfo("Europe/Istanbul")


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=IST)


# --- the calendar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fraction"),
    [
        (date(2026, 1, 1), 0.0),  # Yılbaşı (Thursday)
        (date(2026, 1, 2), 1.0),
        (date(2026, 3, 19), 0.5),  # Ramazan Bayramı arifesi (Thursday)
        (date(2026, 3, 20), 0.0),  # Ramazan Bayramı 1. gün (Friday)
        (date(2026, 3, 23), 1.0),  # Monday after
        (date(2026, 5, 26), 0.5),  # Kurban Bayramı arifesi (Tuesday)
        (date(2026, 5, 27), 0.0),
        (date(2026, 5, 28), 0.0),
        (date(2026, 5, 29), 0.0),
        (date(2026, 6, 1), 1.0),
        (date(2026, 10, 28), 0.5),  # Cumhuriyet Bayramı eve (Wednesday)
        (date(2026, 10, 29), 0.0),
        (date(2026, 10, 30), 1.0),
        (date(2026, 4, 23), 0.0),
        (date(2026, 5, 19), 0.0),
        (date(2026, 7, 15), 0.0),
        (date(2026, 8, 31), 1.0),  # 30 Ağustos 2026 is a Sunday: no substitute day
        (date(2025, 6, 5), 0.5),  # Kurban Bayramı 2025 arifesi
        (date(2025, 6, 9), 0.0),  # its fourth day (Monday)
        (date(2025, 3, 29), 0.0),  # arife on a Saturday stays a weekend day
        (date(2026, 3, 14), 0.0),  # an ordinary Saturday
        (date(2026, 3, 15), 0.0),  # an ordinary Sunday
    ],
)
def test_working_day_fraction_on_real_dates(day, fraction):
    assert working_day_fraction(day) == fraction
    assert is_working_day(day) is (fraction > 0)
    assert is_half_day(day) is (fraction == 0.5)


def test_holiday_names():
    assert holiday_name(date(2026, 3, 20)) == "Eid al-Fitr"
    assert holiday_name(date(2026, 10, 28)) == "Republic Day (from 1pm)"
    assert holiday_name(date(2026, 3, 18)) is None


# --- next working moment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 3, 18, 10, 0), at(2026, 3, 18, 10, 0)),  # inside hours: unchanged
        (at(2026, 3, 18, 7, 0), at(2026, 3, 18, 8, 30)),  # early: today's start
        (at(2026, 3, 18, 17, 30), at(2026, 3, 19, 8, 30)),  # end is already outside
        (at(2026, 3, 19, 13, 0), at(2026, 3, 23, 8, 30)),  # arife afternoon -> after Bayram
        (at(2026, 3, 19, 12, 59), at(2026, 3, 19, 12, 59)),
        (at(2025, 12, 31, 18, 0), at(2026, 1, 2, 8, 30)),  # year boundary, over Yılbaşı
        (at(2026, 10, 28, 14, 0), at(2026, 10, 30, 8, 30)),
    ],
)
def test_next_working_moment(moment, expected):
    assert next_working_moment(moment) == expected


def test_utc_input_is_read_in_istanbul_time_without_dst():
    # 05:30 UTC is 08:30 in Istanbul all year (UTC+3 since 2016: no DST shift).
    for month in (1, 4, 7, 10, 12):
        day = date(2026, month, 1)
        while working_day_fraction(day) != 1.0:
            day += timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC)
        assert next_working_moment(moment) == datetime.combine(
            day, datetime.min.time(), tzinfo=IST
        ).replace(hour=8, minute=30)
        assert next_working_moment(moment).utcoffset() == timedelta(hours=3)


def test_naive_datetime_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_working_moment(datetime(2026, 3, 18, 10, 0))


# --- adding working days --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "days", "expected"),
    [
        # Plain weeks keep the time of day.
        (at(2026, 3, 2, 10, 0), 1, at(2026, 3, 3, 10, 0)),
        (at(2026, 3, 6, 10, 0), 1, at(2026, 3, 9, 10, 0)),  # Friday -> Monday
        (at(2026, 3, 2, 10, 0), 5, at(2026, 3, 9, 10, 0)),
        # Filed on Friday evening: rolls to Monday 08:30; one day is Monday's close.
        (at(2026, 3, 6, 18, 0), 1, at(2026, 3, 9, 17, 30)),
        (at(2026, 3, 6, 18, 0), 0, at(2026, 3, 9, 8, 30)),
        # Ramazan Bayramı 2026: Thursday 19 is a half day, Friday 20 a holiday.
        (at(2026, 3, 18, 10, 0), 1, at(2026, 3, 19, 10, 0)),  # fits into the half day
        (at(2026, 3, 18, 15, 0), 1, at(2026, 3, 23, 10, 30)),  # 2.5h + 4.5h + 2h
        (at(2026, 3, 19, 8, 30), 1, at(2026, 3, 23, 13, 0)),  # half day + half day
        # Kurban Bayramı 2026: Tue 26 May half day, Wed-Sat holiday.
        (at(2026, 5, 25, 8, 30), 2, at(2026, 6, 1, 13, 0)),  # 1 + 0.5 + 0.5
        (at(2026, 5, 22, 10, 0), 3, at(2026, 6, 1, 14, 30)),
        # 28 Ekim half day, 29 Ekim holiday.
        (at(2026, 10, 27, 10, 0), 1, at(2026, 10, 28, 10, 0)),
        (at(2026, 10, 27, 15, 0), 1, at(2026, 10, 30, 10, 30)),
        # Year boundary over 1 Ocak 2026 (Thursday).
        (at(2025, 12, 31, 10, 0), 1, at(2026, 1, 2, 10, 0)),
        (at(2025, 12, 26, 10, 0), 10, at(2026, 1, 12, 10, 0)),
    ],
)
def test_add_working_days_on_real_dates(moment, days, expected):
    assert add_working_days(moment, days) == expected


def test_two_half_day_eves_make_one_day():
    assert working_days_between(at(2026, 3, 19, 8, 30), at(2026, 3, 19, 13, 0)) == 0.5
    assert working_days_between(at(2026, 5, 26, 8, 30), at(2026, 5, 26, 13, 0)) == 0.5
    # Half a day from the start of an eve ends at its 13:00 close.
    assert add_working_days(at(2026, 10, 28, 8, 30), 1) == at(2026, 10, 30, 13, 0)


def test_thirty_working_days_across_kurban_bayrami():
    # 30 working days from Monday 4 May 2026 10:00 (7.5h = 5/6 of a day left that day):
    # 19 May is a holiday, 26 May a half day, 27-29 May holidays; 18 June closes with
    # 29 1/3 days, the remaining 2/3 (6h) end on Friday 19 June at 14:30.
    result = add_working_days(at(2026, 5, 4, 10, 0), 30)
    assert working_days_between(at(2026, 5, 4, 10, 0), result) == 30
    assert result == at(2026, 6, 19, 14, 30)


def test_add_working_days_rejects_bad_input():
    with pytest.raises(ValueError):
        add_working_days(at(2026, 3, 2), -1)
    with pytest.raises(TypeError):
        add_working_days(at(2026, 3, 2), 1.5)  # type: ignore[arg-type]


def test_result_is_in_istanbul_time_for_utc_input():
    result = add_working_days(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 1)
    assert result == at(2026, 3, 3, 10, 0)
    assert result.tzinfo == IST


def test_working_hours_come_from_settings(settings):
    settings.CINAR_WORKING_HOURS = {"start": "09:00", "end": "18:00", "half_day_end": "12:00"}
    assert next_working_moment(at(2026, 3, 2, 8, 45)) == at(2026, 3, 2, 9, 0)
    assert next_working_moment(at(2026, 3, 2, 17, 45)) == at(2026, 3, 2, 17, 45)
    # Half day 09:00-12:00 still counts 0.5: a full day from its start ends at noon on
    # the next working day's half.
    assert add_working_days(at(2026, 3, 19, 9, 0), 1) == at(2026, 3, 23, 13, 30)


def test_misconfigured_hours_are_refused(settings):
    settings.CINAR_WORKING_HOURS = {"start": "18:00"}
    with pytest.raises(ValueError):
        next_working_moment(at(2026, 3, 2))


# --- working days between ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2026, 3, 2, 10, 0), at(2026, 3, 3, 10, 0), 1.0),
        (at(2026, 3, 2, 8, 30), at(2026, 3, 2, 13, 0), 0.5),
        (at(2026, 3, 6, 17, 30), at(2026, 3, 9, 8, 30), 0.0),  # a weekend holds no work
        (at(2026, 3, 16, 8, 30), at(2026, 3, 23, 8, 30), 3.5),  # Ramazan Bayramı week
        (at(2026, 5, 25, 8, 30), at(2026, 6, 1, 8, 30), 1.5),  # Kurban Bayramı week
        (at(2026, 3, 3, 10, 0), at(2026, 3, 2, 10, 0), -1.0),
        (at(2025, 12, 29, 8, 30), at(2026, 1, 5, 8, 30), 4.0),  # over Yılbaşı
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


# --- properties --------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(IST)
)
day_counts = st.integers(min_value=0, max_value=40)


@hyp_settings(max_examples=200, deadline=None)
@given(moments, day_counts, day_counts)
def test_add_working_days_is_monotonic_in_days(moment, a, b):
    low, high = sorted((a, b))
    assert add_working_days(moment, low) <= add_working_days(moment, high)


@hyp_settings(max_examples=200, deadline=None)
@given(moments, moments, day_counts)
def test_add_working_days_is_monotonic_in_moment(m1, m2, days):
    early, late = sorted((m1, m2))
    assert add_working_days(early, days) <= add_working_days(late, days)


@hyp_settings(max_examples=200, deadline=None)
@given(moments, day_counts)
def test_working_days_between_inverts_add_working_days(moment, days):
    result = add_working_days(moment, days)
    assert working_days_between(moment, result) == days
    assert working_days_between(next_working_moment(moment), result) == days
    assert result >= moment
    if days > 0:
        # Earliest: a microsecond earlier, the working time has not yet elapsed.
        assert working_days_between(moment, result - timedelta(microseconds=1)) < days


@hyp_settings(max_examples=200, deadline=None)
@given(moments, moments)
def test_working_days_between_is_antisymmetric_and_bounded(a, b):
    forward = working_days_between(a, b)
    assert forward == -working_days_between(b, a)
    calendar_days = abs((b - a).total_seconds()) / 86400
    assert abs(forward) <= calendar_days + 1
