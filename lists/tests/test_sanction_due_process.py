"""Sanctions (警告、通报批评、公开谴责) with notice → statement and defence → decision, printable
notice and decision; one act gives one record (行政处罚法 第四十四条、第四十五条)."""

from __future__ import annotations

import datetime as dt

import pytest

from common import clock
from common.errors import Conflict
from lists import services
from lists.models import NoticeDocument, SanctionState
from records.models import CreditRecord

MONDAY = dt.date(2026, 3, 2)


def _propose(clerk, subject, **kw):
    with clock.frozen_at(MONDAY):
        return services.sanction_propose(
            actor=clerk, subject=subject, kind="criticism", scope="public",
            grounds="违规收取物业费。", legal_basis="《物业管理条例》",
            document_number=kw.pop("number", "物惩〔2026〕7号"), occurred_on=MONDAY, **kw)


def test_notice_statement_period_and_decision_with_printable_documents(
        catalogue, clerk, reviewer, subject):
    sanction = _propose(clerk, subject)
    with clock.frozen_at(MONDAY), pytest.raises(Conflict) as refused:
        services.sanction_decide(actor=reviewer, sanction=sanction)
    assert "第四十四条" in str(refused.value.message)
    with clock.frozen_at(MONDAY):
        sanction = services.sanction_notify(actor=clerk, sanction=sanction)
    assert sanction.state == SanctionState.NOTIFIED
    assert sanction.statement_ends_on == dt.date(2026, 3, 9)  # 5 working days
    notice = NoticeDocument.objects.get(sanction=sanction)
    assert notice.kind == "sanction_notice" and notice.file.read().startswith(b"%PDF")
    # the last day of the statement period: refused, naming the first day possible
    with clock.frozen_at(dt.date(2026, 3, 9)), pytest.raises(Conflict) as refused:
        services.sanction_decide(actor=reviewer, sanction=sanction)
    assert "2026-03-10" in str(refused.value.message)
    with clock.frozen_at(dt.date(2026, 3, 10)):
        sanction = services.sanction_decide(actor=reviewer, sanction=sanction)
    assert sanction.state == SanctionState.DECIDED and sanction.record is not None
    assert NoticeDocument.objects.filter(sanction=sanction,
                                         kind="sanction_decision").exists()


def test_a_sanction_for_an_act_already_on_record_adds_no_second_record(
        catalogue, clerk, reviewer, subject, make_record):
    with clock.frozen_at(MONDAY):
        fine = make_record(subject, "property_fee_violation")
    before = CreditRecord.objects.filter(subject=subject).count()
    sanction = _propose(clerk, subject, act_record=fine, number="物惩〔2026〕8号")
    with clock.frozen_at(MONDAY):
        sanction = services.sanction_notify(actor=clerk, sanction=sanction)
        sanction = services.sanction_record_statement(actor=clerk, sanction=sanction,
                                                      statement="已退还多收费用。", final=True)
        sanction = services.sanction_decide(actor=reviewer, sanction=sanction)
    assert sanction.state == SanctionState.DECIDED
    assert sanction.record is None and sanction.act_record == fine
    assert CreditRecord.objects.filter(subject=subject).count() == before


def test_the_act_record_must_be_the_subjects_effective_bad_record(
        catalogue, clerk, subject, other_subject, make_record):
    with clock.frozen_at(MONDAY):
        other = make_record(other_subject, "property_fee_violation")
    with pytest.raises(Exception) as refused:
        _propose(clerk, subject, act_record=other)
    assert other.document_number in str(getattr(refused.value, "message", refused.value))
