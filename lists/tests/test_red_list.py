"""The red list: nomination (by a department or by rule), review, publicity with objections
(one upheld, one rejected), decision with commendation, publication, validity, removal."""

from __future__ import annotations

import datetime as dt

import pytest

from common import clock
from common.deadlines import run_deadlines
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from lists import services
from lists.models import (
    Commendation,
    NoticeDocument,
    RedListCriterion,
    RedListEntry,
    RedState,
)
from lists.tests.scoring_data import batch
from records.models import RecordState

MONDAY = dt.date(2026, 3, 2)


def refreshed(entry: RedListEntry) -> RedListEntry:
    return RedListEntry.objects.get(pk=entry.pk)


def _run(day: dt.date) -> None:
    with clock.frozen_at(day):
        run = run_deadlines(as_of=day)
    assert run.ok, run.error


def _admitted(clerk, reviewer, subject) -> RedListEntry:
    with clock.frozen_at(MONDAY):
        entry = services.red_nominate(actor=clerk, subject=subject,
                                      reasons="连续三年无不良记录，获评市级优质工程。")
        with pytest.raises(PermissionDeniedError):
            services.red_review(actor=clerk, entry=entry, admit=True)
        return services.red_review(actor=reviewer, entry=entry, admit=True, comment="同意公示")


def test_nomination_review_publicity_decision_publication_and_expiry(
        catalogue, clerk, reviewer, subject):
    entry = _admitted(clerk, reviewer, subject)
    assert entry.state == RedState.PUBLICITY
    assert entry.review_due_on == dt.date(2026, 3, 16)
    assert entry.publicity_ends_on == dt.date(2026, 3, 9)
    notice = NoticeDocument.objects.get(red_entry=entry)
    assert notice.file.read().startswith(b"%PDF")

    _run(dt.date(2026, 3, 9))
    assert refreshed(entry).state == RedState.PUBLICITY
    _run(dt.date(2026, 3, 10))
    entry = refreshed(entry)
    assert entry.state == RedState.AWAITING_DECISION
    assert entry.decision_due_on == dt.date(2026, 3, 24)

    with clock.frozen_at(dt.date(2026, 3, 11)):
        with pytest.raises(ValidationFailed):
            services.red_decide(actor=reviewer, entry=entry, commend=True, commendation="",
                                decision_number="表〔2026〕1号")
        entry = services.red_decide(actor=reviewer, entry=refreshed(entry), commend=True,
                                    commendation=Commendation.AWARD,
                                    commendation_text="予以通报嘉奖",
                                    decision_number="表〔2026〕1号")
        assert entry.state == RedState.DECIDED
        entry = services.red_publish(actor=reviewer, entry=entry)
    assert entry.state == RedState.IN_FORCE
    assert entry.commendation == Commendation.AWARD
    assert (entry.effective_from, entry.effective_until) == (dt.date(2026, 3, 11),
                                                             dt.date(2027, 3, 11))
    record = entry.listing_record
    assert record is not None and record.record_type.code == "redlisted"
    assert record.state == RecordState.EFFECTIVE and record.record_type.polarity == "good"

    _run(dt.date(2027, 3, 12))
    assert refreshed(entry).state == RedState.EXPIRED


def test_objection_upheld_voids_the_nomination(catalogue, clerk, reviewer, subject):
    entry = _admitted(clerk, reviewer, subject)
    with clock.frozen_at(dt.date(2026, 3, 4)):
        objection = services.objection_file(actor=clerk, entry=entry, objector="匿名群众",
                                            grounds="该企业2025年有拖欠工资投诉。")
        assert refreshed(entry).state == RedState.SUSPENDED
        services.objection_decide(actor=reviewer, objection=objection, upheld=True,
                                  reply="经核实投诉属实，异议成立，不予列入。")
    entry = refreshed(entry)
    assert entry.state == RedState.VOID
    assert "异议成立" in entry.end_reason


def test_objection_rejected_returns_to_publicity(catalogue, clerk, reviewer, subject):
    entry = _admitted(clerk, reviewer, subject)
    with clock.frozen_at(dt.date(2026, 3, 4)):
        objection = services.objection_file(actor=clerk, entry=entry, objector="某公司",
                                            grounds="竞争对手")
        services.objection_decide(actor=reviewer, objection=objection, upheld=False,
                                  reply="异议无事实依据，不予采纳。")
    assert refreshed(entry).state == RedState.PUBLICITY
    _run(dt.date(2026, 3, 10))
    assert refreshed(entry).state == RedState.AWAITING_DECISION


def test_a_bad_record_suspends_the_entry_the_day_it_becomes_effective_then_review_removes(
        clerk, reviewer, subject, make_record):
    entry = _admitted(clerk, reviewer, subject)
    with clock.frozen_at(dt.date(2026, 3, 3)):
        assert refreshed(entry).state == RedState.PUBLICITY
    with clock.frozen_at(dt.date(2026, 3, 4)):
        record = make_record(subject, "penalty_fine")  # any bad record disqualifies
    entry = refreshed(entry)
    assert entry.state == RedState.ON_HOLD
    assert entry.held_on == dt.date(2026, 3, 4)
    assert entry.held_by_record_id == record.pk
    assert entry.held_from_state == RedState.PUBLICITY
    # the record stands: the suspension cannot simply be lifted; the procedure removes it
    with clock.frozen_at(dt.date(2026, 3, 5)):
        with pytest.raises(Conflict) as refused:
            services.red_release(actor=reviewer, entry=entry, reason="误")
        assert record.document_number in str(refused.value.message)
        services.red_remove(actor=reviewer, entry=entry, reason="存在不良信用记录，移出红榜。")
    entry = refreshed(entry)
    assert entry.state == RedState.REMOVED
    assert entry.ended_on == dt.date(2026, 3, 5)


def test_a_suspension_is_lifted_when_the_record_is_revoked(clerk, reviewer, subject,
                                                            make_record):
    entry = _admitted(clerk, reviewer, subject)
    with clock.frozen_at(dt.date(2026, 3, 4)):
        record = make_record(subject, "presale_without_permit")
    assert refreshed(entry).state == RedState.ON_HOLD
    with clock.frozen_at(dt.date(2026, 3, 5)):
        from records.services import record_revoke
        record_revoke(actor=reviewer, record=record, reason="录入错误")
        services.red_release(actor=reviewer, entry=refreshed(entry), reason="记录已撤销")
    assert refreshed(entry).state == RedState.PUBLICITY


def test_a_subject_with_a_serious_record_cannot_be_nominated(clerk, subject, make_record):
    with clock.frozen_at(MONDAY):
        make_record(subject, "wage_arrears")
        with pytest.raises(Conflict) as exc:
            services.red_nominate(actor=clerk, subject=subject, reasons="x")
    assert exc.value.code == "not_eligible"


def test_decision_not_to_commend(catalogue, clerk, reviewer, subject):
    entry = _admitted(clerk, reviewer, subject)
    _run(dt.date(2026, 3, 10))
    with clock.frozen_at(dt.date(2026, 3, 11)):
        entry = services.red_decide(actor=reviewer, entry=refreshed(entry), commend=False,
                                    reasons="名额已满")
    assert entry.state == RedState.REJECTED


def test_nomination_by_rule_top_grade_in_consecutive_batches(catalogue, lead_department,
                                                              reviewer, subject,
                                                              other_subject, make_record):
    third = type(subject).objects.create(kind="enterprise", code="91440300MA5FXXXX0X",
                                         name="深圳第三建筑公司", category="builder")
    other_subject.category = "builder"
    other_subject.save()
    RedListCriterion.objects.create(category="builder", name="建筑企业连续三次A级",
                                    top_grade="A", consecutive_batches=3, clean_months=36)
    batch({subject: "A", other_subject: "B", third: "A"}, as_of=dt.date(2025, 9, 1))
    batch({subject: "A", other_subject: "A", third: "A"}, as_of=dt.date(2025, 12, 1))
    batch({subject: "A", other_subject: "A", third: "A"}, as_of=dt.date(2026, 3, 1))
    with clock.frozen_at(dt.date(2025, 6, 1)):
        make_record(third, "complaint_verified")  # a general bad record inside the window
    _run(MONDAY)
    _run(MONDAY)
    nominated = RedListEntry.objects.filter(source=RedListEntry.Source.RULE)
    assert list(nominated.values_list("subject", flat=True)) == [subject.pk]
    entry = nominated.get()
    assert entry.state == RedState.NOMINATED and entry.nominated_by is None
    assert entry.criterion.name in entry.reasons
    assert entry.department == lead_department
    # refused: not nominated again until a new evaluation confirms the grade
    with clock.frozen_at(MONDAY):
        services.red_review(actor=reviewer, entry=entry, admit=False, comment="名额已满")
    _run(dt.date(2026, 3, 3))
    assert nominated.count() == 1
    batch({subject: "A", other_subject: "A", third: "A"}, as_of=dt.date(2026, 6, 1))
    _run(dt.date(2026, 6, 2))
    assert nominated.filter(subject=subject).count() == 2
    assert nominated.filter(subject=other_subject).count() == 1  # A in 12/1, 3/1 and 6/1


def test_nomination_by_rule_needs_enough_batches(catalogue, lead_department, subject):
    RedListCriterion.objects.create(category="builder", name="x", top_grade="A",
                                    consecutive_batches=3, clean_months=36)
    batch({subject: "A"}, as_of=dt.date(2026, 1, 1))
    batch({subject: "A"}, as_of=dt.date(2026, 3, 1))
    _run(MONDAY)
    assert not RedListEntry.objects.exists()


def test_retention_keeps_the_batches_a_criterion_looks_back_over(catalogue, lead_department,
                                                                  subject):
    """scoring's retention rule (`prune_old_batches`) keeps as many batches as the red-list
    criteria in use read; a criterion no longer in use no longer holds them."""
    from scoring.models import EvaluationBatch
    from scoring.retention import prune_old_batches

    criterion = RedListCriterion.objects.create(category="builder", name="x", top_grade="A",
                                                consecutive_batches=4, clean_months=36)
    made = [batch({subject: "A"}, as_of=as_of) for as_of in (
        dt.date(2024, 12, 1), dt.date(2025, 3, 1), dt.date(2025, 6, 1), dt.date(2025, 9, 1),
        dt.date(2025, 12, 1))]
    assert prune_old_batches(keep_previous=0) == 1  # the current one and the three before it
    assert EvaluationBatch.objects.get(pk=made[0].pk).status == "pruned"
    _run(MONDAY)
    assert RedListEntry.objects.filter(subject=subject, source=RedListEntry.Source.RULE).exists()
    criterion.is_active = False
    criterion.save()
    assert prune_old_batches(keep_previous=0) == 3
    assert [EvaluationBatch.objects.get(pk=b.pk).status for b in made] == [
        "pruned", "pruned", "pruned", "pruned", "complete"]


def _in_force(catalogue, clerk, reviewer, subject) -> RedListEntry:
    entry = _admitted(clerk, reviewer, subject)
    _run(dt.date(2026, 3, 10))
    with clock.frozen_at(dt.date(2026, 3, 11)):
        services.red_decide(actor=reviewer, entry=refreshed(entry), commend=True,
                            commendation=Commendation.PRAISE, decision_number="表〔2026〕2号")
        entry = services.red_publish(actor=reviewer, entry=refreshed(entry))
    assert entry.state == RedState.IN_FORCE and entry.listing_record is not None
    return entry


def _record(entry: RedListEntry):
    from records.models import CreditRecord

    return CreditRecord.objects.get(pk=entry.listing_record_id)


def test_a_suspended_entry_s_own_record_stops_counting_and_comes_back_when_lifted(
        catalogue, clerk, reviewer, subject, make_record):
    """No incentive while a bad record is in force: the commendation's record ends its
    publicity the day the entry is suspended, and gets its date back when the bad record
    falls and the suspension is lifted."""
    from records.services import record_revoke

    entry = _in_force(catalogue, clerk, reviewer, subject)
    original_end = _record(entry).publicity_ends_on
    assert original_end > dt.date(2026, 6, 2)
    with clock.frozen_at(dt.date(2026, 6, 1)):
        bad = make_record(subject, "presale_without_permit")
    entry = refreshed(entry)
    assert entry.state == RedState.ON_HOLD
    assert entry.held_record_publicity_ends_on == original_end
    paused = _record(entry)
    assert paused.state == RecordState.EFFECTIVE
    assert paused.publicity_ends_on == dt.date(2026, 5, 31)  # last day: the day before
    assert paused.publicity_ended_early_on == dt.date(2026, 6, 1)

    with clock.frozen_at(dt.date(2026, 6, 2)):
        record_revoke(actor=reviewer, record=bad, reason="录入错误")
        services.red_release(actor=reviewer, entry=refreshed(entry), reason="记录已撤销")
    entry = refreshed(entry)
    assert entry.state == RedState.IN_FORCE
    assert entry.held_record_publicity_ends_on is None
    resumed = _record(entry)
    assert resumed.publicity_ends_on == original_end
    assert resumed.publicity_ended_early_on is None


def test_a_suspended_entry_removed_revokes_its_record(catalogue, clerk, reviewer, subject,
                                                      make_record):
    entry = _in_force(catalogue, clerk, reviewer, subject)
    with clock.frozen_at(dt.date(2026, 6, 1)):
        make_record(subject, "presale_without_permit")
    with clock.frozen_at(dt.date(2026, 6, 2)):
        services.red_remove(actor=reviewer, entry=refreshed(entry), reason="存在不良信用记录。")
    assert refreshed(entry).state == RedState.REMOVED
    assert _record(entry).state == RecordState.REVOKED
