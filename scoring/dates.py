"""Date and rounding rules shared by the plain evaluator and the SQL engine.

Months are counted as 《民法典》第二百零一条、第二百零二条 count periods (and as
`records.rules.publicity_end_date` does): a record decided on the 31st and valid for one month
is valid until the last day of the next month when that month is shorter. The evaluator applies
these rules directly per record; the engine turns them into *cut-off dates* computed once per
run, so the database only ever compares a stored date with a constant (the same on SQLite and
PostgreSQL, and index-friendly). `tests/test_dates.py` checks the two forms agree day by day.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months`, clipped to the end of a shorter month (Civil Code art. 202)."""
    return day + relativedelta(months=months)


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` plus `years`; 29 February becomes 28 February in a common year."""
    return day + relativedelta(years=years)


def in_months_window(*, decided_on: dt.date, months: int, as_of: dt.date) -> bool:
    """A record counts for `months` after its decision, the last day included."""
    return decided_on <= as_of <= add_months(decided_on, months)


def earliest_decision_in_window(*, as_of: dt.date, months: int) -> dt.date:
    """The earliest decision date whose `months`-window still contains `as_of`.

    `add_months(d, m)` never decreases as `d` grows, so the decisions whose window contains
    `as_of` are exactly those on or after this date.
    """
    day = add_months(as_of, -months)
    while add_months(day, months) < as_of:
        day += ONE_DAY
    while add_months(day - ONE_DAY, months) >= as_of:
        day -= ONE_DAY
    return day


def full_years(*, since: dt.date, as_of: dt.date) -> int:
    """Whole years from `since` to `as_of` (years in business counted by anniversaries)."""
    years = as_of.year - since.year
    if add_years(since, years) > as_of:
        years -= 1
    return years


def latest_start_with_years(*, as_of: dt.date, years: int) -> dt.date:
    """The latest establishment date that has at least `years` full years by `as_of`."""
    day = add_years(as_of, -years)
    while add_years(day, years) > as_of:
        day -= ONE_DAY
    while add_years(day + ONE_DAY, years) <= as_of:
        day += ONE_DAY
    return day


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (denominator > 0).

    The SQL engine evaluates the same integer expression, so decayed points agree exactly.
    """
    q = (2 * abs(numerator) + denominator) // (2 * denominator)
    return q if numerator >= 0 else -q
