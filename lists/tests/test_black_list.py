"""The black list end to end: proposal with proof, notice, statement, review, decision,
publication, force, expiry, objections (upheld and rejected) and credit repair."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from audit.models import AuditEvent
from common import clock
from common.deadlines import run_deadlines
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from lists import services
from lists.models import (
    BlacklistGround,
    BlackState,
    KeyRule,
    KeyState,
    KeySupervisionEntry,
    NoticeDocument,
    Objection,
    RepairRequest,
)
from lists.tests.helpers import propose, refreshed, to_in_force, to_publicity
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_create

MONDAY = dt.date(2026, 3, 2)


def pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


# --- proposal ---------------------------------------------------------------------------------
def test_proposal_needs_an_effective_record_of_the_grounds_type(clerk, reviewer, subject,
                                                                 make_record):
    fraud = BlacklistGround.objects.get(code="fraud")
    with clock.frozen_at(MONDAY):
        with pytest.raises(ValidationFailed) as none:
            services.black_propose(actor=clerk, subject=subject, ground=fraud, records=[],
                                   facts="x")
        assert none.value.code == "no_proof"

        draft = record_create(actor=clerk, subject=subject,
                              record_type=RecordType.objects.get(code="fraud"),
                              occurred_on=MONDAY, decided_on=MONDAY, document_number="D-1",
                              submit=True)
        with pytest.raises(ValidationFailed) as not_effective:
            services.black_propose(actor=clerk, subject=subject, ground=fraud, records=[draft],
                                   facts="x")
        assert not_effective.value.code == "proof_not_effective"
        assert "D-1" in str(not_effective.value.message)

        fine = make_record(subject, "penalty_fine")
        with pytest.raises(ValidationFailed) as wrong:
            services.black_propose(actor=clerk, subject=subject, ground=fraud, records=[fine],
                                   facts="x")
        assert wrong.value.code == "proof_wrong_type"

        proof = make_record(subject, "fraud")
        entry = services.black_propose(actor=clerk, subject=subject, ground=fraud,
                                       records=[proof], facts="以虚假材料取得资质。")
    assert entry.state == BlackState.PROPOSED
    assert list(entry.records.all()) == [proof]
    assert entry.department == clerk.department
    assert AuditEvent.objects.filter(action="lists.black.propose", target_id=str(entry.pk)).exists()


def test_a_record_past_its_publicity_no_longer_proves_a_ground(clerk, subject, make_record):
    """建市〔2017〕241号 第十三条: expired bad records must not be used for punishment."""
    with clock.frozen_at(dt.date(2023, 1, 10)):
        old = make_record(subject, "fraud")  # 36 months of publicity: until 2026-01-10
    with clock.frozen_at(MONDAY), pytest.raises(ValidationFailed) as exc:
        services.black_propose(actor=clerk, subject=subject,
                               ground=BlacklistGround.objects.get(code="fraud"),
                               records=[old], facts="x")
    assert exc.value.code == "proof_expired"


def test_repeated_accidents_need_two_records_within_a_year(clerk, subject, make_record):
    ground = BlacklistGround.objects.get(code="repeated_larger_accidents")
    with clock.frozen_at(MONDAY):
        one = make_record(subject, "accident_larger")
        with pytest.raises(ValidationFailed) as exc:
            services.black_propose(actor=clerk, subject=subject, ground=ground, records=[one],
                                   facts="x")
        assert exc.value.code == "proof_insufficient"
        two = make_record(subject, "accident_larger")
        entry = services.black_propose(actor=clerk, subject=subject, ground=ground,
                                       records=[one, two], facts="两次较大事故")
    assert entry.records.count() == 2


def test_only_one_open_entry_per_subject_and_ground(clerk, subject, make_record):
    propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with pytest.raises(Conflict):
        propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)


def test_roles_that_may_not_propose(window_officer, leader, subject, make_record):
    with clock.frozen_at(MONDAY):
        record = make_record(subject, "fraud")
        for user in (window_officer, leader):
            with pytest.raises(PermissionDeniedError):
                services.black_propose(actor=user, subject=subject,
                                       ground=BlacklistGround.objects.get(code="fraud"),
                                       records=[record], facts="x")


# --- notice and statement ---------------------------------------------------------------------
def test_notice_opens_the_statement_period_and_prints_the_notice(clerk, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY):
        entry = services.black_notify(actor=clerk, entry=entry)
    assert entry.state == BlackState.NOTIFIED
    assert entry.notified_on == MONDAY
    assert entry.statement_ends_on == dt.date(2026, 3, 9)  # 5 working days after Monday
    notice = NoticeDocument.objects.get(black_entry=entry, kind=NoticeDocument.Kind.INTENT)
    data = notice.file.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert subject.name in text
    assert "陈述" in text and "2026年3月9日" in text


def test_review_waits_for_the_statement_period_unless_the_subject_has_finished(
        clerk, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY):
        entry = services.black_notify(actor=clerk, entry=entry)
        with pytest.raises(Conflict) as exc:
            services.black_begin_review(actor=clerk, entry=entry)
        assert exc.value.code == "statement_period_running"
        entry = services.black_record_statement(actor=clerk, entry=entry,
                                                statement="我司已整改，请求从轻。", final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)
    assert entry.state == BlackState.UNDER_REVIEW
    assert "整改" in entry.statement
    assert entry.review_due_on == dt.date(2026, 3, 16)  # 10 working days


def test_illegal_steps_are_refused_with_a_clear_message(clerk, reviewer, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY), pytest.raises(Conflict) as exc:
        services.black_decide(actor=reviewer, entry=entry, decision_number="1",
                              legal_basis="x", reasons="y")
    message = str(exc.value.message)
    assert exc.value.code == "invalid_transition"
    assert "Proposed" in message or "拟列入" in message or "已提议" in message
    with clock.frozen_at(MONDAY), pytest.raises(Conflict):
        services.black_publish(actor=reviewer, entry=entry)


def test_a_clerk_cannot_decide_and_the_proposer_is_not_the_decider(
        clerk, lead_clerk, reviewer, admin_user, subject, make_record):
    with clock.frozen_at(MONDAY):
        record = make_record(subject, "fraud")
        entry = services.black_propose(actor=reviewer, subject=subject,
                                       ground=BlacklistGround.objects.get(code="fraud"),
                                       records=[record], facts="x")
        entry = services.black_notify(actor=reviewer, entry=entry)
        entry = services.black_record_statement(actor=reviewer, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=reviewer, entry=entry)
        with pytest.raises(PermissionDeniedError):
            services.black_decide(actor=lead_clerk, entry=entry, decision_number="1",
                                  legal_basis="x", reasons="y")
        with pytest.raises(PermissionDeniedError) as four_eyes:
            services.black_decide(actor=reviewer, entry=entry, decision_number="1",
                                  legal_basis="x", reasons="y")
        assert four_eyes.value.code == "four_eyes"
        entry = services.black_decide(actor=admin_user, entry=refreshed(entry),
                                      decision_number="1", legal_basis="x", reasons="y")
    assert entry.state == BlackState.DECIDED


def test_decision_can_dismiss_with_reasons(clerk, reviewer, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY):
        entry = services.black_notify(actor=clerk, entry=entry)
        entry = services.black_record_statement(actor=clerk, entry=entry,
                                                statement="处罚已被复议撤销。", final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)
        with pytest.raises(ValidationFailed):
            services.black_dismiss(actor=reviewer, entry=entry, reasons=" ")
        entry = services.black_dismiss(actor=reviewer, entry=refreshed(entry),
                                       reasons="申辩理由成立，不予列入。")
    assert entry.state == BlackState.DISMISSED
    assert entry.end_reason == "申辩理由成立，不予列入。"


# --- decision, publication, force, expiry ------------------------------------------------------
def test_whole_life_from_proposal_to_expiry(clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    assert entry.decided_on == MONDAY
    assert entry.publish_due_on == dt.date(2026, 3, 11)  # 7 working days
    assert entry.published_on == MONDAY
    assert entry.publicity_ends_on == dt.date(2026, 3, 9)
    assert entry.effective_from is None  # decision date is not the effective period
    announcement = NoticeDocument.objects.get(black_entry=entry,
                                              kind=NoticeDocument.Kind.ANNOUNCEMENT)
    data = announcement.file.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert subject.name in text and "异议" in text and "2026年3月9日" in text

    with clock.frozen_at(dt.date(2026, 3, 9)):
        run_deadlines(as_of=dt.date(2026, 3, 9))
    assert refreshed(entry).state == BlackState.PUBLICITY  # last day of publicity

    with clock.frozen_at(dt.date(2026, 3, 10)):
        run_deadlines(as_of=dt.date(2026, 3, 10))
    entry = refreshed(entry)
    assert entry.state == BlackState.IN_FORCE
    assert entry.effective_from == dt.date(2026, 3, 10)
    assert entry.effective_until == dt.date(2027, 3, 10)  # 1 year, 241号 第十六条 [M]
    # fed back as a severe record of the catalogue, effective: the scoring veto sees it
    record = entry.listing_record
    assert record is not None and record.state == RecordState.EFFECTIVE
    assert record.record_type.code == "blacklisted"
    assert record.record_type.severity == "severe"
    assert record.created_by == clerk and record.reviewed_by == reviewer
    rules = set(KeySupervisionEntry.objects.filter(subject=subject, state=KeyState.IN_FORCE)
                .values_list("rule", flat=True))
    assert {KeyRule.BLACK_LIST, KeyRule.SEVERE_RECORD} <= rules

    with clock.frozen_at(dt.date(2027, 3, 10)):
        run_deadlines(as_of=dt.date(2027, 3, 10))
    assert refreshed(entry).state == BlackState.IN_FORCE
    with clock.frozen_at(dt.date(2027, 3, 11)):
        run_deadlines(as_of=dt.date(2027, 3, 11))
    entry = refreshed(entry)
    assert entry.state == BlackState.EXPIRED
    assert entry.ended_on == dt.date(2027, 3, 11)
    assert not KeySupervisionEntry.objects.filter(
        subject=subject, rule=KeyRule.BLACK_LIST, state=KeyState.IN_FORCE).exists()


def test_management_period_is_a_configurable_default(clerk, reviewer, subject, make_record,
                                                     settings):
    settings.LISTS_PARAMETERS = {"black_management_months": 36}
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    assert entry.duration_months == 36
    assert entry.effective_until == dt.date(2029, 3, 10)


# --- objections -------------------------------------------------------------------------------
def test_objection_during_publicity_suspends_and_when_rejected_the_entry_continues(
        clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    with clock.frozen_at(dt.date(2026, 3, 4)):
        objection = services.objection_file(actor=clerk, entry=entry, objector=subject.name,
                                            grounds="处罚决定正在复议。")
    assert refreshed(entry).state == BlackState.SUSPENDED
    assert objection.reply_due_on == dt.date(2026, 4, 1)  # 20 working days
    # the publicity ends while suspended: the job leaves it alone
    with clock.frozen_at(dt.date(2026, 3, 12)):
        run_deadlines(as_of=dt.date(2026, 3, 12))
        assert refreshed(entry).state == BlackState.SUSPENDED
        with pytest.raises(PermissionDeniedError):
            services.objection_decide(actor=clerk, objection=objection, upheld=False,
                                      reply="x")
        objection = services.objection_decide(actor=reviewer, objection=objection,
                                              upheld=False,
                                              reply="复议维持原处罚决定，异议不成立。")
    entry = refreshed(entry)
    assert objection.state == Objection.State.REJECTED
    assert objection.reply.startswith("复议维持")
    # publicity already over: in force from the day fixed before the objection (the day after
    # the publicity), not from the day of the answer — nothing drifts with an objection
    assert entry.state == BlackState.IN_FORCE
    assert entry.effective_from == dt.date(2026, 3, 10)
    assert entry.listing_record is not None


def test_objection_upheld_voids_the_entry_and_revokes_its_record(clerk, reviewer, subject,
                                                                  make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    record = entry.listing_record
    with clock.frozen_at(dt.date(2026, 4, 1)):
        objection = services.objection_file(actor=clerk, entry=entry, objector="张三",
                                            grounds="认定事实错误。")
        assert refreshed(entry).state == BlackState.SUSPENDED
        assert not KeySupervisionEntry.objects.filter(
            subject=subject, rule=KeyRule.BLACK_LIST, state=KeyState.IN_FORCE).exists()
        with pytest.raises(Conflict):
            services.objection_file(actor=clerk, entry=refreshed(entry), objector="李四",
                                    grounds="再次异议")
        services.objection_decide(actor=reviewer, objection=objection, upheld=True,
                                  reply="经核查，证明材料有误，异议成立。")
        with pytest.raises(Conflict):
            services.objection_decide(actor=reviewer, objection=objection, upheld=False,
                                      reply="again")
    entry = refreshed(entry)
    assert entry.state == BlackState.VOID
    assert entry.end_reason == "经核查，证明材料有误，异议成立。"
    assert CreditRecord.objects.get(pk=record.pk).state == RecordState.REVOKED


def test_objection_rejected_while_in_force_keeps_the_period(clerk, reviewer, subject,
                                                            make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    with clock.frozen_at(dt.date(2026, 5, 6)):
        objection = services.objection_file(actor=clerk, entry=entry, objector="张三",
                                            grounds="x")
        services.objection_decide(actor=reviewer, objection=objection, upheld=False,
                                  reply="异议不成立。")
    after = refreshed(entry)
    assert after.state == BlackState.IN_FORCE
    assert (after.effective_from, after.effective_until) == (entry.effective_from,
                                                             entry.effective_until)
    # The listing record was revoked while the objection was pending, and a new one counts again.
    assert CreditRecord.objects.get(pk=entry.listing_record.pk).state == RecordState.REVOKED
    assert after.listing_record.pk != entry.listing_record.pk
    assert after.listing_record.state == RecordState.EFFECTIVE
    assert after.listing_record.record_type.code == "blacklisted"


def test_objection_pending_stops_the_listing_record_counting(clerk, reviewer, subject,
                                                             make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    assert entry.listing_record.state == RecordState.EFFECTIVE
    with clock.frozen_at(dt.date(2026, 5, 6)):
        services.objection_file(actor=clerk, entry=entry, objector="张三", grounds="x")
    assert CreditRecord.objects.get(pk=entry.listing_record.pk).state == RecordState.REVOKED
    assert refreshed(entry).listing_record_error == ""


# --- credit repair ----------------------------------------------------------------------------
def test_credit_repair_removes_the_entry_early(clerk, reviewer, subject, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    assert entry.effective_from == dt.date(2026, 3, 10)
    with clock.frozen_at(dt.date(2026, 6, 10)), pytest.raises(Conflict) as refused:
        services.repair_request(actor=clerk, entry=entry, proof="已缴清罚款并整改到位",
                                commitment="本单位承诺今后依法诚信经营。")
    assert "2026-06-11" in str(refused.value.message)  # the day it becomes possible
    with clock.frozen_at(dt.date(2026, 6, 11)):
        with pytest.raises(ValidationFailed):
            services.repair_request(actor=clerk, entry=entry, proof="已缴清罚款", commitment=" ")
        request = services.repair_request(actor=clerk, entry=entry, proof="已缴清罚款并整改到位",
                                          commitment="本单位承诺今后依法诚信经营。")
        assert request.commitment_until == entry.effective_until
        rejected = services.repair_decide(actor=reviewer, request=request, approve=False,
                                          reasons="整改材料不全。")
        assert rejected.state == RepairRequest.State.REJECTED
        assert refreshed(entry).state == BlackState.IN_FORCE
        request = services.repair_request(actor=clerk, entry=entry, proof="补充整改验收报告",
                                          commitment="承诺书")
        services.repair_decide(actor=reviewer, request=request, approve=True,
                               reasons="已纠正失信行为、履行义务并作出信用承诺。")
    entry = refreshed(entry)
    assert entry.state == BlackState.REPAIRED
    assert entry.ended_on == dt.date(2026, 6, 11)
    # its own record's publicity ended the day before: it no longer counts anywhere
    assert entry.listing_record.publicity_ends_on == dt.date(2026, 6, 10)
    with clock.frozen_at(dt.date(2026, 6, 12)), pytest.raises(Conflict):
        services.repair_request(actor=clerk, entry=entry, proof="x", commitment="y")


def test_every_step_is_audited(clerk, reviewer, subject, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    actions = list(AuditEvent.objects.filter(target_type="lists.blacklistentry",
                                             target_id=str(entry.pk))
                   .values_list("action", flat=True))
    assert actions == [
        "lists.black.propose", "lists.black.notify", "lists.black.statement",
        "lists.black.begin_review", "lists.black.decide", "lists.black.publish",
        "lists.black.in_force",
    ]
    in_force = AuditEvent.objects.get(action="lists.black.in_force")
    assert in_force.actor_label == "system"


def test_the_decision_cannot_predate_the_notice(clerk, reviewer, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(dt.date(2026, 3, 10)):
        entry = services.black_notify(actor=clerk, entry=entry)
    with clock.frozen_at(dt.date(2026, 3, 20)):
        run_deadlines(as_of=dt.date(2026, 3, 20))
        with pytest.raises(ValidationFailed) as exc:
            services.black_decide(actor=reviewer, entry=refreshed(entry), decision_number="1",
                                  legal_basis="x", reasons="y", decided_on=MONDAY)
    assert exc.value.code == "decided_before_notice"
