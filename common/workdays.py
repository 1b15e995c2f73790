"""Counting periods in calendar days or working days (工作日).

Deadlines in administrative procedure are often counted in working days (e.g. 令45号: publish
within 20 working days; withdraw within 3 working days). A working day is Monday-Friday unless
the holiday calendar (`CalendarDay`, kept as data) says it is a holiday, plus the adjusted
working weekends (调休上班) the State Council's notice declares.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from common.models import CalendarDay


@lru_cache(maxsize=8)
def _calendar(version: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    rows = list(CalendarDay.objects.values_list("date", "kind"))
    holidays = frozenset(d for d, k in rows if k == CalendarDay.Kind.HOLIDAY)
    workdays = frozenset(d for d, k in rows if k == CalendarDay.Kind.WORKDAY)
    return holidays, workdays


_version = 0


def calendar_changed() -> None:
    """Forget the cached calendar (called when administrators edit it, and by tests)."""
    global _version
    _version += 1
    _calendar.cache_clear()


def is_working_day(day: dt.date) -> bool:
    holidays, workdays = _calendar(_version)
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the start day itself is not counted).

    This is how 行政许可法 and 令45号 count "within N working days of the decision".
    """
    if days < 0:
        raise ValueError("days must be non-negative")
    current, left = start, days
    while left:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def add_calendar_days(start: dt.date, days: int) -> dt.date:
    """The date `days` calendar days after `start`; a period ending on a holiday is not
    extended here: rules that move an end date to the next working day say so themselves."""
    return start + dt.timedelta(days=days)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it (民法典 第203条:
    a period whose last day is a statutory holiday ends on the day after the holiday)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + dt.timedelta(days=n)))
