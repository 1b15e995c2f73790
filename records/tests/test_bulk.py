"""The set-based entry path (`records.bulk.bulk_enter`) against `record_create`: the same
refusals with the same messages, the same stored record, one audit event per chunk, and the
rows it leaves to the row-by-row services (corrections, unknown subjects, repeats)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from audit.models import AuditEvent
from common import clock
from common.errors import PermissionDeniedError, ServiceError
from records import bulk
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from records.services import record_create
from subjects.models import Category, Subject

TODAY = dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture
def fine(db) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")


@pytest.fixture
def subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="福州市示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


def candidate(key: int, fine: RecordType, number: str, code: str = "91350100M000100Y43",
              **change: object) -> bulk.Candidate:
    values = {"record_type": fine, "occurred_on": dt.date(2024, 3, 1),
              "decided_on": dt.date(2024, 4, 15), "description": f"第{key}件",
              "amount": Decimal("20000.00"), **change}
    return bulk.Candidate(key=key, subject_code=code, document_number=number, values=values)


def enter(actor, department, candidates) -> bulk.BulkOutcome:
    with transaction.atomic():
        return bulk.bulk_enter(actor=actor, source=department, candidates=candidates,
                               label="T-1")


def refusal_of_record_create(clerk, subject, fine, **values) -> str:
    try:
        with transaction.atomic():
            record_create(actor=clerk, subject=subject, submit=True, **{
                "record_type": fine, "occurred_on": dt.date(2024, 3, 1),
                "decided_on": dt.date(2024, 4, 15), "document_number": "X-1", **values})
    except ServiceError as exc:
        return str(exc.message)
    raise AssertionError("record_create accepted it")


def test_new_rows_are_stored_as_record_create_stores_them(clerk, subject, fine):
    outcome = enter(clerk, clerk.department, [candidate(2, fine, "甲罚〔2024〕1号"),
                                              candidate(3, fine, "甲罚〔2024〕2号",
                                                        amount=None, description="")])
    assert sorted(outcome.created) == [2, 3] and not outcome.deferred
    bulk_made = CreditRecord.objects.get(pk=outcome.created[2])
    single = record_create(actor=clerk, subject=subject, record_type=fine,
                           occurred_on=dt.date(2024, 3, 1), decided_on=dt.date(2024, 4, 15),
                           document_number="乙罚〔2024〕1号", description="第2件",
                           amount=Decimal("20000.00"), submit=True)
    fields = ("subject_id", "record_type_id", "occurred_on", "decided_on", "description",
              "amount", "level", "is_public", "publicity_ends_on", "state", "version",
              "created_by_id", "submitted_by_id", "source_department_id")
    assert {f: getattr(bulk_made, f) for f in fields} == {f: getattr(single, f) for f in fields}
    assert bulk_made.state == RecordState.SUBMITTED and bulk_made.submitted_at is not None
    event = AuditEvent.objects.get(action="record.bulk_create")
    assert event.after["count"] == 2 and event.after["import"] == "T-1"
    assert dict(event.after["rows"])[bulk_made.pk] == bulk.stored_digest(bulk_made)


@pytest.mark.parametrize("change", [
    {"decided_on": dt.date(2024, 7, 1), "occurred_on": dt.date(2024, 7, 1)},  # future
    {"occurred_on": dt.date(2024, 5, 1)},  # decided before it occurred
    {"amount": Decimal("-1")},
])
def test_refusals_carry_record_creates_messages(clerk, subject, fine, change):
    outcome = enter(clerk, clerk.department, [candidate(2, fine, "X-1", **change)])
    assert str(outcome.rejected[2].message) == refusal_of_record_create(clerk, subject, fine,
                                                                        **change)
    assert not CreditRecord.objects.exists()


def test_inactive_type_refused_as_by_record_create(clerk, subject, fine):
    fine.is_active = False
    fine.save()
    outcome = enter(clerk, clerk.department, [candidate(2, fine, "X-1")])
    assert str(outcome.rejected[2].message) == refusal_of_record_create(clerk, subject, fine)


def test_what_it_leaves_to_the_row_path(clerk, subject, fine):
    first = enter(clerk, clerk.department, [candidate(2, fine, "甲罚〔2024〕1号")])
    outcome = enter(clerk, clerk.department, [
        candidate(2, fine, "甲罚〔2024〕1号"),  # the same again: a duplicate
        candidate(3, fine, "甲罚〔2024〕1号", amount=Decimal("1")),  # repeated in the chunk
        candidate(4, fine, "甲罚〔2024〕9号", code="91110105MA01AB23XN"),  # unknown subject
        candidate(5, fine, "甲罚〔2024〕5号"),
        candidate(6, fine, "甲罚〔2024〕5号"),  # repeated in the chunk
    ])
    assert outcome.duplicates == {2: first.created[2]}
    assert outcome.deferred == [3, 4, 6] and list(outcome.created) == [5]
    changed = enter(clerk, clerk.department, [candidate(7, fine, "甲罚〔2024〕5号",
                                                        description="改")])
    assert changed.deferred == [7]  # a correction: record_correct decides


def test_an_amount_with_cents_read_back_is_the_same(clerk, subject, fine):
    enter(clerk, clerk.department, [candidate(2, fine, "丙罚〔2024〕1号",
                                              amount=Decimal("1234.56"))])
    again = enter(clerk, clerk.department, [candidate(2, fine, "丙罚〔2024〕1号",
                                                      amount=Decimal("1234.56"))])
    assert list(again.duplicates) == [2] and not again.deferred  # decided set-based
    latest = bulk.latest_records(source=clerk.department, document_numbers=["丙罚〔2024〕1号"])
    assert latest["丙罚〔2024〕1号"]["amount"] == Decimal("1234.56")


@pytest.mark.parametrize("raw", [
    "91350100M000100Y43", "91110105MA01AB23XN",  # valid
    "91350100M000100Y56",  # valid, but its organisation code fails GB 11714: a warning
    "91350100M000100Y4Z", "91350100m000100y43", " 91350100M000100Y43", "9135010OM000100Y43",
    "Z1350100M000100Y43", "93350100M000100Y43", "91990100M000100Y43", "9135O100M000100Y43",
    "91350100M000100Y4", "９1350100M000100Y43", "91350100M000\u200b100Y43",
])
def test_code_checker_answers_exactly_as_the_validator(db, raw):
    from subjects.identifiers import validate_uscc

    try:
        expected: object = validate_uscc(raw)
    except ServiceError as exc:
        expected = (exc.code, str(exc.message))
    try:
        got: object = bulk.CodeChecker().check(raw, kind="enterprise")
    except ServiceError as exc:
        got = (exc.code, str(exc.message))
    assert got == expected


def test_permission_is_record_creates(clerk, lead_department, subject, fine):
    with pytest.raises(PermissionDeniedError):
        enter(clerk, lead_department, [candidate(2, fine, "X-1")])
