"""The SQL compiler's public interface for building on an evaluation (`plan_relations`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from scoring import engine
from scoring.sqlcompile import Plan, load_catalogue, plan_relations

AS_OF = dt.date(2026, 6, 30)

pytestmark = pytest.mark.django_db


def test_each_plan_has_a_named_relation_with_one_row_per_subject(shipped, make_subject):
    subjects = [make_subject("property_service") for _ in range(3)]
    spec = engine.spec_of(shipped["property_service"])
    with_sql, relations = plan_relations(
        plans=[Plan(spec=spec, batch_id=7), Plan(spec=spec, batch_id=8)],
        catalogue=load_catalogue(), as_of=AS_OF, vendor=connection.vendor)
    assert len(set(relations)) == 2
    expected = {(r.subject_id, r.grade) for r in engine.compute_rows(specs=[spec], as_of=AS_OF)}
    for batch_id, relation in zip((7, 8), relations, strict=True):
        with connection.cursor() as cursor:
            cursor.execute(f"{with_sql} SELECT batch_id, sid, grade FROM {relation}")
            rows = cursor.fetchall()
        assert {b for b, _sid, _g in rows} == {batch_id}
        assert {(sid, g) for _b, sid, g in rows} == expected
        assert {sid for _b, sid, _g in rows} == {s.pk for s in subjects}
