"""One function per rule: the dates, across holidays, and the configurable [M] numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from lists import rules
from lists.models import ProcedureSetting

pytestmark = pytest.mark.django_db


def test_statement_period_spans_national_day_2026_in_working_days():
    # 2026-09-28 (Mon): 9/29, 9/30, [10/1-10/7 holiday], 10/8, 10/9, 10/10 (Saturday, worked)
    assert rules.statement_and_defence_deadline(notified_on=dt.date(2026, 9, 28)) == \
        dt.date(2026, 10, 10)
    # 2026-09-18 (Fri): Sunday 9/20 is an adjusted working day
    assert rules.statement_and_defence_deadline(notified_on=dt.date(2026, 9, 18)) == \
        dt.date(2026, 9, 24)


def test_objection_reply_counts_working_days_over_the_holiday():
    # 2026-09-30 + 20 working days: 10/8, 10/9, 10/10, 10/12 … skips the Golden Week
    assert rules.objection_reply_deadline(filed_on=dt.date(2026, 9, 30)) == dt.date(2026, 11, 3)


def test_management_period_counts_months_like_the_civil_code():
    assert rules.black_list_management_period_end(effective_from=dt.date(2026, 3, 15)) == \
        dt.date(2027, 3, 15)
    assert rules.black_list_management_period_end(effective_from=dt.date(2028, 2, 29)) == \
        dt.date(2029, 2, 28)
    assert rules.black_list_management_period_end(effective_from=dt.date(2026, 1, 31),
                                                  months=1) == dt.date(2026, 2, 28)


def test_effective_from_is_the_day_after_publicity_or_later():
    assert rules.black_list_effective_from(publicity_ends_on=dt.date(2026, 3, 9),
                                           as_of=dt.date(2026, 3, 10)) == dt.date(2026, 3, 10)
    assert rules.black_list_effective_from(publicity_ends_on=dt.date(2026, 3, 9),
                                           as_of=dt.date(2026, 3, 20)) == dt.date(2026, 3, 20)


def test_publication_and_publicity_deadlines():
    assert rules.publication_deadline(decided_on=dt.date(2026, 9, 29)) == dt.date(2026, 10, 14)
    assert rules.black_list_publicity_end(published_on=dt.date(2026, 9, 30)) == \
        dt.date(2026, 10, 13)
    assert rules.red_list_publicity_end(started_on=dt.date(2026, 3, 2)) == dt.date(2026, 3, 9)
    assert rules.red_list_validity_end(effective_from=dt.date(2026, 3, 2)) == dt.date(2027, 3, 2)


def test_parameters_come_from_the_database_then_settings_then_the_default(settings):
    assert rules.parameter("black_statement_working_days") == 5
    settings.LISTS_PARAMETERS = {"black_statement_working_days": 7}
    assert rules.parameter("black_statement_working_days") == 7
    ProcedureSetting.objects.create(code="black_statement_working_days", value=10,
                                    note="local rule")
    assert rules.parameter("black_statement_working_days") == 10
    assert rules.statement_and_defence_deadline(notified_on=dt.date(2026, 3, 2)) == \
        dt.date(2026, 3, 16)


def test_every_default_cites_its_source():
    for code, parameter in rules.DEFAULTS.items():
        assert parameter.source, code
        assert parameter.default >= 0


def test_red_list_removal_severity_is_configurable(settings):
    assert rules.red_list_removal_applies(severity="general")  # any bad record by default
    assert rules.red_list_removal_applies(severity="serious")
    settings.LISTS_PARAMETERS = {"red_removal_min_severity": 2}
    assert not rules.red_list_removal_applies(severity="general")
    assert rules.red_list_removal_applies(severity="serious")
