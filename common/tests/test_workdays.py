import datetime as dt

import pytest

from common.models import CalendarDay
from common.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)

D = dt.date.fromisoformat
pytestmark = pytest.mark.django_db


def test_shipped_2026_national_day_and_adjusted_weekends():
    assert not is_working_day(D("2026-10-01"))
    assert not is_working_day(D("2026-10-07"))
    assert is_working_day(D("2026-09-20"))  # Sunday, adjusted working day
    assert is_working_day(D("2026-10-10"))  # Saturday, adjusted working day
    assert not is_working_day(D("2026-10-11"))  # ordinary Sunday


def test_five_working_days_across_national_day():
    # Wed 30 Sep + 5 working days: 1-7 Oct off, Thu 8, Fri 9, Sat 10 (worked), Mon 12, Tue 13.
    assert add_working_days(D("2026-09-30"), 5) == D("2026-10-13")


def test_spring_festival_2026():
    # Fri 13 Feb + 1 working day = Sat 14 Feb (adjusted working day); + 2 = Tue 24 Feb.
    assert add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    assert add_working_days(D("2026-02-13"), 2) == D("2026-02-24")


def test_ordinary_week_and_zero():
    assert add_working_days(D("2026-11-20"), 1) == D("2026-11-23")  # Fri → Mon
    assert add_working_days(D("2026-11-20"), 0) == D("2026-11-20")
    with pytest.raises(ValueError):
        add_working_days(D("2026-11-20"), -1)


def test_next_working_day_and_between():
    assert next_working_day(D("2026-10-03")) == D("2026-10-08")
    assert next_working_day(D("2026-11-24")) == D("2026-11-24")
    assert working_days_between(D("2026-09-30"), D("2026-10-13")) == 5
    assert working_days_between(D("2026-10-13"), D("2026-09-30")) == -5


def test_calendar_edits_take_effect_at_once():
    day = D("2027-03-01")  # a Monday
    assert is_working_day(day)
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="测试", source="t")
    assert not is_working_day(day)


def test_deadline_job_runs_every_handler_and_logs_failures():
    from common import deadlines

    seen: list[dt.date] = []
    saved = deadlines.registered()
    try:
        deadlines.register("test.ok", lambda as_of: seen.append(as_of) or 1)
        deadlines.register("test.broken", lambda as_of: 1 / 0)
        run = deadlines.run_deadlines(as_of=D("2026-10-08"))
    finally:
        deadlines._handlers.clear()
        deadlines._handlers.update(saved)
    assert seen == [D("2026-10-08")]
    assert run.summary["test.ok"] == 1 and run.summary["test.broken"] == "error"
    assert not run.ok and "ZeroDivisionError" in run.error
