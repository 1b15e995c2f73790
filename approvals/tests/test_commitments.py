"""Commitments (信用承诺、容缺受理): recording, supplying, and the deadline job's breach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import Commitment, CommitmentState, Parameter
from approvals.rules import commitment_deadline, commitment_limit, feedback_due_date
from approvals.selectors import commitment_board
from approvals.services import commitment_fulfil, commitment_record, credit_check
from audit.models import AuditEvent
from common import clock
from common.deadlines import run_deadlines
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from common.models import CalendarDay
from common.workdays import calendar_changed
from records.models import CreditRecord, RecordState
from records.services import record_approve
from scoring.selectors import current_evaluation

from .conftest import MONDAY, png_bytes, scan

pytestmark = pytest.mark.django_db
FILING = "property_service_filing"


@pytest.fixture
def accepted(graded, good_subject, window_officer):
    """A check granting 容缺 on MONDAY, and a function recording its commitment."""
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
    assert check.accept_with_missing

    def commit(**kwargs):
        values = {"missing": ["business_licence"], "signer": "李四", "scan": scan()}
        values.update(kwargs)
        with clock.frozen_at(MONDAY):
            return commitment_record(actor=window_officer, credit_check=check, **values)

    commit.check = check
    return commit


# --- date rules ---------------------------------------------------------------------------------
def test_deadline_rules_count_working_days_and_stay_within_the_promised_time(catalogue):
    from approvals.models import Matter

    matter = Matter.objects.get(code="presale_permit")  # promised 10, commitment 5
    assert commitment_deadline(matter=matter, accepted_on=MONDAY) == dt.date(2026, 3, 9)
    assert commitment_limit(matter=matter, accepted_on=MONDAY) == dt.date(2026, 3, 16)
    matter.commitment_days = 30  # misconfigured: still capped at the promised time
    assert commitment_deadline(matter=matter, accepted_on=MONDAY) == dt.date(2026, 3, 16)
    CalendarDay.objects.create(date=dt.date(2026, 3, 4), kind=CalendarDay.Kind.HOLIDAY,
                               name="测试", source="test")
    calendar_changed()
    matter.commitment_days = 5
    assert commitment_deadline(matter=matter, accepted_on=MONDAY) == dt.date(2026, 3, 10)
    # National Day 2026 (Oct 1-7 holidays): accepted Sep 30, five working days run to Oct 13
    assert commitment_deadline(matter=matter, accepted_on=dt.date(2026, 9, 30)) \
        == dt.date(2026, 10, 13)


def test_feedback_period_is_a_parameter(catalogue):
    assert feedback_due_date(checked_on=MONDAY) == dt.date(2026, 3, 9)
    Parameter.objects.create(code="feedback_days", value=2, note="本地规定")
    assert feedback_due_date(checked_on=MONDAY) == dt.date(2026, 3, 4)


# --- recording ----------------------------------------------------------------------------------
def test_record_commitment(accepted, window_officer):
    commitment = accepted(missing=["business_licence", "manager_info"])
    assert commitment.state == CommitmentState.OPEN
    assert commitment.accepted_on == MONDAY and commitment.deadline == dt.date(2026, 3, 9)
    assert commitment.limit_on == dt.date(2026, 3, 9)  # filing: promised within 5 working days
    assert [m["code"] for m in commitment.missing] == ["business_licence", "manager_info"]
    assert "营业执照" in commitment.text and "2026年3月9日" in commitment.text
    assert commitment.credit_check.number in commitment.text
    assert commitment.scan_sha256 and commitment.scan.read().startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="approvals.commitment_record")
    assert event.actor_id == window_officer.pk and event.after["missing"] == [
        "business_licence", "manager_info"]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"missing": ["service_contract"]}, "essential_material_missing"),
    ({"missing": []}, "required"),
    ({"missing": ["tax_receipt"]}, "unknown_material"),
    ({"signer": "  "}, "required"),
    ({"deadline": dt.date(2026, 3, 10)}, "deadline_beyond_limit"),
    ({"deadline": MONDAY}, "deadline_too_early"),
    ({"scan": SimpleUploadedFile("承诺书.docx", b"PK\x03\x04")}, "bad_file_type"),
    ({"scan": SimpleUploadedFile("承诺书.png", b"%PDF-1.4")}, "bad_file_content"),
])
def test_record_commitment_refusals(accepted, kwargs, code):
    with pytest.raises(ValidationFailed) as exc:
        accepted(**kwargs)
    assert exc.value.code == code
    assert not Commitment.objects.exists()


def test_an_earlier_deadline_and_a_png_scan_are_accepted(accepted):
    commitment = accepted(deadline=dt.date(2026, 3, 5),
                          scan=SimpleUploadedFile("scan.png", png_bytes()))
    assert commitment.deadline == dt.date(2026, 3, 5) and commitment.scan_ext == ".png"


def test_no_commitment_when_the_check_refused_it(graded, make_subject, blacklist,
                                                 window_officer):
    subject = make_subject("福州失信物业服务有限公司")
    graded(MONDAY)
    blacklist(subject, since=MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code, matter_code=FILING)
        with pytest.raises(Conflict) as exc:
            commitment_record(actor=window_officer, credit_check=check,
                              missing=["business_licence"], signer="王五", scan=scan())
    assert exc.value.code == "accept_with_missing_refused"
    assert "严重失信主体名单" in str(exc.value.message)


def test_one_commitment_per_check_and_only_on_the_day_of_the_check(accepted, window_officer):
    accepted()
    with pytest.raises(Conflict) as exc:
        accepted()
    assert exc.value.code == "commitment_exists"
    with clock.frozen_at(MONDAY + dt.timedelta(days=1)), pytest.raises(Conflict) as exc:
        commitment_record(actor=window_officer, credit_check=accepted.check,
                          missing=["business_licence"], signer="李四", scan=scan())
    assert exc.value.code == "check_outdated"


def test_other_departments_cannot_record(accepted, clerk):
    with clock.frozen_at(MONDAY), pytest.raises(PermissionDeniedError):
        commitment_record(actor=clerk, credit_check=accepted.check,
                          missing=["business_licence"], signer="李四", scan=scan())


# --- supplying ----------------------------------------------------------------------------------
def test_supplying_in_time_keeps_the_commitment(accepted, window_officer, reviewer):
    commitment = accepted()
    with clock.frozen_at(dt.date(2026, 3, 9)):  # the deadline day itself counts
        kept = commitment_fulfil(actor=window_officer, commitment=commitment)
    assert kept.state == CommitmentState.FULFILLED and kept.fulfilled_on == dt.date(2026, 3, 9)
    record = kept.outcome_record
    assert record.record_type.code == "commitment_kept" and record.state == RecordState.SUBMITTED
    assert record.source_department == commitment.department
    with clock.frozen_at(dt.date(2026, 3, 20)):
        assert run_deadlines(as_of=dt.date(2026, 3, 20)).summary["approvals.commitments"] == 0
    assert Commitment.objects.get(pk=commitment.pk).state == CommitmentState.FULFILLED
    with pytest.raises(Conflict):
        commitment_fulfil(actor=window_officer, commitment=commitment)


def test_supplying_after_the_deadline_is_refused(accepted, window_officer):
    commitment = accepted()
    with clock.frozen_at(dt.date(2026, 3, 10)), pytest.raises(Conflict) as exc:
        commitment_fulfil(actor=window_officer, commitment=commitment)
    assert exc.value.code == "deadline_passed"


# --- the deadline job ---------------------------------------------------------------------------
def test_missed_deadline_becomes_a_breach_record_exactly_once(accepted, window_officer):
    commitment = accepted()
    with clock.frozen_at(dt.date(2026, 3, 9)):
        assert run_deadlines(as_of=dt.date(2026, 3, 9)).summary["approvals.commitments"] == 0
    day = dt.date(2026, 3, 10)
    with clock.frozen_at(day):
        first = run_deadlines(as_of=day)
        second = run_deadlines(as_of=day)
    assert first.ok and first.summary["approvals.commitments"] == 1
    assert second.summary["approvals.commitments"] == 0
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.BREACHED and commitment.breached_on == day
    records = CreditRecord.objects.filter(record_type__code="commitment_breach")
    assert records.count() == 1
    record = records.get()
    assert record.pk == commitment.outcome_record_id and record.state == RecordState.SUBMITTED
    assert record.subject == commitment.subject and record.decided_on == day
    assert record.occurred_on == day and record.source_department == commitment.department
    assert record.created_by.username == f"approvals-{commitment.department.code}"
    assert record.document_number == f"{commitment.credit_check.number}-BREACH"
    assert AuditEvent.objects.filter(action="approvals.commitment_breach").count() == 1


def test_breach_shows_pending_then_lowers_the_grade_once_approved(accepted, window_officer,
                                                                  reviewer, good_subject):
    accepted()
    day = dt.date(2026, 3, 10)
    with clock.frozen_at(day):
        run_deadlines(as_of=day)
        pending = credit_check(actor=window_officer, code_or_name=good_subject.code,
                               matter_code=FILING)
    assert [w["code"] for w in pending.result["warnings"]] == ["breach_pending_review"]
    assert pending.result["grade"]["grade"] == "AA"  # not effective yet: four eyes first
    record = CreditRecord.objects.get(record_type__code="commitment_breach")
    with clock.frozen_at(day):
        record_approve(actor=reviewer, record=record)
        evaluation = current_evaluation(subject=good_subject)
        after = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=FILING)
    grade = evaluation[0].grade if isinstance(evaluation, tuple) else evaluation.grade
    assert grade == "A"  # 80 - 10 (较重失信)
    assert after.result["grade"]["grade"] == "A" and after.result["warnings"] == []
    assert not after.accept_with_missing
    restriction = next(m for m in after.result["measures"] if m["code"] == "no_accept_with_missing")
    assert {r["rule"] for r in restriction["reasons"]} == {"serious-bad-record",
                                                           "commitment-breach"}
    assert "违反信用承诺" in after.result["accept_with_missing"]["reason"]


def test_a_failing_record_keeps_the_commitment_open_for_a_retry(accepted):
    from records.models import RecordType

    commitment = accepted()
    RecordType.objects.filter(code="commitment_breach").update(is_active=False)
    day = dt.date(2026, 3, 10)
    with clock.frozen_at(day):
        assert run_deadlines(as_of=day).summary["approvals.commitments"] == 0
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.OPEN and commitment.outcome_error
    RecordType.objects.filter(code="commitment_breach").update(is_active=True)
    with clock.frozen_at(day):
        assert run_deadlines(as_of=day).summary["approvals.commitments"] == 1


def test_board_shows_due_soon_and_overdue(accepted, window_officer, leader, clerk):
    commitment = accepted()
    with clock.frozen_at(dt.date(2026, 3, 5)):
        board = commitment_board(user=window_officer)
    assert board.due_soon == [commitment] and board.overdue == []
    with clock.frozen_at(dt.date(2026, 3, 10)):
        board = commitment_board(user=leader)  # the lead sees every department
        assert board.overdue == [commitment]
        assert commitment_board(user=clerk).overdue == []  # another unit sees its own only
