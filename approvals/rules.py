"""Dates the approvals rules care about: one function per rule, each citing its basis.

Numbers no national rule fixes are county parameters: `parameter(code)` reads an administrator's
override (`approvals.models.Parameter`) first, then the default below.
"""

from __future__ import annotations

import datetime as dt

from approvals.caching import ProcessCache, invalidate_on
from approvals.models import Matter, Parameter
from common.workdays import add_working_days

# code: (default, where it comes from)
DEFAULTS: dict[str, tuple[int, str]] = {
    # 跟踪问效: 国发〔2016〕33号 asks for feedback on how joint incentives and punishments were
    # applied; the period is not fixed nationally.
    "feedback_days": (5, "county parameter: working days after a check to record which "
                         "measures were applied (国发〔2016〕33号 跟踪问效)"),
    # The deadline is set per matter; a matter without its own period uses this.
    "commitment_days": (5, "county parameter: working days to supply missing materials when a "
                           "matter sets none (国办发〔2019〕35号)"),
    # Officers see commitments due within this many working days (workbench convenience).
    "due_soon_days": (3, "county parameter: working days ahead shown as 'due soon'"),
}


_parameters = ProcessCache("parameters")
invalidate_on(_parameters, Parameter)


def parameter(code: str) -> int:
    """The administrator's value for `code`, else the shipped default (kept per process:
    `approvals.caching`)."""
    stored = _parameters.get(code, lambda: Parameter.objects.filter(code=code)
                             .values_list("value", flat=True).first())
    return int(stored) if stored is not None else DEFAULTS[code][0]


def commitment_limit(*, matter: Matter, accepted_on: dt.date) -> dt.date:
    """The latest deadline a commitment for `matter` may carry: the matter's promised processing
    time counted in working days from acceptance.

    容缺受理: the deadline to supplement may not exceed the authority's own promised processing
    time for that item (国办发〔2019〕35号: 容缺受理 within the commitment system). Working days
    as 行政许可法 counts them (the day of acceptance is not counted; `common.workdays`).
    """
    return add_working_days(accepted_on, matter.promised_days)


def commitment_deadline(*, matter: Matter, accepted_on: dt.date) -> dt.date:
    """The default deadline to supply the missing materials: the matter's own period
    (`Matter.commitment_days`, a county parameter) or the `commitment_days` parameter, never
    beyond `commitment_limit` (set in the commitment, within the promised time;
    容缺受理通知书 states it once, in writing)."""
    days = matter.commitment_days or parameter("commitment_days")
    return add_working_days(accepted_on, max(1, min(days, matter.promised_days)))


def commitment_is_overdue(*, deadline: dt.date, as_of: dt.date) -> bool:
    """A commitment is breached once the deadline day has passed without the materials:
    the deadline day itself still counts (the supplement date is the day the materials reach
    the authority); from the next day the 容缺 case is terminated and the breach recorded
    (国办发〔2019〕35号, 国办发〔2020〕42号)."""
    return as_of > deadline


def commitment_due_soon_until(*, today: dt.date) -> dt.date:
    """Last day of the 'due soon' window officers see: `due_soon_days` working days ahead."""
    return add_working_days(today, parameter("due_soon_days"))


def feedback_due_date(*, checked_on: dt.date) -> dt.date:
    """When the officer's feedback on a check (跟踪问效) is due: `feedback_days` working days
    after the check (a county parameter; 国发〔2016〕33号 asks that the application of joint
    incentives and punishments be tracked and fed back; DESIGN.md feedback loop). After this
    day the check shows as feedback-overdue for its department."""
    return add_working_days(checked_on, parameter("feedback_days"))


def clean_window_start(*, as_of: dt.date, months: int) -> dt.date:
    """First day of the "no bad record for N months" window (国发〔2016〕33号: 连续三年无不良
    信用记录): the same day N months earlier (民法典 第二百零二条 month counting)."""
    from dateutil.relativedelta import relativedelta

    return as_of - relativedelta(months=months)


def licence_goes_to_publicity(*, granted: bool, measures_applied: int) -> bool:
    """A licence decision is shared in the 双公示 licence (XK) set when it was granted and a
    credit measure (an incentive or a restriction) was applied to it: the platform publishes
    its own licences decided with credit measures (国发〔2016〕33号, joint incentives and
    punishments tracked and shared; 发改办财金〔2015〕2700号, 行政许可 within 7 working days).
    A refusal is kept with the check but not published as a licence."""
    return granted and measures_applied > 0
