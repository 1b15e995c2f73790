"""Plans end to end through the services: stratification, reproducibility, verification,
avoidance, publication and results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from records.models import RecordState
from subjects.models import Subject
from supervision import selectors
from supervision.models import (
    UNGRADED,
    ConflictRule,
    InspectionPlan,
    Inspector,
    InspectorPool,
    PlanAssignment,
    PlanItem,
    SupervisionMeasure,
)
from supervision.services import (
    conflict_rule_create,
    measure_update,
    plan_draw,
    plan_publish,
    plan_record_result,
    plan_verify,
)

FROM, TO = dt.date(2025, 3, 1), dt.date(2025, 6, 30)
TODAY = dt.date(2025, 4, 15)

# (grade, population, expected drawn) at the shipped property_service defaults
POPULATION = [
    ("AAA", 40, 1),  # 3%: 1.2 → 1
    ("AA", 30, 2),  # 5%: 1.5 → 2 (half up)
    ("A", 25, 3),  # 10%: 2.5 → 3 (half up)
    ("B", 20, 4),  # 20%
    ("C", 9, 5),  # 60%: 5.4 → 5
    ("D", 3, 3),  # 100% (北海: every black-listed subject each half-year)
    (UNGRADED, 6, 1),  # 20%: 1.2 → 1; nobody is exempt from sampling
]


@pytest.fixture
def population(make_subjects, grade, measures) -> dict[str, list[Subject]]:
    by_grade: dict[str, list[Subject]] = {}
    grades: dict[Subject, str] = {}
    for name, count, _ in POPULATION:
        by_grade[name] = make_subjects(count)
        if name != UNGRADED:
            grades.update(dict.fromkeys(by_grade[name], name))
    grade(grades)
    return by_grade


def _draw(actor, **kw) -> InspectionPlan:
    args = {"actor": actor, "category": "property_service", "date_from": FROM, "date_to": TO,
            "seed": 20250301}
    args.update(kw)
    with clock.frozen_at(TODAY):
        return plan_draw(**args)


def _shape(plan: InspectionPlan) -> list[tuple[int, str, tuple[int, ...]]]:
    return [(i.subject_id, i.grade, tuple(a.inspector_id for a in i.assignments.all()))
            for i in selectors.plan_items(plan=plan)]


def test_stratified_counts_per_grade(population, pool, reviewer) -> None:
    plan = _draw(reviewer)
    drawn = [i.grade for i in plan.items.all()]
    for name, _count, expected in POPULATION:
        assert drawn.count(name) == expected, name
        drawn_subjects = set(plan.items.filter(grade=name).values_list("subject_id", flat=True))
        assert drawn_subjects <= {s.pk for s in population[name]}
    summary = {row["grade"]: row for row in plan.summary}
    assert summary["AA"] == {"grade": "AA", "population": 30, "ratio": "0.0500", "drawn": 2}
    assert [row["grade"] for row in plan.summary][:3] == ["AAA", "AA", "A"]  # measures' order
    assert plan.batch is not None and plan.seed == 20250301
    assert all(len(i.inspector_list()) == 2 for i in plan.items.all())


def test_same_seed_same_plan_different_seed_different(population, pool, reviewer) -> None:
    first, second = _draw(reviewer), _draw(reviewer)
    assert _shape(first) == _shape(second)
    assert first.input_digest == second.input_digest
    assert _shape(_draw(reviewer, seed=20250302)) != _shape(first)


def test_seed_is_random_and_recorded_when_not_given(population, pool, reviewer) -> None:
    plan = _draw(reviewer, seed=None)
    event = AuditEvent.objects.get(action="supervision.plan_draw", target_id=str(plan.pk))
    assert event.after["seed"] == plan.seed
    assert event.after["input_digest"] == plan.input_digest
    assert plan_verify(plan=plan).ok


def test_verification_reproduces_and_ignores_later_regrades(population, pool, reviewer,
                                                            grade) -> None:
    plan = _draw(reviewer)
    result = plan_verify(plan=plan)
    assert result.ok, result.problems
    assert result.items_checked == plan.items.count() and result.batch_agrees is True
    # A re-grade afterwards (new batch; and a rewrite of the old batch's rows, as the
    # incremental re-grade does) does not change what the plan is verified against.
    grade({s: "C" for s in population["AAA"]})
    from scoring.models import Evaluation
    Evaluation.objects.filter(batch=plan.batch).update(grade="B")
    result = plan_verify(plan=plan)
    assert result.ok, result.problems
    assert result.batch_agrees is False


@pytest.mark.parametrize("tamper", ["subject", "grade", "inspector", "delete", "seed", "input"])
def test_verification_detects_tampering(population, pool, reviewer, tamper) -> None:
    plan = _draw(reviewer)
    item = plan.items.order_by("position").first()
    if tamper == "subject":
        other = Subject.objects.exclude(pk__in=plan.items.values("subject_id")).first()
        PlanItem.objects.filter(pk=item.pk).update(subject=other)
    elif tamper == "grade":
        PlanItem.objects.filter(pk=item.pk).update(grade="AAA" if item.grade != "AAA" else "B")
    elif tamper == "inspector":
        used = set(item.assignments.values_list("inspector_id", flat=True))
        spare = Inspector.objects.exclude(pk__in=used).first()
        PlanAssignment.objects.filter(item=item, position=1).update(inspector=spare)
    elif tamper == "delete":
        PlanItem.objects.filter(pk=plan.items.order_by("-position").first().pk).delete()
    elif tamper == "seed":
        InspectionPlan.objects.filter(pk=plan.pk).update(seed=plan.seed + 1)
    elif tamper == "input":  # someone rewrites the snapshot so a subject "was" another grade
        data = plan.draw_input
        data["candidates"][0][1] = "D"
        InspectionPlan.objects.filter(pk=plan.pk).update(draw_input=data)
    result = plan_verify(plan=plan)
    assert not result.ok
    assert result.problems


def test_avoidance_rules_respected(population, pool, reviewer) -> None:
    drawn = list(_draw(reviewer).items.values_list("subject_id", flat=True))
    target = Subject.objects.get(pk=drawn[0])
    conflict_rule_create(actor=reviewer, kind=ConflictRule.Kind.UNIT, subject=target,
                         unit_name="物业股", reason="属地登记单位")
    relative = Inspector.objects.filter(unit_name="市场股").first()
    conflict_rule_create(actor=reviewer, kind=ConflictRule.Kind.PAIR, subject=target,
                         inspector=relative, reason="近亲属")
    plan = _draw(reviewer)
    item = plan.items.get(subject=target)  # same seed, same subjects: rules change inspectors
    for inspector in item.inspector_list():
        assert inspector.unit_name != "物业股" and inspector != relative
    assert plan_verify(plan=plan).ok
    assert [target.pk, relative.pk] in plan.draw_input["forbidden"]


@pytest.fixture
def hopeless(population, pool, reviewer) -> Subject:
    """A black-listed subject (always drawn) with every unit but one, and one inspector of that
    last unit, avoided: one eligible inspector is left where two are needed."""
    lonely = population["D"][0]
    for unit in ["市场股", "物业股", "执法大队"]:
        conflict_rule_create(actor=reviewer, kind=ConflictRule.Kind.UNIT, subject=lonely,
                             unit_name=unit, reason="回避")
    for inspector in Inspector.objects.filter(unit_name="开发股")[:2]:
        conflict_rule_create(actor=reviewer, kind=ConflictRule.Kind.PAIR, subject=lonely,
                             inspector=inspector, reason="近亲属")
    return lonely


def test_impossible_assignment_is_refused_clearly(hopeless, reviewer) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        _draw(reviewer)
    assert exc.value.code == "no_eligible_inspectors"
    assert hopeless.name in str(exc.value.message) and hopeless.code in str(exc.value.message)
    assert InspectionPlan.objects.count() == 0 and PlanItem.objects.count() == 0
    assert AuditEvent.objects.count() == events
    plan = _draw(reviewer, inspectors_per_subject=1)  # one eligible inspector is enough for 1
    assert plan.items.filter(subject=hopeless).exists()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_avoidance_never_violated_random_pools(make_subjects, grade, measures, reviewer,
                                               data) -> None:
    """Random pools, units and rules, through the database: no drawn pair breaks a rule."""

    class Rollback(Exception):
        pass

    units = ["甲", "乙", "丙", "丁"]
    try:
        with transaction.atomic():
            subjects = make_subjects(data.draw(st.integers(3, 12)))
            grade({s: data.draw(st.sampled_from(["AAA", "B", "D"])) for s in subjects})
            pool = InspectorPool.objects.create(name="随机库")
            inspectors = [
                Inspector.objects.create(pool=pool, name=f"员{n}",
                                         unit_name=data.draw(st.sampled_from(units)))
                for n in range(data.draw(st.integers(2, 8)))
            ]
            for _ in range(data.draw(st.integers(0, 12))):
                subject = data.draw(st.sampled_from(subjects))
                if data.draw(st.booleans()):
                    conflict_rule_create(actor=reviewer, kind="unit", subject=subject,
                                         unit_name=data.draw(st.sampled_from(units)), reason="x")
                else:
                    conflict_rule_create(actor=reviewer, kind="pair", subject=subject,
                                         inspector=data.draw(st.sampled_from(inspectors)),
                                         reason="x")
            seed = data.draw(st.integers(0, 2**63 - 1))
            try:
                plan = _draw(reviewer, seed=seed, pool=pool)
            except ValidationFailed as exc:
                assert exc.code == "no_eligible_inspectors"
                raise Rollback from exc
            rules = list(ConflictRule.objects.filter(is_active=True))
            for item in plan.items.all():
                for inspector in item.inspector_list():
                    for rule in rules:
                        if rule.subject_id != item.subject_id:
                            continue
                        assert rule.inspector_id != inspector.pk
                        assert rule.unit_name != inspector.unit_name
            assert plan_verify(plan=plan).ok
            raise Rollback
    except Rollback:
        pass


def test_only_planners_draw_and_publish(population, pool, clerk, leader, reviewer) -> None:
    for user in (clerk, leader):
        with pytest.raises(PermissionDeniedError):
            _draw(user)
    plan = _draw(reviewer)
    with pytest.raises(PermissionDeniedError):
        plan_publish(actor=clerk, plan=plan)


def test_missing_measure_is_refused_by_grade(population, pool, reviewer) -> None:
    SupervisionMeasure.objects.filter(category="property_service", grade="C").delete()
    with pytest.raises(ValidationFailed) as exc:
        _draw(reviewer)
    assert exc.value.code == "no_measure" and "C" in str(exc.value.message)


def test_draw_arguments_are_checked(population, pool, reviewer) -> None:
    with pytest.raises(ValidationFailed):
        _draw(reviewer, date_to=FROM - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        _draw(reviewer, category="nonsense")
    with pytest.raises(ValidationFailed):
        _draw(reviewer, seed=-1)
    with pytest.raises(ValidationFailed):
        _draw(reviewer, category="rental")  # nobody to draw from


def test_ungraded_category_draws_at_the_ungraded_ratio(make_subjects, measures, pool,
                                                       reviewer) -> None:
    make_subjects(10, category="rental")
    plan = _draw(reviewer, category="rental")
    assert plan.batch is None
    assert plan.summary == [{"grade": UNGRADED, "population": 10, "ratio": "0.2000",
                             "drawn": 2}]


def test_publish_hides_individual_codes(make_subjects, grade, measures, pool, reviewer) -> None:
    people = make_subjects(5, category="practitioner", kind="individual")
    firms = make_subjects(3)
    grade(dict.fromkeys(firms, "D"))
    plan = _draw(reviewer, category="practitioner")  # UNGRADED 20% of 5 → 1
    with clock.frozen_at(TODAY):
        plan_publish(actor=reviewer, plan=plan, public_note="依据《双随机一公开工作细则》")
    plan.refresh_from_db()
    assert plan.is_published and plan.published_by == reviewer
    rows = selectors.public_plan_rows(plan=plan)
    assert rows and all(r.subject_code == "" for r in rows)
    assert all(p.code not in repr(rows) for p in people)
    firm_plan = _draw(reviewer)
    assert {r.subject_code for r in selectors.public_plan_rows(plan=firm_plan)} == {
        f.code for f in firms}
    assert list(selectors.public_plans()) == [plan]
    with pytest.raises(Conflict):
        plan_publish(actor=reviewer, plan=plan)


def test_tampered_plan_cannot_be_published(population, pool, reviewer) -> None:
    plan = _draw(reviewer)
    PlanItem.objects.filter(plan=plan, position=1).update(grade="X")
    with pytest.raises(Conflict) as exc:
        plan_publish(actor=reviewer, plan=plan)
    assert exc.value.code == "plan_not_verified"


@pytest.fixture
def published(population, pool, reviewer, record_types) -> InspectionPlan:
    plan = _draw(reviewer)
    with clock.frozen_at(TODAY):
        plan_publish(actor=reviewer, plan=plan)
    return plan


def test_result_entry_creates_a_submitted_record(published, clerk) -> None:
    item = published.items.order_by("position").first()
    with clock.frozen_at(TODAY):
        record = plan_record_result(actor=clerk, item=item, passed=False,
                                    document_number="东住建检〔2025〕12号",
                                    decided_on=dt.date(2025, 4, 10),
                                    description="消防通道堵塞，限期整改")
    item.refresh_from_db()
    assert item.result_record == record
    assert record.state == RecordState.SUBMITTED and record.submitted_by == clerk
    assert record.record_type.code == "inspection_failed" and record.subject == item.subject
    assert record.source_department == clerk.department
    assert AuditEvent.objects.filter(action="supervision.plan_result",
                                     target_id=str(item.pk)).exists()
    with clock.frozen_at(TODAY), pytest.raises(Conflict):
        plan_record_result(actor=clerk, item=item, passed=True, document_number="another",
                           decided_on=dt.date(2025, 4, 11))


def test_result_checks(published, population, pool, reviewer, clerk, leader) -> None:
    item = published.items.order_by("position").first()
    with clock.frozen_at(TODAY):
        with pytest.raises(PermissionDeniedError):
            plan_record_result(actor=leader, item=item, passed=True, document_number="x1",
                               decided_on=TODAY)
        with pytest.raises(ValidationFailed):  # before the plan's period
            plan_record_result(actor=clerk, item=item, passed=True, document_number="x2",
                               decided_on=FROM - dt.timedelta(days=1))
        draft = _draw(reviewer)
        with pytest.raises(Conflict):
            plan_record_result(actor=clerk, item=draft.items.first(), passed=True,
                               document_number="x3", decided_on=TODAY)
        record = plan_record_result(actor=clerk, item=item, passed=True,
                                    document_number="x4", decided_on=TODAY)
    assert record.record_type.code == "inspection_good"


def test_measures_for(measures) -> None:
    measure = selectors.measures_for(category="property_service", grade="D")
    assert measure.sampling_ratio == Decimal("1") and measure.inspection_per_year >= 2
    assert "key_supervision" in measure.restrictions and "241号" in measure.legal_basis
    assert selectors.measures_for(category="property_service", grade="ZZZ") is None


def test_measures_for_subject_uses_current_grade(make_subjects, grade, measures) -> None:
    firm, new = make_subjects(2)
    grade({firm: "AAA"})
    assert selectors.measures_for_subject(subject=firm)[0] == "AAA"
    label, measure = selectors.measures_for_subject(subject=new)
    assert label == UNGRADED and measure.grade == UNGRADED


def test_measure_update_is_validated_and_audited(measures, admin_user, reviewer) -> None:
    measure = SupervisionMeasure.objects.get(category="developer", grade="E")
    with pytest.raises(PermissionDeniedError):
        measure_update(actor=reviewer, measure=measure, reason="r", sampling_ratio="0.9")
    for bad in ({"sampling_ratio": "1.5"}, {"sampling_ratio": "0.12345"},
                {"incentives": ["free_lunch"]}, {"inspection_per_year": -1},
                {"legal_basis": " "}):
        with pytest.raises(ValidationFailed):
            measure_update(actor=admin_user, measure=measure, reason="r", **bad)
    with pytest.raises(ValidationFailed):
        measure_update(actor=admin_user, measure=measure, reason=" ", sampling_ratio="0.9")
    measure_update(actor=admin_user, measure=measure, reason="市局通知", sampling_ratio="0.9",
                   restrictions=["key_supervision", "key_supervision"])
    measure.refresh_from_db()
    assert measure.sampling_ratio == Decimal("0.9") and measure.restrictions == ["key_supervision"]
    event = AuditEvent.objects.get(action="supervision.measure_update")
    assert event.after["reason"] == "市局通知" and event.before["sampling_ratio"] != "0.9000"


def test_a_rejected_result_can_be_entered_again(published, clerk, second_reviewer) -> None:
    from records.services import record_reject

    item = published.items.order_by("position").first()
    with clock.frozen_at(TODAY):
        first = plan_record_result(actor=clerk, item=item, passed=True, document_number="r-1",
                                   decided_on=TODAY)
        record_reject(actor=second_reviewer, record=first, comment="文书号有误")
        second = plan_record_result(actor=clerk, item=item, passed=True,
                                    document_number="r-2", decided_on=TODAY)
    item.refresh_from_db()
    assert item.result_record == second and second.state == RecordState.SUBMITTED


def test_as_of_picks_the_batch_in_force_then(make_subjects, grade, measures, pool,
                                             reviewer, monkeypatch) -> None:
    firms = make_subjects(10)
    old = grade(dict.fromkeys(firms, "D"), as_of=dt.date(2025, 1, 1))
    new = grade(dict.fromkeys(firms, "AAA"), as_of=dt.date(2025, 3, 1))
    assert _draw(reviewer).batch == new
    plan = _draw(reviewer, as_of=dt.date(2025, 2, 1))
    assert plan.batch == old and plan.as_of == dt.date(2025, 2, 1)
    assert plan.items.count() == 10  # all black-listed then
    with pytest.raises(ValidationFailed) as exc:
        _draw(reviewer, as_of=dt.date(2024, 12, 31))
    assert exc.value.code == "no_batch"
    # the batch in force on a day was pruned (scoring.retention): refused, not an older one
    from scoring import retention
    from scoring.retention import prune_old_batches

    monkeypatch.setattr(retention, "_minimum_history", [])   # no red-list look-back here
    middle = grade(dict.fromkeys(firms, "B"), as_of=dt.date(2025, 2, 1))
    newest = grade(dict.fromkeys(firms, "AAA"), as_of=dt.date(2025, 4, 1))
    assert prune_old_batches(keep_previous=1) == 1    # `middle`; `old` is named by the plan
    with pytest.raises(ValidationFailed) as exc:
        _draw(reviewer, as_of=dt.date(2025, 2, 15))
    assert exc.value.code == "batch_pruned" and middle.pk != plan.batch_id
    assert _draw(reviewer, as_of=dt.date(2025, 3, 15)).batch == new
    assert _draw(reviewer).batch == newest
