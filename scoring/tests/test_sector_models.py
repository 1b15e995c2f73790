"""The whole sector graded: builders, rental companies and practitioners have published models;
a what-if over the demo county shows a plausible spread; after the bootstrap's re-grade every
demo subject of every category has a grade. Hand-worked cases check the new models in both
implementations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scoring.engine import spec_of
from scoring.models import ScoringModel
from scoring.services import install_shipped_models
from subjects.models import Category

from .helpers import evaluate_both

AS_OF = dt.date(2026, 12, 2)
NEW = ("builder", "rental", "practitioner")
RECENT = dt.date(2026, 6, 1)


WORKING_MARKS = ("REFERENCE", "[M]", "§", "天津", "宿州", "苏州", "杭州", "烟台", "荣成", "无锡",
                 "北京", "山东", "山西", "银川", "青岛", "北海", "海口", "Tianjin", "Suzhou",
                 "Shandong", "Yantai", "Wuxi", "tianjin", "suzhou")


def test_published_models_name_no_other_city(record_types):
    """Administrators read a model's whole source on the model page: its name, description,
    codes and comments cite national rules and this county's only, never working notes."""
    for model in install_shipped_models(publish=True):
        for text in (model.name, model.code, model.spec.get("description", "") or "",
                     model.source):
            for mark in WORKING_MARKS:
                assert mark not in text, (model.code, mark)
    assert set(ScoringModel.objects.values_list("category", flat=True)) == set(Category.values)


@pytest.mark.parametrize(("records", "qualification", "score", "grade", "veto"), [
    ([], "建筑工程施工总承包二级", "74.00", "A", ""),        # 50 + 16 + 8
    ([], "建筑工程施工总承包特级", "80.00", "AA", ""),        # 50 + 22 + 8 = 80 (cap 80)
    (["commendation_national", "award_quality_project"], "建筑工程施工总承包一级", "94.00", "AAA",
     ""),                                                      # 78 + min(16, 20)
    (["wage_arrears", "complaint_verified"], "建筑工程施工总承包三级", "55.00", "C", ""),
    (["qualification_lending"], "建筑工程施工总承包一级", "63.00", "C", "severe"),
    (["accident_larger"], "建筑工程施工总承包一级", "68.00", "C", "accident-veto"),
])
def test_builder_hand_worked(shipped, make_subject, make_record, records, qualification, score,
                             grade, veto):
    subject = make_subject("builder", established_on=dt.date(2015, 1, 1),
                           qualification=qualification)
    for code in records:
        make_record(subject, code, decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["builder"]), subject, AS_OF)
    assert (str(result.score), result.grade, result.veto) == (score, grade, veto)


@pytest.mark.parametrize(("records", "score", "grade", "veto"), [
    ([], "80.00", "A", "no_records"),
    (["commendation_provincial", "rating_satisfaction"], "95.00", "AA", ""),
    (["rental_deposit_violation"], "70.00", "B", ""),
    (["rental_deposit_violation", "rental_unregistered", "complaint_verified"], "62.00", "C", ""),
    (["judgement_defaulter"], "50.00", "D", "severe"),
])
def test_rental_hand_worked(shipped, make_subject, make_record, records, score, grade, veto):
    subject = make_subject("rental")
    for code in records:
        make_record(subject, code, decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["rental"]), subject, AS_OF)
    assert (str(result.score), result.grade) == (score, grade)
    assert result.veto in (veto, "") if veto == "no_records" else result.veto == veto


@pytest.mark.parametrize(("records", "score", "grade"), [
    ([], "100.00", "A"),
    (["commendation_city"], "110.00", "AA"),
    (["penalty_warning"], "90.00", "B"),
    (["penalty_circulated_criticism", "brokerage_unfiled", "complaint_verified"], "87.00", "B"),
    (["penalty_fine", "penalty_warning", "complaint_verified"], "77.00", "C"),
    (["fraud"], "70.00", "D"),
])
def test_practitioner_hand_worked(shipped, make_subject, make_record, records, score, grade):
    subject = make_subject("practitioner")
    for code in records:
        make_record(subject, code, decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["practitioner"]), subject, AS_OF)
    assert (result.score, result.grade) == (Decimal(score), grade)


def test_rental_records_count_for_twelve_months(shipped, make_subject, make_record):
    subject = make_subject("rental")
    make_record(subject, "rental_unregistered", decided_on=dt.date(2025, 12, 2))
    make_record(subject, "rental_unregistered", decided_on=dt.date(2025, 12, 1))
    assert evaluate_both(spec_of(shipped["rental"]), subject, AS_OF).score == Decimal("75.00")
