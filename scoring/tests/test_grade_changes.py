"""The compiler's public comparison of two models (`grade_changes_sql`), which the what-if uses.

The rows must agree with evaluating each model on its own (`engine.compute_rows`): the matrix
counts every subject once, and the changed subjects are the first `limit` by id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from scoring import engine
from scoring.language import parse
from scoring.sqlcompile import grade_changes_sql, load_catalogue

AS_OF = dt.date(2026, 6, 30)

pytestmark = pytest.mark.django_db


def rows(**kwargs) -> tuple[dict[tuple[str, str], int], list[tuple[int, str, str]]]:
    sql = grade_changes_sql(catalogue=load_catalogue(), as_of=AS_OF, vendor=connection.vendor,
                            **kwargs)
    matrix, changed = {}, []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for kind, before, after, number in cursor.fetchall():
            if kind == "m":
                matrix[(before, after)] = int(number)
            else:
                changed.append((int(number), before, after))
    return matrix, changed


@pytest.fixture
def county(shipped, make_subject, make_record):
    subjects = [make_subject("property_service", established_on=dt.date(2015 + n % 11, 1, 1))
                for n in range(12)]
    for n, subject in enumerate(subjects):
        for _ in range(n % 4):
            make_record(subject, "penalty_warning", decided_on=dt.date(2026, 1 + n % 5, 15))
    make_subject("developer")   # another category: never compared
    return subjects


def test_matrix_and_changes_agree_with_each_model_evaluated_alone(shipped, county):
    before = engine.spec_of(shipped["property_service"])
    after = parse(shipped["property_service"].source.replace(
        'name = "AA"\nmin = 80', 'name = "AA"\nmin = 72'))
    grade_before = {r.subject_id: r.grade
                    for r in engine.compute_rows(specs=[before], as_of=AS_OF)}
    grade_after = {r.subject_id: r.grade for r in engine.compute_rows(specs=[after], as_of=AS_OF)}
    expected = Counter((grade_before[sid], grade_after[sid]) for sid in grade_after)
    moved = sorted((sid, grade_before[sid], g) for sid, g in grade_after.items()
                   if g != grade_before[sid])
    assert len(moved) >= 2, "the fixture must move some subjects"

    matrix, changed = rows(after=after, before=before, limit=100)
    assert matrix == dict(expected) and sum(matrix.values()) == len(county)
    assert changed == moved

    _matrix, first = rows(after=after, before=before, limit=1)
    assert first == moved[:1]


def test_without_a_model_before_every_subject_changes(shipped, county):
    after = engine.spec_of(shipped["property_service"])
    matrix, changed = rows(after=after, before=None, limit=5)
    grades = Counter(r.grade for r in engine.compute_rows(specs=[after], as_of=AS_OF))
    assert matrix == {("", grade): n for grade, n in grades.items()}
    assert [sid for sid, _b, _a in changed] == sorted(s.pk for s in county)[:5]
    assert {b for _sid, b, _a in changed} == {""}
