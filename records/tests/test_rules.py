"""Publicity periods: the decision day is not counted; the last day is the same-numbered day of
the final month, or its last day when it has none (民法典 第二百零一条、第二百零二条)."""

from __future__ import annotations

import datetime as dt

import pytest

from records.models import RecordType
from records.rules import publicity_end_date


def ends(months: int, decided_on: dt.date) -> dt.date:
    return publicity_end_date(record_type=RecordType(publicity_months=months),
                              decided_on=decided_on)


@pytest.mark.parametrize("months,decided,expected", [
    (12, dt.date(2024, 3, 15), dt.date(2025, 3, 15)),
    (36, dt.date(2024, 3, 15), dt.date(2027, 3, 15)),
    (3, dt.date(2024, 11, 20), dt.date(2025, 2, 20)),  # across a year end
    (6, dt.date(2023, 12, 31), dt.date(2024, 6, 30)),  # June has no 31st
])
def test_period_in_months(months: int, decided: dt.date, expected: dt.date) -> None:
    assert ends(months, decided) == expected


def test_leap_day_decision_ends_on_the_last_day_of_february() -> None:
    assert ends(12, dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert ends(48, dt.date(2024, 2, 29)) == dt.date(2028, 2, 29)


def test_month_end_decision_ends_on_the_shorter_months_last_day() -> None:
    assert ends(1, dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert ends(1, dt.date(2023, 1, 31)) == dt.date(2023, 2, 28)
    assert ends(3, dt.date(2024, 1, 31)) == dt.date(2024, 4, 30)


def test_zero_months_ends_on_the_decision_day() -> None:
    assert ends(0, dt.date(2024, 2, 29)) == dt.date(2024, 2, 29)


@pytest.mark.parametrize("months", [0, 1, 3, 6, 12, 36])
def test_end_is_never_before_the_decision(months: int) -> None:
    decided = dt.date(2024, 1, 31)
    assert ends(months, decided) >= decided
