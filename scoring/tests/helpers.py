"""Run both implementations on the same subject and insist they agree."""

from __future__ import annotations

import datetime as dt

from scoring.engine import compute_rows
from scoring.evaluator import Result, evaluate_subject
from scoring.facts import record_facts_for, subject_facts
from scoring.language import Spec
from subjects.models import Subject


def evaluate_both(spec: Spec, subject: Subject, as_of: dt.date) -> Result:
    """The plain evaluator's result, after checking the SQL engine gives the same."""
    subject.refresh_from_db()
    result = evaluate_subject(spec=spec, subject_facts=subject_facts(subject),
                              records=record_facts_for([subject.pk]).get(subject.pk, []),
                              as_of=as_of)
    assert sum(c.points for c in result.contributions) == result.score
    [row] = compute_rows(specs=[spec], as_of=as_of, subject_id=subject.pk)
    assert (row.score, row.grade, row.veto) == (result.score, result.grade, result.veto)
    return result
