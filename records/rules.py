"""Dates the law sets for a credit record, one function per rule."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

from records.models import RecordType


def publicity_end_date(*, record_type: RecordType, decided_on: dt.date) -> dt.date:
    """The last day a record is disclosed: the decision date plus the catalogue's period.

    Implements 建市〔2017〕241号 第十条 (good information disclosed for generally 3 years; bad
    information 6 months to 3 years, set by the finding authority) and the tiers of
    发改委令第58号 / 国办发〔2025〕22号 (一般 3 months-1 year, 严重 1-3 years), counted from the
    penalty decision date (REFERENCE.md §2.3-2.4). The period per type is catalogue data
    (`RecordType.publicity_months`), so a department that fixes a different period edits the
    catalogue, not this code.

    The period is counted as 《民法典》第二百零一条、第二百零二条 count every period in months: the
    decision day itself is not counted, and the period's last day is the day with the same number
    in the final month, or that month's last day when it has no such day (decided 2024-02-29,
    12 months: last day 2025-02-28; decided 2024-03-15, 12 months: last day 2025-03-15).
    """
    if record_type.publicity_months == 0:  # not disclosed (e.g. 轻微): ends the day it is decided
        return decided_on
    # relativedelta clips a missing day to the month's last day, which is the 第二百零二条 rule.
    return decided_on + relativedelta(months=record_type.publicity_months)
