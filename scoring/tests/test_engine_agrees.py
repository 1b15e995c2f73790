"""Property test: the set-based SQL engine and the plain evaluator agree on every subject.

Random subjects and records (every state, dates around month ends and leap days, amounts at
bracket edges, levels, from government departments, a rating agency and an industry
association) are graded by random specs: the shipped models with their caps, points, windows,
decay, thresholds, overrides and weights by kind of source perturbed; the same records are also
graded by two versions of a model that weigh the sources differently in one statement (a
what-if), and one subject alone (the one-subject re-grade). Runs on whichever database the
suite runs on (SQLite by default, PostgreSQL with DATABASE_URL), so both are covered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Department
from records.models import CreditRecord, RecordType
from scoring import dates
from scoring.engine import Row, compute_rows, regrade, spec_of
from scoring.evaluator import RecordFacts, SubjectFacts, evaluate_subject
from scoring.language import SOURCE_KINDS, Decay, Grade, Item, Points, Spec, Veto, Window
from scoring.models import Evaluation
from scoring.sqlcompile import Plan, load_catalogue, select_sql
from subjects.models import Subject

from .conftest import new_subject

STATES = ["effective"] * 6 + ["revoked", "corrected", "submitted", "draft"]
LEVELS = ["national", "provincial", "city", "county", "", "other"]
QUALIFICATIONS = ["", "房地产开发企业一级资质", "房地产开发企业二级资质", "其他"]
AMOUNTS = [None, Decimal("0"), Decimal("0.01"), Decimal("9999.99"), Decimal("10000"),
           Decimal("10000.01"), Decimal("29999.99"), Decimal("30000"), Decimal("250000.50")]
AS_OF_DAYS = [dt.date(2026, 2, 28), dt.date(2024, 2, 29), dt.date(2026, 3, 31),
              dt.date(2026, 6, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 1)]
BASE = dt.date(2021, 1, 1)

# Windows, decay steps and record ages are drawn from one small set of month counts, so records
# land exactly on a window's or a step's edge often enough for shrinking to find an off-by-one.
MONTHS = [1, 6, 12, 36]
months = st.sampled_from(MONTHS)
cents = st.integers(min_value=-3000, max_value=3000)
caps = st.one_of(st.none(), st.integers(min_value=0, max_value=4000))
windows = st.one_of(st.just(Window()), months.map(lambda m: Window(months=m)))
decays = st.one_of(
    st.just(Decay()), st.just(Decay(linear=True)),
    st.lists(st.tuples(months, st.integers(min_value=0, max_value=10_000)),
             min_size=1, max_size=3, unique_by=lambda s: s[0]).map(
        lambda steps: Decay(steps=tuple(sorted(steps)))),
)


# Weights by kind of source in basis points: not counted, part, full, and an odd one that
# rounds (a third of the points); government mostly full.
third_party_weights = st.sampled_from([0, 0, 3333, 5000, 10_000])
source_weights = st.builds(
    lambda gov, agency, association: (("government", gov), ("rating_agency", agency),
                                      ("association", association)),
    st.sampled_from([10_000, 10_000, 10_000, 7500, 0]), third_party_weights, third_party_weights)


@st.composite
def perturbed_item(draw: st.DrawFn, item: Item) -> Item:
    points = item.points
    if points.kind == "fixed" and draw(st.booleans()):
        points = dataclasses.replace(points, fixed=draw(cents))
    elif draw(st.booleans()):
        points = draw(st.sampled_from([
            Points(kind="catalogue"),
            Points(kind="level", levels=(("national", 300), ("provincial", 200),
                                         ("city", 100), ("county", 50)), default=draw(cents)),
            Points(kind="amount", amounts=((0, -500), (1_000_000, -1000), (3_000_000, -1500)),
                   default=draw(cents)),
        ]))
    return dataclasses.replace(item, points=points, cap=draw(caps), window=draw(windows),
                               decay=draw(decays))


@st.composite
def specs(draw: st.DrawFn, base_specs: list[Spec]) -> Spec:
    spec = draw(st.sampled_from(base_specs))
    items = tuple(draw(perturbed_item(item)) for item in spec.items)
    groups = tuple(dataclasses.replace(g, cap=draw(caps)) for g in spec.groups)
    floor = draw(st.one_of(st.none(), st.integers(min_value=-5000, max_value=5000)))
    ceiling = draw(st.one_of(st.none(), st.integers(min_value=5000, max_value=100_000)))
    mins = sorted(draw(st.lists(st.integers(min_value=-2000, max_value=12_000),
                                min_size=len(spec.grades) - 1, max_size=len(spec.grades) - 1,
                                unique=True)), reverse=True)
    grades = tuple(
        Grade(name=g.name, min=mins[n] if n < len(mins) else None,
              or_no_bad_record=n < len(mins) and draw(st.booleans()))
        for n, g in enumerate(spec.grades))
    vetoes = list(spec.vetoes)
    if draw(st.booleans()):
        floor_grade = draw(st.sampled_from([g.name for g in grades]))
        vetoes.append(Veto(code="lift", name="lift", match=items[0].match if items else None,
                           window=draw(windows), min_count=draw(st.integers(1, 2)),
                           floor=floor_grade))
    if draw(st.booleans()):
        vetoes.append(Veto(code="status", name="status", match=None, window=Window(),
                           subject_status=("revoked",), grade="X"))
    no_records = draw(st.sampled_from(["", *[g.name for g in grades]]))
    return dataclasses.replace(
        spec, items=items, groups=groups, base=draw(cents), floor=floor, ceiling=ceiling,
        grades=grades, vetoes=tuple(vetoes), no_records_grade=no_records,
        sources=draw(source_weights))


def record_rows(as_of: dt.date) -> st.SearchStrategy[list[dict]]:
    """Records whose dates sit on the edges the rules care about, relative to `as_of`: exactly
    N months back (± a day), publicity ending the day before, on or after the date."""
    month_edges = st.builds(
        lambda m, d: dates.add_months(as_of, -m) + dt.timedelta(days=d),
        st.one_of(months, months, st.integers(min_value=0, max_value=50)),
        st.integers(min_value=-1, max_value=1))
    any_day = st.integers(min_value=-30, max_value=2200).map(
        lambda k: as_of - dt.timedelta(days=k))
    decided = st.one_of(month_edges, month_edges, month_edges, any_day).filter(
        lambda d: d >= dt.date(2000, 1, 2))

    @st.composite
    def record(draw: st.DrawFn) -> dict:
        day = draw(decided)
        ends = draw(st.one_of(
            st.integers(min_value=-2, max_value=2).map(lambda k: as_of + dt.timedelta(days=k)),
            st.integers(min_value=0, max_value=1200).map(lambda k: day + dt.timedelta(days=k)),
        ))
        return {"type": draw(st.integers(min_value=0, max_value=39)), "decided": day,
                "source": draw(st.sampled_from([0, 0, 1, 2])),
                "publicity_ends": max(ends, day), "state": draw(st.sampled_from(STATES)),
                "amount": draw(st.sampled_from(AMOUNTS)), "level": draw(st.sampled_from(LEVELS))}

    return st.lists(record(), max_size=9)


def subject_rows(as_of: dt.date) -> st.SearchStrategy[list[dict]]:
    established = st.one_of(
        st.none(),
        st.builds(lambda y, d: dates.add_years(as_of, -y) + dt.timedelta(days=d),
                  st.integers(min_value=0, max_value=12), st.integers(min_value=-1, max_value=1)),
    )
    return st.lists(st.fixed_dictionaries({
        "established": established,
        "qualification": st.sampled_from(QUALIFICATIONS),
        "status": st.sampled_from(["active", "active", "cancelled", "revoked"]),
        "records": record_rows(as_of),
    }), min_size=1, max_size=5)


class Rollback(Exception):
    pass


@pytest.fixture
def sources(reviewer) -> list[Department]:
    """A government department (the reviewer's), a rating agency and an industry association,
    by the index a drawn record names."""
    agency = Department.objects.create(code="pj", name="某信用评级公司", kind="external",
                                       source_kind="rating_agency")
    association = Department.objects.create(code="xh", name="某行业协会", kind="external",
                                            source_kind="association")
    return [reviewer.department, agency, association]


def test_the_language_knows_every_kind_of_source():
    assert set(SOURCE_KINDS) == set(Department.SourceKind.values)


def _store(category: str, subjects: list[dict], types: list[RecordType], reviewer,
           sources: list[Department] | None = None) -> None:
    for row in subjects:
        subject = new_subject(
            category,
            established_on=row["established"],
            qualification=row["qualification"], status=row["status"])
        CreditRecord.objects.bulk_create(
            CreditRecord(
                subject=subject, record_type=types[r["type"] % len(types)],
                occurred_on=r["decided"], decided_on=r["decided"],
                publicity_ends_on=r["publicity_ends"],
                document_number=f"P-{subject.pk}-{n}",
                source_department=(sources or [reviewer.department])[r.get("source", 0)],
                created_by=reviewer, state=r["state"], amount=r["amount"], level=r["level"])
            for n, r in enumerate(row["records"]))


def _facts(category: str) -> tuple[dict[int, SubjectFacts], dict[int, list[RecordFacts]]]:
    from scoring.facts import record_facts_for, subject_facts_for

    ids = list(Subject.objects.filter(category=category).values_list("pk", flat=True))
    return subject_facts_for(ids), record_facts_for(ids)


def _graded_by_plan(specs: list[Spec], as_of: dt.date) -> dict[int, dict[int, Row]]:
    """Every plan's rows from one compiled statement, by plan number and subject."""
    sql = select_sql(plans=[Plan(spec=spec, batch_id=n) for n, spec in enumerate(specs)],
                     catalogue=load_catalogue(), as_of=as_of, vendor=connection.vendor)
    out: dict[int, dict[int, Row]] = {n: {} for n in range(len(specs))}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for plan, sid, score, grade, veto in cursor.fetchall():
            out[plan][sid] = Row(subject_id=sid, grade=grade, veto=veto,
                                 score=(Decimal(score) / 100).quantize(Decimal("0.01")))
    return out


@pytest.mark.django_db
@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_sql_engine_agrees_with_plain_evaluator(shipped, reviewer, sources, data):
    base_specs = [spec_of(m) for m in shipped.values()]
    spec = data.draw(specs(base_specs), label="spec")
    as_of = data.draw(st.one_of(st.sampled_from(AS_OF_DAYS),
                                st.integers(0, 2300).map(lambda d: BASE + dt.timedelta(days=d))),
                      label="as_of")
    subjects = data.draw(subject_rows(as_of), label="subjects")
    # the same model weighing the sources otherwise, graded in the same statement (two lanes)
    other = dataclasses.replace(spec, sources=data.draw(source_weights, label="other sources"))
    types = list(RecordType.objects.order_by("pk"))
    try:
        with transaction.atomic():
            _store(spec.category, subjects, types, reviewer, sources)
            by_plan = _graded_by_plan([spec, other], as_of)
            subject_facts, records = _facts(spec.category)
            for n, graded in enumerate([spec, other]):
                sql = by_plan[n]
                assert set(sql) == set(subject_facts)
                for sid, facts in subject_facts.items():
                    expected = evaluate_subject(spec=graded, subject_facts=facts,
                                                records=records.get(sid, []), as_of=as_of)
                    assert sum(c.points for c in expected.contributions) == expected.score
                    got = sql[sid]
                    assert (got.score, got.grade, got.veto) == (
                        expected.score, expected.grade, expected.veto), (n, sid, expected)
            sid = min(subject_facts)  # the one-subject statement (index look-ups, CASE chains)
            [alone] = compute_rows(specs=[spec], as_of=as_of, subject_id=sid)
            expected = evaluate_subject(spec=spec, subject_facts=subject_facts[sid],
                                        records=records.get(sid, []), as_of=as_of)
            assert (alone.score, alone.grade, alone.veto) == (
                expected.score, expected.grade, expected.veto)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_full_regrade_stores_what_the_evaluator_computes(shipped, reviewer, sources, data):
    """The INSERT path (cents → stored decimal, batch, pointer) on the shipped models, with
    records of every kind of source (which the shipped models weigh explicitly)."""
    model = data.draw(st.sampled_from(list(shipped.values())), label="model")
    as_of = data.draw(st.sampled_from(AS_OF_DAYS), label="as_of")
    subjects = data.draw(subject_rows(as_of), label="subjects")
    types = list(RecordType.objects.order_by("pk"))
    spec = spec_of(model)
    try:
        with transaction.atomic():
            _store(model.category, subjects, types, reviewer, sources)
            batch = regrade(model=model, as_of=as_of)
            stored = {e.subject_id: e for e in Evaluation.objects.filter(batch=batch)}
            subject_facts, records = _facts(model.category)
            assert set(stored) == set(subject_facts)
            for sid, facts in subject_facts.items():
                expected = evaluate_subject(spec=spec, subject_facts=facts,
                                            records=records.get(sid, []), as_of=as_of)
                row = stored[sid]
                assert (row.score, row.grade, row.veto) == (
                    expected.score, expected.grade, expected.veto)
            raise Rollback
    except Rollback:
        pass
