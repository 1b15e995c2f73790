"""Credit-record writes: entry, validation, duplicates, four-eyes review, correction, revocation,
evidence files and concurrent approval. Every refusal must leave no row, no file and no event."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from accounts.models import Department, Role, User
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ServiceError, ValidationFailed
from records.models import CreditRecord, Evidence, Polarity, RecordState, RecordType, Severity
from records.services import (
    evidence_attach,
    record_approve,
    record_correct,
    record_create,
    record_reject,
    record_revoke,
    record_submit,
    record_update_draft,
)
from records.signals import record_state_changed
from subjects.models import Category, Subject

TODAY = dt.date(2024, 6, 1)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture
def subject(db: None) -> Subject:
    return Subject.objects.create(
        kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43", name="福州市示范物业服务有限公司",
        category=Category.PROPERTY_SERVICE,
    )


@pytest.fixture
def fine_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条",
    )


@pytest.fixture
def retired_type(db: None) -> RecordType:
    return RecordType.objects.create(
        code="retired", name="已停用类型", polarity=Polarity.GOOD, severity="",
        default_points=Decimal("2"), publicity_months=36, legal_basis="—", is_active=False,
    )


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def new_record(actor: User, subject: Subject, record_type: RecordType, **overrides: Any
               ) -> CreditRecord:
    values: dict[str, Any] = {
        "occurred_on": dt.date(2024, 1, 10), "decided_on": dt.date(2024, 2, 1),
        "document_number": "榕房罚〔2024〕1号", "amount": Decimal("5000.00"),
    }
    values.update(overrides)
    return record_create(actor=actor, subject=subject, record_type=record_type, **values)


def effective(entered_by: User, reviewer: User, subject: Subject, record_type: RecordType,
              **overrides: Any) -> CreditRecord:
    record = new_record(entered_by, subject, record_type, submit=True, **overrides)
    return record_approve(actor=reviewer, record=record)


def counts() -> tuple[int, int, int]:
    """(records, evidence rows, audit events): a refused write leaves all three unchanged."""
    return CreditRecord.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def state_of(record: CreditRecord) -> str:
    return CreditRecord.objects.values_list("state", flat=True).get(pk=record.pk)


# --- entry ---------------------------------------------------------------------------------------

def test_create_draft(clerk: User, subject: Subject, fine_type: RecordType) -> None:
    record = new_record(clerk, subject, fine_type, document_number="  榕房罚〔2024〕1号 ")
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.DRAFT
    assert record.document_number == "榕房罚〔2024〕1号"
    assert record.source_department == clerk.department
    assert record.created_by == clerk
    assert record.submitted_by is None
    assert record.publicity_ends_on == dt.date(2025, 2, 1)
    assert record.is_public is True  # from the catalogue
    assert record.version == 1
    assert counts() == (1, 0, 1)
    (event,) = events("record.create")
    assert event.target_id == str(record.pk)
    assert event.after["state"] == RecordState.DRAFT


def test_create_and_submit(clerk: User, subject: Subject, fine_type: RecordType) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.SUBMITTED
    assert record.submitted_by == clerk
    assert record.submitted_at == clock.now()
    assert counts() == (1, 0, 1)


def test_submit_a_draft(clerk: User, subject: Subject, fine_type: RecordType) -> None:
    record = new_record(clerk, subject, fine_type)
    record_submit(actor=clerk, record=record)
    assert state_of(record) == RecordState.SUBMITTED
    assert [e.after for e in events("record.submit")] == [{"state": "submitted"}]


def test_clerk_cannot_enter_for_another_department(
    clerk: User, subject: Subject, fine_type: RecordType, lead_department: Department
) -> None:
    with pytest.raises(PermissionDeniedError):
        new_record(clerk, subject, fine_type, source_department=lead_department)
    assert counts() == (0, 0, 0)


def test_reviewer_may_enter_for_a_cooperating_department(
    reviewer: User, subject: Subject, fine_type: RecordType, other_department: Department
) -> None:
    record = new_record(reviewer, subject, fine_type, source_department=other_department)
    assert record.source_department == other_department


@pytest.mark.parametrize("who", ["window_officer", "leader", "auditor"])
def test_read_only_roles_cannot_enter(
    request: pytest.FixtureRequest, who: str, subject: Subject, fine_type: RecordType
) -> None:
    with pytest.raises(PermissionDeniedError):
        new_record(request.getfixturevalue(who), subject, fine_type)
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("overrides,code,field", [
    ({"occurred_on": dt.date(2024, 6, 2), "decided_on": dt.date(2024, 6, 2)},
     "future_date", "occurred_on"),
    ({"decided_on": dt.date(2024, 6, 2)}, "future_date", "decided_on"),
    ({"occurred_on": dt.date(2024, 2, 2), "decided_on": dt.date(2024, 2, 1)},
     "decided_before_occurred", "decided_on"),
    ({"document_number": "   "}, "required", "document_number"),
    ({"amount": Decimal("-0.01")}, "negative_amount", "amount"),
])
def test_invalid_content_is_refused_and_nothing_saved(
    clerk: User, subject: Subject, fine_type: RecordType, overrides: dict[str, Any], code: str,
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as info:
        new_record(clerk, subject, fine_type, submit=True, **overrides)
    assert (info.value.code, info.value.field) == (code, field)
    assert counts() == (0, 0, 0)


def test_inactive_type_is_refused(clerk: User, subject: Subject, retired_type: RecordType) -> None:
    with pytest.raises(ValidationFailed) as info:
        new_record(clerk, subject, retired_type)
    assert (info.value.code, info.value.field) == ("inactive_type", "record_type")
    assert counts() == (0, 0, 0)


def test_today_and_zero_amount_are_accepted(
    clerk: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type, occurred_on=TODAY, decided_on=TODAY,
                        amount=Decimal("0"))
    assert record.publicity_ends_on == dt.date(2025, 6, 1)


def test_update_draft_revalidates_and_recomputes_publicity(
    clerk: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type)
    record_update_draft(actor=clerk, record=record, decided_on=dt.date(2024, 2, 29))
    assert CreditRecord.objects.get(pk=record.pk).publicity_ends_on == dt.date(2025, 2, 28)
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        record_update_draft(actor=clerk, record=record, decided_on=dt.date(2023, 1, 1))
    assert info.value.code == "decided_before_occurred"
    assert counts() == before
    assert CreditRecord.objects.get(pk=record.pk).decided_on == dt.date(2024, 2, 29)


# --- duplicates ----------------------------------------------------------------------------------

def test_duplicate_document_number_from_same_source_is_refused(
    clerk: User, subject: Subject, fine_type: RecordType
) -> None:
    new_record(clerk, subject, fine_type)
    before = counts()
    with pytest.raises(Conflict) as info:
        new_record(clerk, subject, fine_type, document_number=" 榕房罚〔2024〕1号")
    assert (info.value.code, info.value.field) == ("duplicate_record", "document_number")
    assert counts() == before


def test_same_document_number_from_another_source_is_not_a_duplicate(
    clerk: User, lead_clerk: User, subject: Subject, fine_type: RecordType
) -> None:
    new_record(clerk, subject, fine_type)
    new_record(lead_clerk, subject, fine_type)
    assert CreditRecord.objects.count() == 2


def test_duplicate_of_an_approved_record_is_refused(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    effective(clerk, reviewer, subject, fine_type)
    with pytest.raises(Conflict) as info:
        new_record(clerk, subject, fine_type, submit=True)
    assert info.value.code == "duplicate_record"


def test_document_number_is_free_again_after_rejection(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    first = new_record(clerk, subject, fine_type, submit=True)
    record_reject(actor=reviewer, record=first, comment="罚款金额与决定书不符")
    second = new_record(clerk, subject, fine_type, submit=True)
    assert second.pk != first.pk
    assert state_of(first) == RecordState.REJECTED
    assert state_of(second) == RecordState.SUBMITTED


# --- review: four eyes ---------------------------------------------------------------------------

def test_reviewer_approves_a_clerks_submission(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    record_approve(actor=reviewer, record=record, comment=" 核实无误 ")
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.EFFECTIVE
    assert (record.reviewed_by, record.reviewed_at) == (reviewer, clock.now())
    assert record.review_comment == "核实无误"
    (event,) = events("record.approve")
    assert event.after == {"state": "effective", "comment": "核实无误"}


def test_submitter_cannot_decide_but_a_second_reviewer_can(
    reviewer: User, second_reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(reviewer, subject, fine_type, submit=True)
    before = counts()
    with pytest.raises(PermissionDeniedError) as info:
        record_approve(actor=reviewer, record=record)
    assert info.value.code == "four_eyes"
    with pytest.raises(PermissionDeniedError) as info:
        record_reject(actor=reviewer, record=record, comment="自己驳回")
    assert info.value.code == "four_eyes"
    assert counts() == before
    assert state_of(record) == RecordState.SUBMITTED
    record_approve(actor=second_reviewer, record=record)
    assert state_of(record) == RecordState.EFFECTIVE


def test_whoever_entered_or_submitted_cannot_decide(
    reviewer: User, second_reviewer: User, admin_user: User, subject: Subject,
    fine_type: RecordType,
) -> None:
    record = new_record(reviewer, subject, fine_type)
    record_submit(actor=second_reviewer, record=record)
    for actor in (reviewer, second_reviewer):
        with pytest.raises(PermissionDeniedError) as info:
            record_approve(actor=actor, record=record)
        assert info.value.code == "four_eyes"
    record_approve(actor=admin_user, record=record)
    assert state_of(record) == RecordState.EFFECTIVE


@pytest.mark.parametrize("who", ["clerk", "lead_clerk", "window_officer", "leader", "auditor"])
def test_only_reviewers_decide(
    request: pytest.FixtureRequest, who: str, reviewer: User, subject: Subject,
    fine_type: RecordType,
) -> None:
    record = new_record(reviewer, subject, fine_type, submit=True)
    actor = request.getfixturevalue(who)
    before = counts()
    with pytest.raises(PermissionDeniedError) as info:
        record_approve(actor=actor, record=record)
    assert info.value.code == "permission_denied"
    with pytest.raises(PermissionDeniedError):
        record_reject(actor=actor, record=record, comment="不予采纳")
    assert counts() == before
    assert state_of(record) == RecordState.SUBMITTED


def test_reviewer_outside_the_lead_department_cannot_decide(
    clerk: User, other_department: Department, subject: Subject, fine_type: RecordType
) -> None:
    outsider = User.objects.create_user(username="rev-fgs", password="pass-word-123",
                                        role=Role.LEAD_REVIEWER, department=other_department)
    record = new_record(clerk, subject, fine_type, submit=True)
    with pytest.raises(PermissionDeniedError):
        record_approve(actor=outsider, record=record)


@pytest.mark.parametrize("comment", ["", "   "])
def test_reject_needs_a_comment(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType, comment: str
) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    with pytest.raises(ValidationFailed) as info:
        record_reject(actor=reviewer, record=record, comment=comment)
    assert (info.value.code, info.value.field) == ("required", "comment")
    assert state_of(record) == RecordState.SUBMITTED
    assert counts() == (1, 0, 1)


def test_reject_records_the_reason(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    record_reject(actor=reviewer, record=record, comment="文书号有误")
    record = CreditRecord.objects.get(pk=record.pk)
    assert (record.state, record.review_comment, record.reviewed_by) == (
        RecordState.REJECTED, "文书号有误", reviewer
    )


# --- illegal transitions -------------------------------------------------------------------------

def test_approve_a_draft_is_refused(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type)
    with pytest.raises(Conflict) as info:
        record_approve(actor=reviewer, record=record)
    assert info.value.code == "invalid_state"
    assert state_of(record) == RecordState.DRAFT
    assert counts() == (1, 0, 1)


def test_revoke_a_submitted_record_is_refused(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    with pytest.raises(Conflict) as info:
        record_revoke(actor=reviewer, record=record, reason="撤销")
    assert info.value.code == "invalid_state"
    assert state_of(record) == RecordState.SUBMITTED


def test_submit_or_decide_an_effective_record_is_refused(
    clerk: User, reviewer: User, second_reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = effective(clerk, reviewer, subject, fine_type)
    before = counts()
    with pytest.raises(Conflict) as info:
        record_submit(actor=clerk, record=record)
    assert info.value.code == "invalid_state"
    for call in (
        lambda: record_approve(actor=second_reviewer, record=record),
        lambda: record_reject(actor=second_reviewer, record=record, comment="迟到的驳回"),
        lambda: record_update_draft(actor=clerk, record=record, description="改"),
    ):
        with pytest.raises(Conflict) as info:
            call()
        assert info.value.code == "invalid_state"
    assert counts() == before
    assert state_of(record) == RecordState.EFFECTIVE


# --- correction ----------------------------------------------------------------------------------

def test_correction_is_a_new_version_reviewed_like_any_record(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    old = effective(clerk, reviewer, subject, fine_type)
    new = record_correct(actor=clerk, record=old, reason="罚款金额录入错误",
                         amount=Decimal("3000.00"))
    new = CreditRecord.objects.get(pk=new.pk)
    assert (new.version, new.supersedes_id, new.state) == (2, old.pk, RecordState.SUBMITTED)
    assert new.amount == Decimal("3000.00")
    assert new.document_number == old.document_number
    assert new.submitted_by == clerk
    assert state_of(old) == RecordState.EFFECTIVE  # until the correction is approved
    (event,) = events("record.correct")
    assert event.before["amount"] == "5000.00"
    assert event.after["amount"] == "3000.00"
    assert event.after["reason"] == "罚款金额录入错误"

    before_events = AuditEvent.objects.count()
    record_approve(actor=reviewer, record=new)
    assert state_of(old) == RecordState.CORRECTED
    assert state_of(new) == RecordState.EFFECTIVE
    assert CreditRecord.objects.count() == 2  # the old version is kept
    assert AuditEvent.objects.count() == before_events + 2  # superseded + approve
    (superseded,) = events("record.superseded")
    assert superseded.target_id == str(old.pk)
    assert superseded.after == {"state": "corrected", "by": new.pk}


def test_state_changes_are_signalled_for_both_versions(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    seen: list[tuple[int, str]] = []

    def receiver(sender: type, record: CreditRecord, **kwargs: Any) -> None:
        seen.append((record.pk, record.state))

    record_state_changed.connect(receiver, dispatch_uid="test-receiver")
    try:
        old = effective(clerk, reviewer, subject, fine_type)
        new = record_correct(actor=clerk, record=old, reason="更正", amount=Decimal("1"))
        record_approve(actor=reviewer, record=new)
        record_revoke(actor=reviewer, record=new, reason="撤销")
    finally:
        record_state_changed.disconnect(dispatch_uid="test-receiver")
    assert seen == [(old.pk, "effective"), (old.pk, "corrected"), (new.pk, "effective"),
                    (new.pk, "revoked")]


def test_a_second_pending_correction_is_refused(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    old = effective(clerk, reviewer, subject, fine_type)
    record_correct(actor=clerk, record=old, reason="更正一", amount=Decimal("1"))
    before = counts()
    with pytest.raises(Conflict) as info:
        record_correct(actor=clerk, record=old, reason="更正二", amount=Decimal("2"))
    assert info.value.code == "correction_pending"
    assert counts() == before


def test_a_new_correction_is_possible_after_one_was_rejected(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    old = effective(clerk, reviewer, subject, fine_type)
    first = record_correct(actor=clerk, record=old, reason="更正一", amount=Decimal("1"))
    record_reject(actor=reviewer, record=first, comment="更正依据不足")
    second = record_correct(actor=clerk, record=old, reason="更正二", amount=Decimal("2"))
    assert second.version == 2


@pytest.mark.parametrize("changes,code,field", [
    ({"decided_on": dt.date(2024, 6, 2)}, "future_date", "decided_on"),
    ({"amount": Decimal("-1")}, "negative_amount", "amount"),
    ({"subject": None}, "unknown_field", "subject"),
])
def test_invalid_correction_is_refused(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType,
    changes: dict[str, Any], code: str, field: str,
) -> None:
    old = effective(clerk, reviewer, subject, fine_type)
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=clerk, record=old, reason="更正", **changes)
    assert (info.value.code, info.value.field) == (code, field)
    assert counts() == before


def test_correction_needs_a_reason_and_an_effective_record(
    clerk: User, subject: Subject, fine_type: RecordType
) -> None:
    draft = new_record(clerk, subject, fine_type)
    with pytest.raises(ValidationFailed) as info:
        record_correct(actor=clerk, record=draft, reason=" ")
    assert (info.value.code, info.value.field) == ("required", "reason")
    with pytest.raises(Conflict) as info:
        record_correct(actor=clerk, record=draft, reason="更正")
    assert info.value.code == "invalid_state"
    assert counts() == (1, 0, 1)


def test_clerk_of_another_department_cannot_correct(
    clerk: User, lead_clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    old = effective(clerk, reviewer, subject, fine_type)
    with pytest.raises(PermissionDeniedError):
        record_correct(actor=lead_clerk, record=old, reason="更正", amount=Decimal("1"))


# --- revocation ----------------------------------------------------------------------------------

def test_revoke_keeps_the_row(
    clerk: User, reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = effective(clerk, reviewer, subject, fine_type)
    with pytest.raises(ValidationFailed) as info:
        record_revoke(actor=reviewer, record=record, reason="")
    assert (info.value.code, info.value.field) == ("required", "reason")
    with pytest.raises(PermissionDeniedError):
        record_revoke(actor=clerk, record=record, reason="处罚决定被撤销")
    record_revoke(actor=reviewer, record=record, reason=" 处罚决定被复议撤销 ")
    record = CreditRecord.objects.get(pk=record.pk)
    assert (record.state, record.review_comment) == (RecordState.REVOKED, "处罚决定被复议撤销")
    (event,) = events("record.revoke")
    assert event.after == {"state": "revoked", "reason": "处罚决定被复议撤销"}
    with pytest.raises(Conflict) as conflict:
        record_revoke(actor=reviewer, record=record, reason="再次撤销")
    assert conflict.value.code == "invalid_state"


# --- evidence ------------------------------------------------------------------------------------

def test_pdf_evidence_is_stored_by_checksum(
    clerk: User, subject: Subject, fine_type: RecordType, media_root: Path
) -> None:
    record = new_record(clerk, subject, fine_type)
    evidence = evidence_attach(actor=clerk, record=record, upload=upload("决定书.PDF", PDF))
    evidence = Evidence.objects.get(pk=evidence.pk)
    sha = hashlib.sha256(PDF).hexdigest()
    assert (evidence.sha256, evidence.size, evidence.extension) == (sha, len(PDF), ".pdf")
    assert evidence.content_type == "application/pdf"
    assert evidence.original_name == "决定书.PDF"
    assert evidence.file.name == f"evidence/{record.pk}/{sha}.pdf"
    stored = media_root / evidence.file.name
    assert stored.read_bytes() == PDF
    assert files_under(media_root) == [stored]
    (event,) = events("record.evidence")
    assert event.after == {"file": "决定书.PDF", "sha256": sha, "size": len(PDF)}


@pytest.mark.parametrize("name,content,code", [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "bad_file_type"),
    ("no-extension", PDF, "bad_file_type"),
    ("决定书.pdf", PNG, "bad_file_content"),
    ("scan.png", PDF, "bad_file_content"),
    ("empty.pdf", b"", "empty_file"),
])
def test_unacceptable_evidence_is_refused_and_leaves_nothing(
    clerk: User, subject: Subject, fine_type: RecordType, media_root: Path,
    name: str, content: bytes, code: str,
) -> None:
    record = new_record(clerk, subject, fine_type)
    with pytest.raises(ValidationFailed) as info:
        evidence_attach(actor=clerk, record=record, upload=upload(name, content))
    assert (info.value.code, info.value.field) == (code, "file")
    assert counts() == (1, 0, 1)
    assert files_under(media_root) == []


def test_too_large_evidence_is_refused(
    clerk: User, subject: Subject, fine_type: RecordType, media_root: Path, settings: Any
) -> None:
    settings.EVIDENCE_MAX_BYTES = len(PDF) - 1
    record = new_record(clerk, subject, fine_type)
    with pytest.raises(ValidationFailed) as info:
        evidence_attach(actor=clerk, record=record, upload=upload("big.pdf", PDF))
    assert (info.value.code, info.value.field) == ("file_too_large", "file")
    assert counts() == (1, 0, 1)
    assert files_under(media_root) == []
    settings.EVIDENCE_MAX_BYTES = len(PDF)
    evidence_attach(actor=clerk, record=record, upload=upload("big.pdf", PDF))


def test_duplicate_evidence_is_refused(
    clerk: User, subject: Subject, fine_type: RecordType, media_root: Path
) -> None:
    record = new_record(clerk, subject, fine_type)
    evidence_attach(actor=clerk, record=record, upload=upload("a.pdf", PDF))
    kept = files_under(media_root)
    with pytest.raises(Conflict) as info:
        evidence_attach(actor=clerk, record=record, upload=upload("copy-of-a.pdf", PDF))
    assert (info.value.code, info.value.field) == ("duplicate_evidence", "file")
    assert files_under(media_root) == kept
    assert counts() == (1, 1, 2)


def test_file_is_removed_when_the_write_fails_after_storing_it(
    clerk: User, subject: Subject, fine_type: RecordType, media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = new_record(clerk, subject, fine_type)

    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("records.services.record_event", broken_audit)
    with pytest.raises(RuntimeError):
        evidence_attach(actor=clerk, record=record, upload=upload("a.pdf", PDF))
    assert files_under(media_root) == []
    assert counts() == (1, 0, 1)


def test_evidence_only_before_review_and_only_by_the_source(
    clerk: User, lead_clerk: User, reviewer: User, subject: Subject, fine_type: RecordType,
    media_root: Path,
) -> None:
    draft = new_record(clerk, subject, fine_type)
    with pytest.raises(PermissionDeniedError):
        evidence_attach(actor=lead_clerk, record=draft, upload=upload("a.pdf", PDF))
    done = effective(clerk, reviewer, subject, fine_type, document_number="榕房罚〔2024〕2号")
    with pytest.raises(Conflict) as info:
        evidence_attach(actor=clerk, record=done, upload=upload("a.pdf", PDF))
    assert info.value.code == "invalid_state"
    assert files_under(media_root) == []
    assert Evidence.objects.count() == 0


# --- concurrency (PostgreSQL: SQLite serialises writers and its audit trigger blocks flush) -----

@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_exactly_one_wins(
    clerk: User, reviewer: User, second_reviewer: User, subject: Subject, fine_type: RecordType
) -> None:
    record = new_record(clerk, subject, fine_type, submit=True)
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def approve(actor: User) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[actor.username] = record_approve(actor=actor, record=record)
        except (ServiceError, Exception) as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes[actor.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(r,)) for r in (reviewer, second_reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [u for u, o in outcomes.items() if isinstance(o, CreditRecord)]
    losers = [o for o in outcomes.values() if not isinstance(o, CreditRecord)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], Conflict), outcomes
    assert losers[0].code == "invalid_state"
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.EFFECTIVE
    assert record.reviewed_by.username == winners[0]
    assert len(events("record.approve")) == 1
