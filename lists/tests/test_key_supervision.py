"""Key supervision follows its rules: entered at once when a severe record becomes effective,
left when the rule no longer holds, and by grade once evaluations exist."""

from __future__ import annotations

import datetime as dt

from audit.models import AuditEvent
from common import clock
from common.deadlines import run_deadlines
from lists.models import KeyRule, KeyState, KeySupervisionEntry
from lists.tests.scoring_data import batch
from records.services import record_revoke

MONDAY = dt.date(2026, 3, 2)


def _open(subject) -> dict[str, KeySupervisionEntry]:
    return {e.rule: e for e in KeySupervisionEntry.objects.filter(subject=subject,
                                                                  state=KeyState.IN_FORCE)}


def test_a_severe_record_puts_the_subject_under_key_supervision_at_once(
        reviewer, subject, make_record):
    with clock.frozen_at(MONDAY):
        make_record(subject, "penalty_fine")  # general: no
        assert _open(subject) == {}
        record = make_record(subject, "maintenance_fund_misuse")  # severe
    entry = _open(subject)[KeyRule.SEVERE_RECORD]
    assert entry.trigger_record == record
    assert record.document_number in entry.reason
    assert entry.entered_on == MONDAY
    assert entry.measures  # the measures that follow are recorded with it
    with clock.frozen_at(dt.date(2026, 3, 5)):
        record_revoke(actor=reviewer, record=record, reason="复议撤销")
    assert _open(subject) == {}
    ended = KeySupervisionEntry.objects.get(pk=entry.pk)
    assert ended.state == KeyState.ENDED and ended.ended_on == dt.date(2026, 3, 5)
    assert "no longer holds" in ended.end_reason or "不再" in ended.end_reason


def test_the_job_ends_it_when_the_record_leaves_its_publicity(subject, make_record):
    with clock.frozen_at(MONDAY):
        make_record(subject, "maintenance_fund_misuse")  # 36 months: until 2029-03-02
    assert KeyRule.SEVERE_RECORD in _open(subject)
    with clock.frozen_at(dt.date(2029, 3, 2)):
        run_deadlines(as_of=dt.date(2029, 3, 2))
    assert KeyRule.SEVERE_RECORD in _open(subject)
    with clock.frozen_at(dt.date(2029, 3, 3)):
        run_deadlines(as_of=dt.date(2029, 3, 3))
        run_deadlines(as_of=dt.date(2029, 3, 3))
    assert _open(subject) == {}
    assert AuditEvent.objects.filter(action="lists.key.end").count() == 1


def test_the_lowest_grade_enters_and_a_better_grade_leaves(db, subject, other_subject):
    batch({subject: "D", other_subject: "B"}, as_of=dt.date(2026, 3, 1))
    with clock.frozen_at(MONDAY):
        run_deadlines(as_of=MONDAY)
    entry = _open(subject)[KeyRule.LOWEST_GRADE]
    assert entry.grade == "D" and "D" in entry.reason
    assert _open(other_subject) == {}
    batch({subject: "C", other_subject: "B"}, as_of=dt.date(2026, 4, 1))
    with clock.frozen_at(dt.date(2026, 4, 2)):
        run_deadlines(as_of=dt.date(2026, 4, 2))
    assert _open(subject) == {}


def test_a_veto_only_grade_counts_as_the_lowest(db, subject):
    batch({subject: "D"}, as_of=dt.date(2026, 3, 1))
    with clock.frozen_at(MONDAY):
        run_deadlines(as_of=MONDAY)
    assert _open(subject)[KeyRule.LOWEST_GRADE].grade == "D"
