"""The Turkish working-day calendar: legal durations are counted in working days.

Rules (docs/decisions/0002-working-day-arithmetic.md):

* Saturdays, Sundays and public holidays (national days, Ramazan and Kurban Bayramı,
  from the ``holidays`` package) are not working days.
* The afternoon before a Bayram and 28 Ekim (arife, "from 13:00") is a *half* working
  day: it counts as 0.5.
* Working time runs only during working hours (``settings.CINAR_WORKING_HOURS``;
  default 08:30-17:30, half days end at 13:00) in Europe/Istanbul. A full day holds one
  unit of working time, a half day half a unit, spread evenly over its hours.
* ``add_working_days(moment, n)`` is the earliest moment that lies ``n`` units of
  working time after ``moment``; when every day involved is a full day, that is the
  same time of day ``n`` working days later. A moment outside working hours first rolls
  forward to the next working start. ``working_days_between`` is its exact inverse.

Moments must be timezone-aware; results are in the calendar's timezone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

__all__ = [
    "WorkingHours",
    "add_working_days",
    "holiday_name",
    "is_half_day",
    "is_working_day",
    "next_working_moment",
    "working_day_fraction",
    "working_days_between",
    "working_hours",
]

DEFAULT_WORKING_HOURS = {
    "start": "08:30",
    "end": "17:30",
    "half_day_end": "13:00",
    "timezone": "Europe/Istanbul",
}
_FULL = Fraction(1)
_HALF = Fraction(1, 2)
_NONE = Fraction(0)
_ONE_MICROSECOND = timedelta(microseconds=1)
# Far enough to cross any run of holidays; a guard against a misconfigured calendar.
_MAX_SCAN_DAYS = 60


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    half_day_end: time
    tz: ZoneInfo


def _parse_time(value: str | time, name: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"CINAR_WORKING_HOURS[{name!r}] must be HH:MM, got {value!r}") from exc


def working_hours() -> WorkingHours:
    """The configured working hours (read on each call so tests can override settings)."""
    configured = {**DEFAULT_WORKING_HOURS, **getattr(settings, "CINAR_WORKING_HOURS", {})}
    hours = WorkingHours(
        start=_parse_time(configured["start"], "start"),
        end=_parse_time(configured["end"], "end"),
        half_day_end=_parse_time(configured["half_day_end"], "half_day_end"),
        tz=ZoneInfo(str(configured["timezone"])),
    )
    if not hours.start < hours.half_day_end <= hours.end:
        raise ValueError("CINAR_WORKING_HOURS needs start < half_day_end <= end")
    return hours


@functools.lru_cache(maxsize=64)
def _holidays_for_year(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """(public holidays, half-day eves) of one year by date, computed once per year."""
    public = holidays.country_holidays("TR", years=year, categories=("public",))
    half = holidays.country_holidays("TR", years=year, categories=("half_day",))
    return dict(public.items()), dict(half.items())


def holiday_name(day: date) -> str | None:
    """The (English) name of the public holiday or half-day eve on ``day``, if any."""
    public, half = _holidays_for_year(day.year)
    return public.get(day) or half.get(day)


def _fraction(day: date) -> Fraction:
    if day.weekday() >= 5:
        return _NONE
    public, half = _holidays_for_year(day.year)
    if day in public:
        return _NONE
    if day in half:
        return _HALF
    return _FULL


def is_working_day(day: date) -> bool:
    """True on weekdays that are not public holidays (half-day eves are working days)."""
    return _fraction(day) > 0


def is_half_day(day: date) -> bool:
    """True on a working half day: the eve of a Bayram or of 29 Ekim."""
    return _fraction(day) == _HALF


def working_day_fraction(day: date) -> float:
    """1.0 on a full working day, 0.5 on a half-day eve, 0.0 otherwise."""
    return float(_fraction(day))


# --- working time ------------------------------------------------------------------------


def _localize(moment: datetime, hours: WorkingHours) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day arithmetic needs a timezone-aware datetime")
    return moment.astimezone(hours.tz)


def _bounds(day: date, hours: WorkingHours) -> tuple[datetime, datetime] | None:
    """Start and end of the working hours of ``day``, or None on a non-working day."""
    fraction = _fraction(day)
    if fraction == 0:
        return None
    end = hours.half_day_end if fraction == _HALF else hours.end
    return (
        datetime.combine(day, hours.start, tzinfo=hours.tz),
        datetime.combine(day, end, tzinfo=hours.tz),
    )


def _position(local: datetime, hours: WorkingHours) -> Fraction:
    """Working time of ``local``'s own day that has elapsed by ``local`` (0..fraction)."""
    bounds = _bounds(local.date(), hours)
    if bounds is None:
        return _NONE
    start, end = bounds
    if local <= start:
        return _NONE
    if local >= end:
        return _fraction(local.date())
    elapsed = _microseconds(local - start)
    return Fraction(elapsed, _microseconds(end - start)) * _fraction(local.date())


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _moment_at(day: date, position: Fraction, hours: WorkingHours) -> datetime:
    """The earliest moment of ``day`` by which ``position`` of its working time elapsed."""
    bounds = _bounds(day, hours)
    assert bounds is not None
    start, end = bounds
    share = position / _fraction(day)
    total = _microseconds(end - start)
    # Ceiling: never report a deadline before the working time has fully elapsed.
    elapsed = -((-share.numerator * total) // share.denominator)
    return start + timedelta(microseconds=elapsed)


def next_working_moment(moment: datetime) -> datetime:
    """``moment`` itself when it falls inside working hours, otherwise the start of the
    next working day's hours. Working hours are half-open: 17:30 is already outside."""
    hours = working_hours()
    local = _localize(moment, hours)
    day = local.date()
    for _ in range(_MAX_SCAN_DAYS * 6):
        bounds = _bounds(day, hours)
        if bounds is not None:
            start, end = bounds
            if local < start:
                return start
            if local < end:
                return local
        day += timedelta(days=1)
    raise RuntimeError("no working day found")  # pragma: no cover - calendar misconfigured


def add_working_days(moment: datetime, days: int) -> datetime:
    """The earliest moment ``days`` units of working time after ``moment``.

    ``days == 0`` returns ``next_working_moment(moment)``. With full days only, the
    result is the same time of day ``days`` working days later; a moment outside
    working hours starts at the next working start, so a request filed on Friday
    evening with one working day to answer is due on Monday at 17:30. Half-day eves
    count half: two of them make one day.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if days < 0:
        raise ValueError("days must not be negative")
    hours = working_hours()
    current = _localize(next_working_moment(moment), hours)
    if days == 0:
        return current
    day = current.date()
    remaining = Fraction(days)
    available = _fraction(day) - _position(current, hours)
    if remaining <= available:
        return _moment_at(day, _position(current, hours) + remaining, hours)
    remaining -= available
    empty_run = 0
    while True:
        day += timedelta(days=1)
        fraction = _fraction(day)
        if fraction == 0:
            empty_run += 1
            if empty_run > _MAX_SCAN_DAYS:  # pragma: no cover - calendar misconfigured
                raise RuntimeError("no working day found")
            continue
        empty_run = 0
        if remaining <= fraction:
            return _moment_at(day, remaining, hours)
        remaining -= fraction


def _working_time_between(start: datetime, end: datetime) -> Fraction:
    hours = working_hours()
    a, b = _localize(start, hours), _localize(end, hours)
    if b < a:
        return -_working_time_between(end, start)
    if a.date() == b.date():
        return _position(b, hours) - _position(a, hours)
    total = _fraction(a.date()) - _position(a, hours)
    day = a.date() + timedelta(days=1)
    while day < b.date():
        total += _fraction(day)
        day += timedelta(days=1)
    return total + _position(b, hours)


def working_days_between(start: datetime, end: datetime) -> float:
    """Working time from ``start`` to ``end`` in days (negative when ``end`` is earlier).

    The inverse of ``add_working_days``:
    ``working_days_between(m, add_working_days(m, n)) == n`` for a moment ``m`` inside
    working hours (outside them, the time up to the next working start counts zero).
    """
    return float(_working_time_between(start, end))
