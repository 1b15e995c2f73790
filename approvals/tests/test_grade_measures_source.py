"""Grade → measures has one source: the supervision measures table. The credit check reads it;
an administrator's change there changes what the window applies, with nothing copied."""

from __future__ import annotations

import pytest

from approvals.selectors import current_rule_set
from approvals.services import credit_check
from common import clock
from supervision.models import SupervisionMeasure
from supervision.services import measure_update

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def reasons(check, code: str) -> set[str]:
    found = [m for m in check.result["measures"] if m["code"] == code]
    return {r["rule"] for m in found for r in m["reasons"]}


def test_rule_set_in_force_keeps_no_grade_table_of_its_own(catalogue):
    rules = current_rule_set(as_of=MONDAY).rules.all()
    assert not rules.filter(condition__in=["grade_top", "grade_lowest", "grade_in"]).exists()
    assert rules.filter(condition="grade_measures").count() == 1


def test_check_follows_the_supervision_table(graded, good_subject, window_officer, admin_user):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        before = credit_check(actor=window_officer, code_or_name=good_subject.code,
                              matter_code="property_service_filing")
    assert "grade-measures" in reasons(before, "fewer_inspections")   # AA row lists it
    assert "grade-measures" in reasons(before, "priority_handling")
    row = SupervisionMeasure.objects.get(category="property_service", grade="AA")
    measure_update(actor=admin_user, measure=row, reason="本县调整：AA级不再减少抽查",
                   incentives=["green_channel", "accept_with_missing_materials"],
                   restrictions=["more_inspections"])
    with clock.frozen_at(MONDAY):
        after = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
    assert "fewer_inspections" not in {m["code"] for m in after.result["measures"]}
    assert "grade-measures" in reasons(after, "more_inspections")
