"""Scoring's change feed is its own outbox (`RecordChange`), filled by the records signal; a
full re-grade catches up from it at the switch, without reading the audit log."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEvent
from common import clock
from records import services as record_services
from records.models import RecordType
from scoring import engine
from scoring.models import Evaluation, RecordChange

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.date(2026, 1, 15)

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(shipped, make_subject):
    clean = make_subject("property_service")
    engine.regrade_in_effect(as_of=AS_OF)
    return clean


def _entered(clerk, subject, number: int = 9):
    return record_services.record_create(
        actor=clerk, subject=subject, submit=True, decided_on=RECENT, occurred_on=RECENT,
        record_type=RecordType.objects.get(code="penalty_warning"),
        document_number=f"武房物罚〔2026〕{number}号")


def test_approving_a_record_adds_it_to_the_feed_and_rejecting_does_not(graded, clerk, reviewer):
    with clock.frozen_at(AS_OF):
        approved = _entered(clerk, graded)
        record_services.record_approve(actor=reviewer, record=approved)
        rejected = _entered(clerk, graded, 10)
        record_services.record_reject(actor=reviewer, record=rejected, comment="材料不全")
    assert list(RecordChange.objects.values_list("subject_id", "record_id")) == [
        (graded.pk, approved.pk)]


def test_the_switch_catches_up_from_the_feed_not_from_the_audit_log(
        graded, make_record, monkeypatch):
    real_switch = engine._switch

    def late_change(*, batch, actor, since_seq):
        if batch.category != graded.category:
            return real_switch(batch=batch, actor=actor, since_seq=since_seq)
        # a change the audit log knows nothing about, announced only on the feed
        record = make_record(graded, "penalty_warning", decided_on=RECENT)
        RecordChange.objects.create(subject=graded, record_id=record.pk,
                                    changed_at=clock.now())
        assert not AuditEvent.objects.filter(target_type="records.creditrecord",
                                             target_id=str(record.pk)).exists()
        return real_switch(batch=batch, actor=actor, since_seq=since_seq)

    before = Evaluation.objects.filter(subject=graded).get()
    monkeypatch.setattr(engine, "_switch", late_change)
    with clock.frozen_at(AS_OF):
        new = engine.regrade_in_effect(as_of=AS_OF)
    row = Evaluation.objects.get(batch__in=new, subject=graded)
    expected = engine.compute_rows(specs=[engine.spec_of(row.batch.model)], as_of=AS_OF,
                                   subject_id=graded.pk)[0]
    assert (row.score, row.grade) == (expected.score, expected.grade)
    assert row.score < before.score  # the warning the batch's snapshot missed now counts


def test_a_regrade_prunes_feed_rows_no_build_can_need(graded, clerk, reviewer):
    with clock.frozen_at(AS_OF):
        record_services.record_approve(actor=reviewer, record=_entered(clerk, graded))
    assert RecordChange.objects.count() == 1
    with clock.frozen_at(AS_OF + engine.FEED_KEEP + dt.timedelta(days=1)):
        engine.regrade_in_effect(as_of=AS_OF)
    assert RecordChange.objects.count() == 0
