"""Hand-worked cases for each shipped model, at every grade threshold, in both implementations.

Each case is worked out from the model's TOML (which cites REFERENCE.md for every number) and
checked against the plain evaluator and the SQL engine alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from scoring.engine import spec_of
from scoring.language import Indicator, Spec

from .helpers import evaluate_both

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.date(2026, 1, 15)
ESTABLISHED = dt.date(2015, 1, 1)


def grade_of(spec: Spec, make_subject, make_record, *, score: str, bad: bool) -> tuple:
    """The grade for an exact score: the spec's scoring replaced by one fixed indicator worth
    `score`, its grades, vetoes and no-record rule kept; `bad` adds a 0-point bad record."""
    injected = dataclasses.replace(
        spec, base=0, floor=None, ceiling=None, groups=(), items=(),
        indicators=(Indicator(code="given", name="given", kind="fixed",
                              fixed=int(Decimal(score) * 100)),))
    subject = make_subject(spec.category)
    if bad:
        make_record(subject, "penalty_warning", decided_on=RECENT)
    result = evaluate_both(injected, subject, AS_OF)
    assert result.score == Decimal(score)
    return result.grade, result.veto


# --- §1.7 composite (property service) -----------------------------------------------------------

@pytest.mark.parametrize(("score", "bad", "grade"), [
    ("85", False, "AAA"), ("84.99", False, "AA"), ("80", False, "AA"), ("79.99", False, "A"),
    ("70", True, "A"), ("69.99", True, "B"), ("60", True, "B"), ("59.99", False, "B"),
    ("59.9", False, "B"), ("59.9", True, "C"), ("0", True, "C"),
])
def test_composite_grade_boundaries(shipped, make_subject, make_record, score, bad, grade):
    """REFERENCE §1.7 boundary table (山东 鲁建物字〔2019〕4号)."""
    spec = spec_of(shipped["property_service"])
    assert grade_of(spec, make_subject, make_record, score=score, bad=bad) == (grade, "")


@pytest.mark.parametrize(("records", "score", "grade", "veto"), [
    ([], "80.00", "AA", ""),
    (["commendation_national", "commendation_provincial"], "85.00", "AAA", ""),
    (["commendation_national", "commendation_city", "commendation_county"], "84.50", "AA", ""),
    (["penalty_warning", "false_advertising"], "70.00", "A", ""),
    (["penalty_confiscation", "penalty_confiscation"], "60.00", "B", ""),
    (["penalty_confiscation", "penalty_confiscation", "complaint_verified",
      "commendation_provincial", "commendation_county"], "59.50", "C", ""),
    (["maintenance_fund_misuse"], "60.00", "D", "severe-blacklist"),
    (["commendation_national"] * 3, "86.00", "AAA", ""),
])
def test_composite_hand_worked(shipped, make_subject, make_record, records, score, grade, veto):
    """Established >= 5 years: basic 75 + 5 = 80 (cap 80); bonuses capped; deductions 5/10/20."""
    subject = make_subject("property_service", established_on=ESTABLISHED)
    for code in records:
        make_record(subject, code, decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["property_service"]), subject, AS_OF)
    assert (str(result.score), result.grade, result.veto) == (score, grade, veto)


def test_composite_caps_are_explained_as_their_own_lines(shipped, make_subject, make_record):
    subject = make_subject("property_service", established_on=dt.date(2024, 1, 1))
    for _ in range(3):
        make_record(subject, "commendation_national", decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["property_service"]), subject, AS_OF)
    lines = [(c.kind, c.rule_code, str(c.points), c.cap_applied) for c in result.contributions]
    assert lines == [
        ("indicator", "basic-info", "75.00", False),
        ("indicator", "years-in-business", "2.00", False),   # 2 full years: lowest bracket
        ("record", "commendation", "3.00", False),
        ("record", "commendation", "3.00", False),
        ("record", "commendation", "3.00", False),
        ("cap", "commendation", "-3.00", True),               # 无锡 cap +6
    ]
    assert result.score == Decimal("83.00") and result.grade == "AA"


def test_composite_counts_only_effective_records_in_their_publicity(
        shipped, make_subject, make_record):
    subject = make_subject("property_service", established_on=ESTABLISHED)
    make_record(subject, "penalty_warning", decided_on=dt.date(2024, 1, 10))  # publicity over
    make_record(subject, "penalty_warning", decided_on=RECENT, state="revoked")
    make_record(subject, "penalty_warning", decided_on=RECENT, state="submitted")
    make_record(subject, "penalty_warning", decided_on=dt.date(2026, 7, 1))  # after the date
    result = evaluate_both(spec_of(shipped["property_service"]), subject, AS_OF)
    assert (result.score, result.grade, result.has_bad_record) == (Decimal("80.00"), "AA", False)


# --- developer 1000-point scale (developer-composite) ----------------------------------------

@pytest.mark.parametrize(("score", "grade"), [
    ("1000", "A"), ("850", "A"), ("849.99", "B"), ("700", "B"), ("699.99", "C"), ("550", "C"),
    ("549.99", "D"), ("400", "D"), ("399.99", "E"), ("0", "E"),
])
def test_developer_grade_boundaries(shipped, make_subject, make_record, score, grade):
    spec = spec_of(shipped["developer"])
    assert grade_of(spec, make_subject, make_record, score=score, bad=True) == (grade, "")


@pytest.mark.parametrize(("records", "score", "grade", "veto"), [
    ([], "800.00", "B", ""),
    (["commendation_national", "commendation_provincial"], "850.00", "A", ""),
    (["commendation_national"] * 10, "1000.00", "A", ""),            # good capped at 200
    (["presale_without_permit"], "700.00", "B", ""),
    (["penalty_warning"] * 5, "550.00", "C", ""),
    (["judgement_defaulter", "fraud"], "400.00", "D", ""),
    (["judgement_defaulter", "fraud", "penalty_warning"], "350.00", "E", ""),
    (["accident_larger"], "600.00", "E", "accident-veto"),            # 一票否决
])
def test_developer_hand_worked(shipped, make_subject, make_record, records, score, grade, veto):
    """基本信息 600 + 开发经营 (一级 100 + >=5 years 100) = 800; 良好 up to 200; − 不良."""
    subject = make_subject("developer", established_on=ESTABLISHED,
                           qualification="房地产开发企业一级资质")
    for code in records:
        make_record(subject, code, decided_on=RECENT)
    result = evaluate_both(spec_of(shipped["developer"]), subject, AS_OF)
    assert (str(result.score), result.grade, result.veto) == (score, grade, veto)


def test_developer_operation_indicators(shipped, make_subject):
    subject = make_subject("developer", established_on=dt.date(2023, 3, 1),
                           qualification="房地产开发企业二级资质")
    result = evaluate_both(spec_of(shipped["developer"]), subject, AS_OF)
    assert (result.score, result.grade) == (Decimal("770.00"), "B")   # 600 + 90 + 80
    unknown = make_subject("developer")
    result = evaluate_both(spec_of(shipped["developer"]), unknown, AS_OF)
    assert (result.score, result.grade) == (Decimal("715.00"), "B")   # 600 + 75 + 40


# --- brokerage (brokerage-composite) ------------------------------------------------------------

@pytest.mark.parametrize(("score", "grade"), [
    ("100", "优秀"), ("99.99", "良好"), ("80", "良好"), ("79.99", "合格"), ("70", "合格"),
    ("69.99", "失信警告"), ("60", "失信警告"), ("59.99", "失信"),
])
def test_brokerage_grade_boundaries(shipped, make_subject, make_record, score, grade):
    spec = spec_of(shipped["brokerage"])
    assert grade_of(spec, make_subject, make_record, score=score, bad=False) == (grade, "")


@pytest.mark.parametrize(("records", "score", "grade", "veto"), [
    ([], "80.00", "良好", ""),
    ([("commendation_national", None), ("commendation_provincial", None)], "105.00", "优秀", ""),
    ([("commendation_national", None)] * 3, "110.00", "优秀", ""),     # good capped at 30
    ([("penalty_circulated_criticism", None)] * 2, "70.00", "合格", ""),
    ([("penalty_fine", 5000), ("penalty_fine", 30000)], "60.00", "失信警告", ""),
    ([("penalty_fine", 9999.99), ("penalty_fine", 10000), ("complaint_verified", None)],
     "62.00", "失信警告", ""),
    ([("penalty_fine", None)], "70.00", "合格", ""),                  # no amount: default
    ([("penalty_fine", 5000), ("penalty_fine", 30000), ("complaint_verified", None)],
     "57.00", "失信", ""),
    ([("judgement_defaulter", None)], "70.00", "失信", "severe"),
])
def test_brokerage_hand_worked(shipped, make_subject, make_record, records, score, grade, veto):
    """基准分 80 + 优良 (cap 30) − 不良; fines by amount (1万/3万 brackets)."""
    subject = make_subject("brokerage")
    for code, amount in records:
        make_record(subject, code, decided_on=RECENT, amount=amount)
    result = evaluate_both(spec_of(shipped["brokerage"]), subject, AS_OF)
    assert (str(result.score), result.grade, result.veto) == (score, grade, veto)


def test_brokerage_records_count_for_twelve_months(shipped, make_subject, make_record):
    subject = make_subject("brokerage")
    make_record(subject, "penalty_circulated_criticism", decided_on=dt.date(2025, 6, 30))
    make_record(subject, "penalty_circulated_criticism", decided_on=dt.date(2025, 6, 29))
    result = evaluate_both(spec_of(shipped["brokerage"]), subject, AS_OF)
    assert result.score == Decimal("75.00")   # only the one decided 12 months ago to the day
