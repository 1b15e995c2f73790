"""Reads: current evaluation, explanations that sum to the stored score, history, matrices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from scoring import engine
from scoring.models import Evaluation
from scoring.selectors import (
    current_evaluation,
    explanation,
    grade_distribution,
    grade_history,
    migration_matrix,
)

AS_OF = dt.date(2026, 6, 30)
EST = dt.date(2015, 1, 1)


def _county(make_subject, make_record):
    subjects = []
    plan = [[], ["commendation_national", "commendation_provincial"],
            ["penalty_warning", "complaint_verified", "commendation_county"],
            ["penalty_confiscation"] * 2 + ["complaint_verified"],
            ["maintenance_fund_misuse"],
            ["commendation_national"] * 4 + ["rating_satisfaction"] * 2]
    for n, codes in enumerate(plan):
        subject = make_subject("property_service", established_on=EST if n % 2 else None)
        for k, code in enumerate(codes):
            make_record(subject, code, decided_on=dt.date(2026, 1, 1) + dt.timedelta(days=k * 20))
        subjects.append(subject)
    return subjects


def test_current_evaluation_follows_the_pointer(shipped, make_subject, make_record):
    subject = make_subject("property_service", established_on=EST)
    assert current_evaluation(subject=subject) is None
    batch = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    evaluation, found_batch, model = current_evaluation(subject=subject)
    assert (evaluation.grade, found_batch, model) == ("AA", batch, shipped["property_service"])


def test_every_explanation_sums_to_the_stored_score(shipped, make_subject, make_record):
    subjects = _county(make_subject, make_record)
    batch = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    for subject in subjects:
        stored = Evaluation.objects.get(batch=batch, subject=subject)
        explained = explanation(subject=subject)
        assert explained.total == stored.score == explained.result.score
        assert explained.result.grade == stored.grade and explained.matches_stored
        for line in explained.lines:
            if line.record_id:
                assert line.document_number and line.record_type and line.decided_on


def test_history_matrix_and_distribution(shipped, make_subject, make_record):
    subjects = _county(make_subject, make_record)
    first = engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    # a year later the bad records' publicity has ended; the commendations still count
    second = engine.regrade(model=shipped["property_service"], as_of=dt.date(2027, 6, 30))
    # 77 A | 85 AAA | 69.5 B (bad) | 57 C | D | 89 AAA
    assert grade_distribution(batch=first) == [("AAA", 2), ("A", 1), ("B", 1), ("C", 1),
                                               ("D", 1)]
    # 77 A | 85 AAA | 77.5 A | 60 B | D | 89 AAA
    assert grade_distribution(batch=second) == [("AAA", 2), ("A", 2), ("B", 1),
                                                ("D", 1)]
    matrix = migration_matrix(from_batch=first, to_batch=second)
    assert matrix == {("AAA", "AAA"): 2, ("A", "A"): 1, ("B", "A"): 1, ("C", "B"): 1,
                      ("D", "D"): 1}
    history = grade_history(subject=subjects[3])
    assert [(e.batch, e.grade, e.score) for e in history] == [
        (second, "B", Decimal("60.00")), (first, "C", Decimal("57.00"))]
    assert explanation(subject=subjects[3], batch=first).total == Decimal("57.00")
