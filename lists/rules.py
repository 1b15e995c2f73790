"""Every date the list procedures care about: one function per rule, named after it.

Numbers no national rule fixes are county parameters with shipped defaults: `parameter(code)`
reads an administrator's `ProcedureSetting` row first, then `settings.LISTS_PARAMETERS[code]`,
then `DEFAULTS`. Working days come from the holiday calendar
(`common.workdays`), which knows the official holidays and the adjusted working weekends.

How a period is counted: "within N working days of X" ends on the N-th working day after X
(X itself not counted, 行政许可法 / 令45号 practice); a period in months or years ends on the
day with the same number in the last month (《民法典》第二百零一条、第二百零二条), as in
`records.rules.publicity_end_date`. A stored end date is the period's LAST day: the deadline
job moves an entry once `as_of` is after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings

from common.workdays import add_working_days, next_working_day


@dataclass(frozen=True)
class Parameter:
    default: int
    unit: str
    source: str


DEFAULTS: dict[str, Parameter] = {
    "black_statement_working_days": Parameter(
        5, "working days",
        "国办发〔2020〕49号 (八) requires 告知 and 陈述申辩 but sets no number; a county "
        "parameter, 5 as 行政处罚法 (2021) 第六十四条's 5 days to request a hearing."),
    "black_review_working_days": Parameter(
        10, "working days",
        "county service target for deciding after the statement period; no legal number."),
    "publication_working_days": Parameter(
        7, "working days",
        "双公示 timeliness: published within 7 working days of the decision (国发〔2016〕33号)."),
    "black_publicity_working_days": Parameter(
        5, "working days",
        "county parameter: publicity (公示) of a listing decision before it takes effect."),
    "black_management_months": Parameter(
        12, "months", "建市〔2017〕241号 第十六条: 管理期限为自被列入名单之日起1年."),
    "black_repair_earliest_months": Parameter(
        3, "months",
        "minimum time in force before credit repair may remove an entry; never 0 "
        "(发改委令第58号 / 第36号: repair only after the minimum publicity, 一般 3 months)."),
    "sanction_statement_working_days": Parameter(
        5, "working days",
        "statement and defence before a sanction (行政处罚法 第四十四条、第四十五条; 5 as the "
        "hearing request period of 第六十四条)."),
    "objection_reply_working_days": Parameter(
        20, "working days",
        "征信业管理条例 第二十五条: an objection is checked and answered within 20 days; a county "
        "parameter in working days."),
    "repair_decision_working_days": Parameter(
        10, "working days",
        "国办发〔2025〕22号: 3 working days to accept, then the department's own period; a county "
        "parameter."),
    "red_review_working_days": Parameter(
        10, "working days", "county service target for reviewing a nomination."),
    "red_publicity_working_days": Parameter(
        5, "working days", "county parameter: publicity of a red-list nomination."),
    "red_validity_months": Parameter(
        12, "months", "county parameter: validity of a red-list entry; no national number."),
    "red_removal_min_severity": Parameter(
        1, "rank (1 general, 2 serious, 3 severe)",
        "a bad record of at least this severity suspends a red-list entry at once "
        "(国发〔2016〕33号: incentives for subjects without bad records)."),
}

SEVERITY_RANK = {"general": 1, "serious": 2, "severe": 3}


def parameter(code: str) -> int:
    """The configured value of a procedural number (administrator row, settings, default)."""
    from lists.models import ProcedureSetting  # models import this module's callers

    row = ProcedureSetting.objects.filter(code=code).values_list("value", flat=True).first()
    if row is not None:
        return int(row)
    overrides = getattr(settings, "LISTS_PARAMETERS", {})
    if code in overrides:
        return int(overrides[code])
    return DEFAULTS[code].default


# --- black list -------------------------------------------------------------------------------
def statement_and_defence_deadline(*, notified_on: dt.date) -> dt.date:
    """Last day on which the subject may state its case (陈述申辩) after the notice is served.

    国办发〔2020〕49号 (八): before a subject is put on a 严重失信主体名单 it is told the reason,
    the legal basis and its rights, and may state and defend itself. The length is
    `black_statement_working_days` working days (a county parameter), counted from the day
    after service.
    """
    return add_working_days(notified_on, parameter("black_statement_working_days"))


def listing_review_deadline(*, ready_on: dt.date) -> dt.date:
    """The day by which the lead department should decide once a case is ready for review.

    An internal service target (`black_review_working_days`, a county parameter); no
    regulation sets it, but 国办发〔2020〕49号 (八) asks for timely handling, and the workbench
    counts down to it.
    """
    return add_working_days(ready_on, parameter("black_review_working_days"))


def publication_deadline(*, decided_on: dt.date) -> dt.date:
    """Last day to publish a decision: within 7 working days (双公示 timeliness,
    国发〔2016〕33号)."""
    return add_working_days(decided_on, parameter("publication_working_days"))


def black_list_publicity_end(*, published_on: dt.date) -> dt.date:
    """Last day of the publicity (公示) of a listing decision, during which objections suspend it.

    `black_publicity_working_days` working days (a county parameter) after publication; the
    entry takes effect the day after (`black_list_effective_from`).
    """
    return add_working_days(published_on, parameter("black_publicity_working_days"))


def black_list_effective_from(*, publicity_ends_on: dt.date, as_of: dt.date) -> dt.date:
    """The day the listing takes effect: the day after the publicity, or `as_of` when later
    (an objection that was rejected after the publicity ended)."""
    return max(publicity_ends_on + dt.timedelta(days=1), as_of)


def black_list_management_period_end(*, effective_from: dt.date, months: int | None = None
                                     ) -> dt.date:
    """Last day of the black-list management period.

    建市〔2017〕241号 第十六条: "管理期限为自被列入名单之日起1年" (`black_management_months`);
    counted as 《民法典》第二百零一条 counts periods: the day with the same number in the last
    month (listed 2026-03-15 → in force through 2027-03-15; expired from 2027-03-16).
    """
    months = parameter("black_management_months") if months is None else months
    return effective_from + relativedelta(months=months)


def credit_repair_earliest_date(*, effective_from: dt.date) -> dt.date:
    """The first day credit repair may remove an entry from the black list.

    发改委令第58号 / 第36号: repair is possible only once the minimum period is reached; the list's
    minimum is `black_repair_earliest_months` (default 3, never below 1): listed 2026-03-10
    with 3 months → the minimum runs through 2026-06-10, removal possible from 2026-06-11.
    """
    months = max(1, parameter("black_repair_earliest_months"))
    return effective_from + relativedelta(months=months) + dt.timedelta(days=1)


def sanction_statement_deadline(*, notified_on: dt.date) -> dt.date:
    """Last day on which the party may state its case against an intended sanction.

    《中华人民共和国行政处罚法》第四十四条、第四十五条: before a penalty (警告 and 通报批评 are
    penalties since 2021) the party is told the facts, reasons and basis and may state and
    defend itself; `sanction_statement_working_days` working days from the day after service.
    """
    return add_working_days(notified_on, parameter("sanction_statement_working_days"))


def objection_reply_deadline(*, filed_on: dt.date) -> dt.date:
    """The day by which an objection (异议) must be answered.

    国办发〔2020〕49号 (八): objections are checked and answered within the stipulated time;
    `objection_reply_working_days` (征信业管理条例 第二十五条: 20 days; a county parameter).
    """
    return add_working_days(filed_on, parameter("objection_reply_working_days"))


def credit_repair_decision_deadline(*, filed_on: dt.date) -> dt.date:
    """The day by which a credit-repair request must be decided.

    国办发〔2025〕22号 / 发改委令第36号: accept within 3 working days, then the department's own
    period (a county parameter, default 10 working days).
    """
    return add_working_days(filed_on, parameter("repair_decision_working_days"))


# --- red list ---------------------------------------------------------------------------------
def red_list_review_deadline(*, nominated_on: dt.date) -> dt.date:
    """The day by which the lead department reviews a nomination (a county service target)."""
    return add_working_days(nominated_on, parameter("red_review_working_days"))


def red_list_publicity_end(*, started_on: dt.date) -> dt.date:
    """Last day of a red-list nomination's publicity, in which anyone may object.

    `red_publicity_working_days` working days (a county parameter); 国发〔2016〕33号 asks
    that incentives be public and fair; the county publishes nominations for 5 working days.
    """
    return add_working_days(started_on, parameter("red_publicity_working_days"))


def red_list_decision_deadline(*, publicity_ends_on: dt.date) -> dt.date:
    """Decide within the review target after the publicity closes (a county service target)."""
    return add_working_days(next_working_day(publicity_ends_on + dt.timedelta(days=1)),
                            parameter("red_review_working_days"))


def red_list_validity_end(*, effective_from: dt.date) -> dt.date:
    """Last day a red-list entry is valid (`red_validity_months`, a county parameter, counted
    in months as 《民法典》第二百零一条 counts)."""
    return effective_from + relativedelta(months=parameter("red_validity_months"))


def red_list_clean_window_start(*, as_of: dt.date, months: int) -> dt.date:
    """First day of the window in which a nominee must have no effective bad record
    (国发〔2016〕33号: "连续三年无不良信用记录"; the months are the criterion's data)."""
    return as_of - relativedelta(months=months)


def red_list_removal_applies(*, severity: str) -> bool:
    """Whether a bad record of `severity` disqualifies a red-list entry (suspended at once,
    removed after review): 国发〔2016〕33号 rewards subjects without bad records, so by default
    every bad record does (`red_removal_min_severity`, 1 = general and above)."""
    return SEVERITY_RANK.get(severity, 0) >= parameter("red_removal_min_severity")
