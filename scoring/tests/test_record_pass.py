"""The PostgreSQL record pass, summed by one process or partially by the workers
(`SCORING_RECORD_PASS`): both write the same rows (committed data, `transaction=True`, so that
the parallel workers see the subjects and records)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from scoring import engine
from scoring.models import Evaluation, EvaluationBatch

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.date(2026, 1, 15)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def population(shipped, make_subject, make_record):
    """Subjects of several categories spread over the id range, with records of all kinds."""
    est = dt.date(2015, 1, 1)
    subjects = []
    kinds = ["penalty_confiscation", "maintenance_fund_misuse", "commendation_county"]
    for n in range(24):
        category = ("property_service", "developer", "builder", "rental")[n % 4]
        subject = make_subject(category, established_on=est,
                               qualification="房地产开发企业一级资质"
                               if category == "developer" else "")
        for k in range(n % 4):
            make_record(subject, kinds[(n + k) % len(kinds)],
                        decided_on=RECENT - dt.timedelta(days=40 * k))
        subjects.append(subject)
    return subjects


def _rows(batches: list[EvaluationBatch]) -> dict[tuple[str, int], tuple[str, str, str]]:
    return {(b.category, e.subject_id): (str(e.score), e.grade, e.veto)
            for b in batches for e in Evaluation.objects.filter(batch=b)}


def _leftovers() -> list[str]:
    return [t for t in connection.introspection.table_names()
            if t.startswith("scoring_regrade_")]


def test_summing_the_records_in_one_process_writes_the_rows_of_partial_sums(population,
                                                                             settings):
    """`SCORING_RECORD_PASS`: the record pass summed by one process over the workers' per-record
    terms (the default) writes exactly the rows of the workers' partial sums merged by the
    leader."""
    if connection.vendor != "postgresql":
        pytest.skip("the record pass is compiled so on PostgreSQL only")
    settings.SCORING_RECORD_PASS = "partial"
    partial = engine.regrade_in_effect(as_of=AS_OF)
    settings.SCORING_RECORD_PASS = "leader"
    leader = engine.regrade_in_effect(as_of=AS_OF)
    expected = _rows(partial)
    assert len(expected) == len(population)
    assert len({row for row in expected.values()}) > 3
    assert _rows(leader) == expected
    assert {b.pk for b in leader}.isdisjoint({b.pk for b in partial})
    assert _leftovers() == []


def test_an_unknown_record_pass_is_refused(settings):
    settings.SCORING_RECORD_PASS = "sideways"
    with pytest.raises(ImproperlyConfigured):
        engine.record_pass()
