"""Dates and periods the law sets for a credit record, one function per rule.

Every refusal names its rule and, where it is a date, the day things change; the messages are
raised by `records.services` from the values these functions return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from records.models import RecordType


@dataclass(frozen=True)
class Band:
    """A legal range of publicity periods, in months (both ends allowed)."""

    min_months: int
    max_months: int
    basis: str


# 建市〔2017〕241号 第十条: bad information is disclosed for 6 months to 3 years, set by the finding
# authority, never shorter than the penalty's own period. 发改委令第58号 / 国办发〔2025〕22号 /
# 发改委令第36号 tier the maximum by severity: 一般 at most 1 year, 严重 1 to 3 years. 较重 (the
# catalogue's middle tier) sits between: at least the 6 months of 241号, at most 3 years.
PUBLICITY_BANDS: dict[str, Band] = {
    "general": Band(6, 12, "建市〔2017〕241号 第十条；发改委令第58号（一般失信信息最长1年）"),
    "serious": Band(6, 36, "建市〔2017〕241号 第十条（不良信息公示6个月至3年）"),
    "severe": Band(12, 36, "建市〔2017〕241号 第十条；发改委令第58号（严重失信信息1年至3年）"),
}
GOOD_BAND = Band(1, 36, "建市〔2017〕241号 第十条（良好信息公示期限一般为3年）")

# 发改委令第58号 / 国办发〔2025〕22号 / 发改委令第36号: the minimum publicity before credit
# repair may end it early — 一般 3 months, 严重 1 year; 较重 is treated as 一般 (the
# stricter national tier starts at 严重). Never 0: a bad record is always disclosed first.
REPAIR_MINIMUM_MONTHS: dict[str, int] = {"general": 3, "serious": 3, "severe": 12}


def publicity_band(*, record_type: RecordType) -> Band:
    """The legal range within which the finding authority fixes a record's publicity period.

    建市〔2017〕241号 第十条: bad credit information is disclosed for 6 months to 3 years, set by
    the authority that found it, and never shorter than the penalty's own period; good
    information generally 3 years. 发改委令第58号 (一般 at most 1 year, 严重 1–3 years) narrows
    the band per severity. A record type whose default lies outside its band (say a 较重 type
    at 48 months) is refused by `publicity_period_problem` like any hand-typed period.
    """
    if record_type.polarity == "good":
        return GOOD_BAND
    return PUBLICITY_BANDS.get(record_type.severity, PUBLICITY_BANDS["serious"])


def publicity_period_problem(*, record_type: RecordType, months: int,
                             penalty_months: int | None = None) -> str | None:
    """Why `months` is not an allowed publicity period for a record of this type, or None.

    Returns a code: "below_band", "above_band" or "below_penalty" (建市〔2017〕241号 第十条:
    never shorter than the penalty's own period, e.g. an 18-month suspension). A penalty
    longer than the band's maximum lifts the maximum to the penalty's period (令45号 practice:
    a 限制从业 longer than 3 years is disclosed for that period).
    """
    band = publicity_band(record_type=record_type)
    ceiling = max(band.max_months, penalty_months or 0)
    if penalty_months and months < penalty_months:
        return "below_penalty"
    if months < band.min_months:
        return "below_band"
    if months > ceiling:
        return "above_band"
    return None


def publicity_end_date(*, record_type: RecordType, decided_on: dt.date,
                       months: int | None = None) -> dt.date:
    """The last day a record is disclosed: the decision date plus the period fixed for it.

    Implements 建市〔2017〕241号 第十条 (good information disclosed for generally 3 years; bad
    information 6 months to 3 years, set by the finding authority) and the tiers of
    发改委令第58号 / 国办发〔2025〕22号 (一般 up to 1 year, 严重 1-3 years), counted from the
    penalty decision date. `months` is the period the finding authority fixed for this record
    (checked by `publicity_period_problem`); without it the catalogue's default for the type
    (`RecordType.publicity_months`) applies.

    The period is counted as 《民法典》第二百零一条、第二百零二条 count every period in months: the
    decision day itself is not counted, and the period's last day is the day with the same number
    in the final month, or that month's last day when it has no such day (decided 2024-02-29,
    12 months: last day 2025-02-28; decided 2024-03-15, 12 months: last day 2025-03-15).
    """
    months = record_type.publicity_months if months is None else months
    if months == 0:  # not disclosed (e.g. 轻微): ends the day it is decided
        return decided_on
    # relativedelta clips a missing day to the month's last day, which is the 第二百零二条 rule.
    return decided_on + relativedelta(months=months)


def repair_minimum_months(*, severity: str) -> int:
    """The minimum publicity before credit repair may end it (发改委令第58号; 国办发〔2025〕22号;
    发改委令第36号: "最短公示期" — 一般 3 months, 严重 1 year). Never 0."""
    return max(1, REPAIR_MINIMUM_MONTHS.get(severity, REPAIR_MINIMUM_MONTHS["severe"]))


def repair_earliest_date(*, severity: str, decided_on: dt.date) -> dt.date:
    """The first day credit repair may end a record's publicity: the day after the minimum
    period (`repair_minimum_months`) counted from the decision date as 《民法典》第二百零一条
    counts months (decided 2026-01-15, 一般: minimum runs through 2026-04-15; repair from
    2026-04-16). 发改委令第36号: repair requires the minimum period to have been reached."""
    last_day = decided_on + relativedelta(months=repair_minimum_months(severity=severity))
    return last_day + dt.timedelta(days=1)


def publicity_last_day_after_early_end(*, decided_on: dt.date, ended_on: dt.date) -> dt.date:
    """The record's last day of publicity when it ends early on `ended_on` (repair granted, or
    the listing it stands for ended): the day before, never before the decision day
    (发改委令第36号: 终止公示 takes effect at once)."""
    return max(decided_on, ended_on - dt.timedelta(days=1))
