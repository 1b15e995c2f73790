"""The engine's cut-off dates agree with the evaluator's per-record date rules, day by day."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring import dates

DAYS = [dt.date(2023, 12, 1) + dt.timedelta(days=n) for n in range(0, 520, 3)] + [
    dt.date(2024, 2, 29), dt.date(2024, 3, 31), dt.date(2025, 2, 28), dt.date(2024, 1, 31)]


@pytest.mark.parametrize("months", [1, 2, 6, 12, 13, 36])
def test_window_cutoff_matches_per_record_rule(months):
    for as_of in DAYS:
        cut = dates.earliest_decision_in_window(as_of=as_of, months=months)
        for offset in range(-5, 5):
            decided = cut + dt.timedelta(days=offset)
            if decided > as_of:
                continue
            assert dates.in_months_window(decided_on=decided, months=months, as_of=as_of) \
                == (decided >= cut), (as_of, months, decided)


@pytest.mark.parametrize("years", [0, 1, 3, 5, 10])
def test_years_cutoff_matches_full_years(years):
    for as_of in DAYS:
        cut = dates.latest_start_with_years(as_of=as_of, years=years)
        for offset in range(-4, 4):
            since = cut + dt.timedelta(days=offset)
            assert (dates.full_years(since=since, as_of=as_of) >= years) == (since <= cut)


def test_month_end_clipping_follows_the_civil_code():
    assert dates.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert dates.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert dates.in_months_window(decided_on=dt.date(2024, 1, 31), months=1,
                                  as_of=dt.date(2024, 2, 29))
    assert not dates.in_months_window(decided_on=dt.date(2024, 1, 31), months=1,
                                      as_of=dt.date(2024, 3, 1))


@pytest.mark.parametrize(("num", "den", "expected"), [
    (5, 2, 3), (-5, 2, -3), (4, 3, 1), (-4, 3, -1), (7, 2, 4), (0, 7, 0), (-1, 3, 0)])
def test_round_half_away_from_zero(num, den, expected):
    assert dates.round_div(num, den) == expected
