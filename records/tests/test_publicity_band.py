"""The publicity band (建市〔2017〕241号 第十条) and the credit-repair minimum (发改委令第58号 /
第36号): each rule at its boundaries, and enforced at the service and at the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from common import clock
from common.errors import Conflict, ValidationFailed
from records import rules, services
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

TODAY = dt.date(2026, 1, 15)


def _type(code: str, severity: str, months: int, **extra) -> RecordType:
    return RecordType.objects.create(
        code=code, name=code, polarity=Polarity.BAD, severity=severity,
        default_points=Decimal("-5"), publicity_months=months, legal_basis="x", **extra)


@pytest.fixture
def subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


@pytest.fixture
def general(db) -> RecordType:
    return _type("penalty_fine", Severity.GENERAL, 12)


@pytest.fixture
def serious(db) -> RecordType:
    return _type("presale", Severity.SERIOUS, 24)


def _create(clerk, subject, record_type, number="罚〔2026〕1号", **kw) -> CreditRecord:
    with clock.frozen_at(TODAY):
        return services.record_create(actor=clerk, subject=subject, record_type=record_type,
                                      occurred_on=TODAY, decided_on=TODAY,
                                      document_number=number, **kw)


@pytest.mark.parametrize(("severity", "low", "high"), [
    ("general", 6, 12), ("serious", 6, 36), ("severe", 12, 36)])
def test_band_boundaries_on_both_sides(db, severity, low, high):
    record_type = RecordType(polarity="bad", severity=severity, publicity_months=12)
    assert rules.publicity_period_problem(record_type=record_type, months=low - 1) \
        == "below_band"
    assert rules.publicity_period_problem(record_type=record_type, months=low) is None
    assert rules.publicity_period_problem(record_type=record_type, months=high) is None
    assert rules.publicity_period_problem(record_type=record_type, months=high + 1) \
        == "above_band"


def test_never_shorter_than_the_penalty_and_a_longer_penalty_lifts_the_ceiling(db):
    record_type = RecordType(polarity="bad", severity="serious", publicity_months=24)
    assert rules.publicity_period_problem(record_type=record_type, months=12,
                                          penalty_months=18) == "below_penalty"
    assert rules.publicity_period_problem(record_type=record_type, months=18,
                                          penalty_months=18) is None
    assert rules.publicity_period_problem(record_type=record_type, months=48,
                                          penalty_months=48) is None


def test_the_authority_fixes_the_period_within_the_band(clerk, subject, general):
    record = _create(clerk, subject, general, publicity_months=6)
    assert record.publicity_ends_on == dt.date(2026, 7, 15)
    with pytest.raises(ValidationFailed) as refused, translation.override("zh-hans"):
        _create(clerk, subject, general, number="罚〔2026〕2号", publicity_months=13)
    assert refused.value.field == "publicity_months"
    message = str(refused.value.message)
    assert "6" in message and "12" in message and "241号" in message


def test_a_serious_type_can_no_longer_exceed_its_band(clerk, subject, serious):
    serious.publicity_months = 48  # a catalogue default outside the band is refused too
    serious.save()
    with pytest.raises(ValidationFailed):
        _create(clerk, subject, serious)
    assert _create(clerk, subject, serious, publicity_months=36).publicity_ends_on \
        == dt.date(2029, 1, 15)


def test_the_form_refuses_a_period_outside_the_band(client, clerk, subject, general):
    client.force_login(clerk)
    with clock.frozen_at(TODAY):
        response = client.post(f"{reverse('records:create')}?subject={subject.pk}", {
            "record_type": general.pk, "occurred_on": "2026-01-15",
            "decided_on": "2026-01-15", "document_number": "罚〔2026〕5号",
            "publicity_months": "3", "action": "draft"})
    assert response.status_code in (400, 422)
    assert 'data-field-error="publicity_months"' in response.content.decode()
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize(("severity", "decided", "last_refused", "first_allowed"), [
    ("general", dt.date(2026, 1, 15), dt.date(2026, 4, 15), dt.date(2026, 4, 16)),
    ("serious", dt.date(2026, 1, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 1)),
    ("severe", dt.date(2026, 1, 15), dt.date(2027, 1, 15), dt.date(2027, 1, 16)),
])
def test_repair_minimum_boundaries(severity, decided, last_refused, first_allowed):
    earliest = rules.repair_earliest_date(severity=severity, decided_on=decided)
    assert earliest == first_allowed
    assert earliest - dt.timedelta(days=1) == last_refused


def test_the_default_repair_minimum_is_never_zero():
    for severity in ("general", "serious", "severe", "unknown"):
        assert rules.repair_minimum_months(severity=severity) >= 1


def test_repair_refused_before_the_minimum_with_the_day_and_granted_on_it(
        clerk, reviewer, subject, general):
    record = _create(clerk, subject, general, submit=True)
    with clock.frozen_at(TODAY):
        record = services.record_approve(actor=reviewer, record=record)
    with clock.frozen_at(dt.date(2026, 4, 15)), pytest.raises(Conflict) as refused:
        services.record_repair(actor=reviewer, record=record, reason="已整改")
    assert "2026-04-16" in str(refused.value.message)
    with clock.frozen_at(dt.date(2026, 4, 16)):
        record = services.record_repair(actor=reviewer, record=record, reason="已整改")
    assert record.state == RecordState.REPAIRED
    assert record.publicity_ends_on == dt.date(2026, 4, 15)
    assert record.publicity_ended_early_on == dt.date(2026, 4, 16)


def test_a_suspension_of_business_never_ends_early(clerk, reviewer, subject):
    suspension = _type("penalty_suspension", Severity.SERIOUS, 36, repairable=False)
    record = _create(clerk, subject, suspension, submit=True)
    with clock.frozen_at(TODAY):
        record = services.record_approve(actor=reviewer, record=record)
    with clock.frozen_at(dt.date(2027, 6, 1)), pytest.raises(Conflict) as refused:
        services.record_repair(actor=reviewer, record=record, reason="x")
    assert "2029-01-15" in str(refused.value.message)
