"""The dates of a subject's objection: until when it may file, by when it is answered.

One function per rule, named after it. The answer deadline is the list procedures' own
(`lists.rules.objection_reply_deadline`), so a record, a grade and a list step are answered in
the same time. Periods in working days come from the holiday calendar (`common.workdays`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from common.workdays import add_working_days
from lists import rules as list_rules

#: 本县 practice: a grade may be objected to within 15 working days of its publication
#: (configurable as APPEALS_GRADE_OBJECTION_WORKING_DAYS).
GRADE_OBJECTION_WORKING_DAYS = 15


def record_objection_deadline(*, publicity_ends_on: dt.date) -> dt.date:
    """Last day to object to a credit record: while it is published.

    国办发〔2020〕49号 (八) and 发改委令第58号: a subject that finds the credit information
    published about it wrong may object to it; once the publicity has ended there is nothing
    published left to object to (the record no longer counts anywhere).
    """
    return publicity_ends_on


def grade_objection_deadline(*, graded_on: dt.date) -> dt.date:
    """Last day to object to a credit grade: `GRADE_OBJECTION_WORKING_DAYS` working days after
    the grade's evaluation date (本县信用分级分类管理实施方案: evaluation results are told to the
    subject, which may object; 国办发〔2020〕49号 (八))."""
    days = int(getattr(settings, "APPEALS_GRADE_OBJECTION_WORKING_DAYS",
                       GRADE_OBJECTION_WORKING_DAYS))
    return add_working_days(graded_on, days)


def list_objection_deadline(*, publicity_ends_on: dt.date | None,
                            effective_until: dt.date | None) -> dt.date | None:
    """Last day to object to a list step: while the entry is published, i.e. through its
    publicity and, once in force, through its management period (国办发〔2020〕49号 (八): the
    listed subject may object to the listing). None when no date is fixed yet."""
    return effective_until or publicity_ends_on


def answer_deadline(*, filed_on: dt.date) -> dt.date:
    """The day by which an objection is answered: the list procedures' reply deadline
    (国办发〔2020〕49号 (八); `lists.rules.objection_reply_deadline`)."""
    return list_rules.objection_reply_deadline(filed_on=filed_on)
