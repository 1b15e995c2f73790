"""Feedback (跟踪问效): which measures were applied, reasons for the others, what is overdue, and
the lead department's table."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role, User
from approvals.models import CheckMeasure
from approvals.selectors import feedback_overdue, feedback_table, not_applied_reasons
from approvals.services import credit_check, feedback_record
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
FILING = "property_service_filing"


@pytest.fixture
def checks(graded, good_subject, make_subject, blacklist, window_officer, clerk):
    """Three checks on MONDAY: two by the lead department's officer (a good subject, a
    black-listed one), one by a cooperating unit's clerk (good subject)."""
    bad = make_subject("福州失信物业服务有限公司")
    graded(MONDAY)
    blacklist(bad, since=MONDAY)
    with clock.frozen_at(MONDAY):
        good = credit_check(actor=window_officer, code_or_name=good_subject.code,
                            matter_code=FILING)
        black = credit_check(actor=window_officer, code_or_name=bad.code, matter_code=FILING)
        other = credit_check(actor=clerk, code_or_name=good_subject.code, matter_code=FILING)
    return good, black, other


def test_feedback_is_recorded_once_with_reasons(checks, window_officer):
    good, _black, _other = checks
    decisions = {code: (True, "") for code in good.measures.values_list("code", flat=True)}
    decisions["fewer_inspections"] = (False, "本事项不涉及抽查")
    with clock.frozen_at(MONDAY + dt.timedelta(days=1)):
        feedback_record(actor=window_officer, credit_check=good, decisions=decisions,
                        note="已按绿色通道办理")
    good.refresh_from_db()
    assert good.feedback_at is not None and good.feedback_by == window_officer
    row = CheckMeasure.objects.get(credit_check=good, code="fewer_inspections")
    assert row.applied is False and row.reason == "本事项不涉及抽查"
    assert CheckMeasure.objects.get(credit_check=good, code="green_channel").applied is True
    event = AuditEvent.objects.get(action="approvals.feedback")
    assert event.after["measures"]["fewer_inspections"]["reason"] == "本事项不涉及抽查"
    with pytest.raises(Conflict):
        feedback_record(actor=window_officer, credit_check=good, decisions=decisions)


def test_feedback_refusals(checks, window_officer, clerk):
    good, _black, _other = checks
    codes = list(good.measures.values_list("code", flat=True))
    with pytest.raises(ValidationFailed) as exc:
        feedback_record(actor=window_officer, credit_check=good,
                        decisions={codes[0]: (True, "")})
    assert exc.value.code == "feedback_incomplete"
    with pytest.raises(ValidationFailed) as exc:
        feedback_record(actor=window_officer, credit_check=good,
                        decisions={c: (False, " ") for c in codes})
    assert exc.value.code == "reason_required"
    with pytest.raises(ValidationFailed) as exc:
        feedback_record(actor=window_officer, credit_check=good,
                        decisions={**{c: (True, "") for c in codes}, "bogus": (True, "")})
    assert exc.value.code == "unknown_measure"
    with pytest.raises(PermissionDeniedError):
        feedback_record(actor=clerk, credit_check=good,
                        decisions={c: (True, "") for c in codes})


def test_overdue_after_the_feedback_period(checks, window_officer, leader, clerk):
    good, black, other = checks
    with clock.frozen_at(dt.date(2026, 3, 9)):  # due day: not yet overdue
        assert list(feedback_overdue(user=leader)) == []
    with clock.frozen_at(dt.date(2026, 3, 10)):
        assert set(feedback_overdue(user=leader)) == {good, black, other}
        # the window officer belongs to the lead department, which oversees every unit
        assert set(feedback_overdue(user=window_officer)) == {good, black, other}
        assert set(feedback_overdue(user=clerk)) == {other}


def test_lead_table_per_department_and_measure_in_one_query(checks, window_officer, leader,
                                                            django_assert_num_queries):
    good, black, _other = checks
    decisions = {c: (True, "") for c in black.measures.values_list("code", flat=True)}
    decisions["more_inspections"] = (False, "已列入下月双随机名单")
    with clock.frozen_at(MONDAY):
        feedback_record(actor=window_officer, credit_check=black, decisions=decisions)
    with clock.frozen_at(dt.date(2026, 3, 10)), django_assert_num_queries(1):
        rows = feedback_table(user=leader)
    table = {(r["dept"], r["measure"]): r for r in rows}
    lead, coop = window_officer.department.name, _other.department.name
    assert table[(lead, "")]["checks"] == 2 and table[(coop, "")]["checks"] == 1
    strict = table[(lead, "strict_review")]
    assert (strict["checks"], strict["due"], strict["applied"], strict["not_applied"],
            strict["missing"]) == (1, 1, 1, 0, 0)
    more = table[(lead, "more_inspections")]
    assert (more["applied"], more["not_applied"]) == (0, 1)
    green = table[(lead, "green_channel")]  # only the good subject's check carried it
    assert (green["checks"], green["due"], green["missing"], green["overdue"]) == (1, 1, 1, 1)
    assert table[(coop, "green_channel")]["missing"] == 1
    total = table[(lead, "")]
    assert total["due"] == good.measures.count() + black.measures.count()
    assert total["not_applied"] == 1 and total["missing"] == good.measures.count()
    assert [r.reason for r in not_applied_reasons(user=leader)] == ["已列入下月双随机名单"]


def test_a_unit_sees_only_its_own_rows(checks, clerk):
    rows = feedback_table(user=clerk)
    assert {r["dept"] for r in rows} == {clerk.department.name}


def test_auditor_oversees_but_cannot_record(checks, lead_department):
    auditor = User.objects.create_user(username="aud2", password="x" * 12, role=Role.AUDITOR,
                                       department=lead_department)
    good, _black, _other = checks
    assert len({r["dept"] for r in feedback_table(user=auditor)}) == 2
    with pytest.raises(PermissionDeniedError):
        feedback_record(actor=auditor, credit_check=good, decisions={})
