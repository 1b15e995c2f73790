"""Industry sanctions become bad records; typical cases are reviewed with four eyes."""

from __future__ import annotations

import datetime as dt

import pytest

from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from lists import services
from lists.models import CaseState, IndustrySanction, SanctionState, TypicalCase
from records.models import RecordState

MONDAY = dt.date(2026, 3, 2)


def _propose(clerk, subject, *, kind="condemnation", scope="public") -> IndustrySanction:
    with clock.frozen_at(MONDAY):
        return services.sanction_propose(
            actor=clerk, subject=subject, kind=kind, scope=scope,
            grounds="物业服务中多次违规收费，经约谈拒不整改。",
            legal_basis="《物业管理条例》；行业自律公约", document_number="物协惩〔2026〕3号",
            occurred_on=dt.date(2026, 2, 20))


def _heard(clerk, sanction, *, on=MONDAY) -> IndustrySanction:
    """Notice served and the statement waived: the sanction may be decided at once."""
    with clock.frozen_at(on):
        sanction = services.sanction_notify(actor=clerk, sanction=sanction)
        return services.sanction_record_statement(actor=clerk, sanction=sanction, statement="",
                                                  final=True)


def test_a_decided_sanction_becomes_an_effective_bad_record(catalogue, clerk, reviewer,
                                                             subject):
    sanction = _heard(clerk, _propose(clerk, subject))
    with clock.frozen_at(MONDAY):
        with pytest.raises(PermissionDeniedError):
            services.sanction_decide(actor=clerk, sanction=sanction)
        sanction = services.sanction_decide(actor=reviewer, sanction=sanction)
    assert sanction.state == SanctionState.DECIDED and sanction.decided_on == MONDAY
    record = sanction.record
    assert record.state == RecordState.EFFECTIVE
    assert record.record_type.code == "sanction_condemnation"
    assert record.record_type.severity == "serious"
    assert record.is_public and record.occurred_on == dt.date(2026, 2, 20)
    assert record.created_by == clerk and record.reviewed_by == reviewer
    with clock.frozen_at(dt.date(2026, 3, 3)):
        services.sanction_revoke(actor=reviewer, sanction=sanction, reason="复核撤销")
    assert type(record).objects.get(pk=record.pk).state == RecordState.REVOKED


def test_an_internal_warning_is_not_public_and_can_be_rejected(catalogue, clerk, reviewer,
                                                               subject):
    sanction = _propose(clerk, subject, kind="warning", scope="internal")
    with clock.frozen_at(MONDAY):
        with pytest.raises(ValidationFailed):
            services.sanction_reject(actor=reviewer, sanction=sanction, comment="")
        rejected = services.sanction_reject(actor=reviewer, sanction=sanction,
                                            comment="情节轻微，不予惩戒")
        assert rejected.state == SanctionState.REJECTED and rejected.record is None
        with pytest.raises(Conflict):
            services.sanction_decide(actor=reviewer, sanction=rejected)
        second = _heard(clerk, _propose(clerk, subject, kind="warning", scope="internal"))
        second = services.sanction_decide(actor=reviewer, sanction=second)
    assert second.record.is_public is False


def test_sanction_input_is_checked(catalogue, clerk, subject):
    with clock.frozen_at(MONDAY), pytest.raises(ValidationFailed):
        services.sanction_propose(actor=clerk, subject=subject, kind="fine", scope="public",
                                  grounds="x", legal_basis="y", document_number="z",
                                  occurred_on=MONDAY)


def test_typical_case_life(catalogue, clerk, reviewer, second_reviewer, subject, make_record):
    with clock.frozen_at(MONDAY):
        record = make_record(subject, "false_advertising")
        case = services.case_create(actor=reviewer, title="某公司发布虚假房源广告案", kind="bad",
                                    body="案情……", subjects=[subject], records=[record])
        case = services.case_transition(actor=reviewer, case=case, action="submit")
        with pytest.raises(PermissionDeniedError):  # four eyes
            services.case_transition(actor=reviewer, case=case, action="publish")
        with pytest.raises(ValidationFailed):
            services.case_transition(actor=second_reviewer, case=case,
                                     action="return_to_author")
        case = services.case_transition(actor=second_reviewer, case=TypicalCase.objects.get(
            pk=case.pk), action="return_to_author", comment="补充处罚依据")
        assert case.state == CaseState.DRAFT
        case = services.case_update(actor=reviewer, case=case, title=case.title,
                                    body="案情……依据《房地产广告发布规定》。")
        case = services.case_transition(actor=reviewer, case=case, action="submit")
        case = services.case_transition(actor=second_reviewer, case=case, action="publish")
        assert case.state == CaseState.PUBLISHED and case.published_on == MONDAY
        with pytest.raises(Conflict):
            services.case_update(actor=reviewer, case=case, title="x", body="y")
        case = services.case_transition(actor=second_reviewer, case=case, action="withdraw",
                                        comment="当事人已整改")
    assert case.state == CaseState.WITHDRAWN and case.withdraw_reason == "当事人已整改"
    assert list(case.records.all()) == [record]


def test_case_records_must_belong_to_its_subjects(catalogue, clerk, subject, other_subject,
                                                  make_record):
    with clock.frozen_at(MONDAY):
        record = make_record(other_subject, "penalty_fine")
        with pytest.raises(ValidationFailed):
            services.case_create(actor=clerk, title="t", kind="bad", body="b",
                                 subjects=[subject], records=[record])
