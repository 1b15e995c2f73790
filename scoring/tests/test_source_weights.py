"""Weights by kind of source (`[sources]`): a rating agency's or an association's record counts
only as the published model says; both engines agree; the explanation says why.

Both engines are asserted on every subject: `evaluate_both` runs the plain evaluator and the
one-subject statement, `_all_rows` the statement over every subject (on PostgreSQL the
weights-table record pass), so the weights are checked on the three compiled paths.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Department
from scoring import engine
from scoring.language import (
    DEFAULT_SOURCE_WEIGHTS,
    LEGACY_SOURCE_WEIGHTS,
    SOURCE_KINDS,
    LanguageError,
    Spec,
    parse,
)
from scoring.models import ModelStatus
from scoring.selectors import explanation
from scoring.services import model_publish, model_upload_draft, what_if

from .helpers import evaluate_both

AS_OF = dt.date(2026, 6, 30)
DECIDED = dt.date(2026, 3, 1)
SHIPPED = Path(__file__).resolve().parents[1] / "models_shipped"

MODEL = """\
[model]
code = "rental-sources"
name = "住房租赁企业信用评价（来源权重）"
category = "rental"
effective_from = 2025-01-01

[score]
base = 80
{sources}
[[item]]
code = "third-party-rating"
name = "第三方信用评级"
types = ["third_party_rating_aaa"]
points = 5

[[item]]
code = "association"
name = "行业协会表彰"
type_groups = ["association"]
points = 3

[[item]]
code = "commendation"
name = "表彰奖励"
types = ["commendation_national"]
points = 1

[[item]]
code = "bad"
name = "不良信用信息"
polarity = "bad"
points = "catalogue"

[[veto]]
code = "severe"
name = "严重失信"
polarity = "bad"
severity = ["severe"]
grade = "D"

[[grade]]
name = "A"
min = 85

[[grade]]
name = "B"
min = 82
or_no_bad_record = true

[[grade]]
name = "C"

[grading]
no_records = "A"
"""


def model_text(sources: str = "") -> str:
    return MODEL.format(sources=f"\n[sources]\n{sources}\n" if sources else "")


@pytest.fixture
def agency(db) -> Department:
    return Department.objects.create(code="pj", name="某信用评级有限公司", kind="external",
                                     source_kind="rating_agency")


@pytest.fixture
def association(db) -> Department:
    return Department.objects.create(code="xh", name="某县房地产业协会", kind="external",
                                     source_kind="association")


def _all_rows(spec: Spec) -> dict[int, engine.Row]:
    return {r.subject_id: r for r in engine.compute_rows(specs=[spec], as_of=AS_OF)}


def _graded(spec: Spec, subject) -> tuple[Decimal, str, str]:
    """Score, grade and veto, after checking the evaluator, the one-subject statement and the
    statement over every subject agree."""
    result = evaluate_both(spec, subject, AS_OF)
    row = _all_rows(spec)[subject.pk]
    assert (row.score, row.grade, row.veto) == (result.score, result.grade, result.veto)
    return result.score, result.grade, result.veto


# --- the language --------------------------------------------------------------------------------

def test_by_default_only_government_records_count(record_types):
    spec = parse(model_text())
    assert spec.sources == DEFAULT_SOURCE_WEIGHTS
    assert [spec.source_weight(k) for k in SOURCE_KINDS] == [10_000, 0, 0]
    assert spec.source_weight("no-such-kind") == 0  # an unknown kind is not trusted either


def test_weights_are_stored_and_read_back(record_types):
    spec = parse(model_text("rating_agency = 0.5\nassociation = 0.3333"))
    assert spec.sources == (("government", 10_000), ("rating_agency", 5000),
                            ("association", 3333))
    stored = json.loads(json.dumps(spec.to_json()))
    assert stored["sources"] == {"government": 10_000, "rating_agency": 5000,
                                 "association": 3333}
    assert Spec.from_json(stored) == spec


def test_a_version_stored_before_weights_keeps_counting_every_source(record_types):
    """A published version never changes meaning: one stored without `sources` counted every
    record at its full points, and is read back so."""
    stored = parse(model_text()).to_json()
    del stored["sources"]
    assert Spec.from_json(stored).sources == LEGACY_SOURCE_WEIGHTS


@pytest.mark.parametrize(("sources", "message"), [
    ("rating = 0.5", "第11行 sources.rating：未知的来源类别 rating（可选：government, "
                     "rating_agency, association）"),
    ("association = -0.5", "第11行 sources.association：必须是非负数"),
    ("rating_agency = 1.5", "第11行 sources.rating_agency：权重必须在 0（不计分）到 1（按全额分值"
                            "计分）之间"),
    ("association = 0.12345", "第11行 sources.association：最多保留 4 位小数"),
    ('association = "half"', "第11行 sources.association：必须是数字"),
])
def test_wrong_weights_are_explained_in_chinese(record_types, sources, message):
    with translation.override("zh-hans"):
        with pytest.raises(LanguageError) as refused:
            parse(model_text(sources))
        assert [str(p) for p in refused.value.problems] == [message]


def test_every_shipped_model_states_its_choice_of_sources():
    for path in sorted(SHIPPED.glob("*.toml")):
        written = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(written.get("sources", {})) == set(SOURCE_KINDS), path.name
        assert parse(path.read_text(encoding="utf-8")).sources == DEFAULT_SOURCE_WEIGHTS


# --- grading: both engines -----------------------------------------------------------------------

def test_a_rating_agency_record_counts_only_as_the_model_says(
        record_types, make_subject, make_record, agency):
    subject = make_subject("rental")
    make_record(subject, "third_party_rating_aaa", decided_on=DECIDED,
                source_department=agency)
    # not named: the record is not used at all, so the subject still has no record ("A")
    assert _graded(parse(model_text()), subject) == (Decimal("80.00"), "A", "")
    assert _graded(parse(model_text("rating_agency = 0")), subject) == (
        Decimal("80.00"), "A", "")
    # at half weight it is a record worth 2.50: the thresholds decide (B, by no bad record)
    assert _graded(parse(model_text("rating_agency = 0.5")), subject) == (
        Decimal("82.50"), "B", "")
    assert _graded(parse(model_text("rating_agency = 1")), subject) == (
        Decimal("85.00"), "A", "")
    # the association's weight says nothing about a rating agency
    assert _graded(parse(model_text("association = 1")), subject) == (
        Decimal("80.00"), "A", "")


def test_the_same_type_from_a_government_department_counts_in_full(
        record_types, make_subject, make_record):
    subject = make_subject("rental")
    make_record(subject, "third_party_rating_aaa", decided_on=DECIDED)  # the lead department
    assert _graded(parse(model_text()), subject) == (Decimal("85.00"), "A", "")
    assert _graded(parse(model_text("government = 0.5\nrating_agency = 1")), subject) == (
        Decimal("82.50"), "B", "")


def test_weighted_points_round_to_the_cent_half_away_from_zero(
        record_types, make_subject, make_record, association):
    subject = make_subject("rental")
    for _n in range(3):
        make_record(subject, "association_commendation", decided_on=DECIDED,
                    source_department=association)
    make_record(subject, "penalty_warning", decided_on=DECIDED, source_department=association)
    # 3 × round(3.00 × 0.3333) = 3 × 1.00; the warning round(−3.00 × 0.3333) = −1.00
    assert _graded(parse(model_text("association = 0.3333")), subject) == (
        Decimal("82.00"), "B", "")
    # −3.00 × 0.5 = −1.50 exactly; 3 × 1.50
    assert _graded(parse(model_text("association = 0.5")), subject)[0] == Decimal("83.00")


def test_an_uncounted_source_cannot_veto_or_make_a_bad_record(
        record_types, make_subject, make_record, association):
    """A third party's record with weight 0 is not a fact of the grade at all: no veto, no
    "bad record in force", not "a record" for the no-records grade."""
    subject = make_subject("rental")
    make_record(subject, "fraud", decided_on=DECIDED, source_department=association)
    assert _graded(parse(model_text()), subject) == (Decimal("80.00"), "A", "")
    # counted (at any weight) it is a record like any other: the veto applies
    assert _graded(parse(model_text("association = 0.1")), subject) == (
        Decimal("78.00"), "D", "severe")


def test_one_statement_grades_two_versions_that_weigh_sources_differently(
        record_types, make_subject, make_record, agency, association):
    """A what-if grades the draft and the model in effect of one category in one scan; each
    must use its own weights (and its own "bad record" count)."""
    subjects = [make_subject("rental") for _n in range(3)]
    make_record(subjects[0], "third_party_rating_aaa", decided_on=DECIDED,
                source_department=agency)
    for subject in subjects[1:]:
        make_record(subject, "commendation_national", decided_on=DECIDED)  # 81: B, unless bad
    make_record(subjects[1], "penalty_warning", decided_on=DECIDED, source_department=association)
    before = parse(model_text())
    after = parse(model_text("rating_agency = 0.5\nassociation = 1"))
    rows = engine.compute_rows(specs=[after, before], as_of=AS_OF)
    got = {(r.subject_id, r.grade, r.score) for r in rows}
    assert got == {
        (subjects[0].pk, "A", Decimal("80.00")), (subjects[0].pk, "B", Decimal("82.50")),
        # the association's warning is a bad record for `after` only
        (subjects[1].pk, "B", Decimal("81.00")), (subjects[1].pk, "C", Decimal("78.00")),
        (subjects[2].pk, "B", Decimal("81.00")),
    }
    for spec in (before, after):
        for subject in subjects:
            _graded(spec, subject)


# --- publishing, explaining ----------------------------------------------------------------------

def test_new_weights_are_a_new_published_version_and_the_explanation_says_why(
        record_types, make_subject, make_record, association, reviewer, second_reviewer):
    subject = make_subject("rental")
    record = make_record(subject, "association_commendation", decided_on=DECIDED,
                         source_department=association)
    v1 = model_publish(actor=second_reviewer,
                       model=model_upload_draft(actor=reviewer, source=model_text()))
    engine.regrade(model=v1, as_of=AS_OF)
    with translation.override("zh-hans"):
        [line] = [x for x in explanation(subject=subject).lines if x.record_id == record.pk]
        assert (line.points, line.raw_points, line.source_weight) == (
            Decimal("0.00"), Decimal("3.00"), Decimal(0))
        assert line.detail == "不计分：该记录来源为行业协会，本模型不采用此类来源的信息"

    draft = model_upload_draft(actor=reviewer, source=model_text("association = 0.5"))
    assert (draft.version, draft.status) == (2, ModelStatus.DRAFT)
    simulated = what_if(draft=draft, as_of=AS_OF, actor=second_reviewer)
    assert (simulated.changed_count, simulated.matrix) == (1, {("A", "B"): 1})
    v2 = model_publish(actor=second_reviewer, model=draft)
    v1.refresh_from_db()
    assert v1.status == ModelStatus.RETIRED and engine.spec_of(v1).sources == \
        DEFAULT_SOURCE_WEIGHTS
    engine.regrade(model=v2, as_of=AS_OF)
    with translation.override("zh-hans"):
        explained = explanation(subject=subject)
        [line] = [x for x in explained.lines if x.record_id == record.pk]
        assert (line.points, line.source_weight) == (Decimal("1.50"), Decimal("0.5"))
        assert line.detail == "按50%计分：该记录来源为行业协会"
        assert explained.total == explained.evaluation.score == Decimal("81.50")
        page = render_to_string("scoring/_contributions.html",
                                {"lines": explained.lines, "total": explained.total})
    assert "按50%计分：该记录来源为行业协会" in page


def test_the_api_gives_each_record_line_its_source_weight(
        record_types, make_subject, make_record, association, agency, admin_user, reviewer,
        second_reviewer):
    from django.test import Client

    from accounts.api_tokens import token_issue
    from accounts.models import Scope

    subject = make_subject("rental")
    counted = make_record(subject, "association_commendation", decided_on=DECIDED,
                          source_department=association)
    ignored = make_record(subject, "third_party_rating_aaa", decided_on=DECIDED,
                          source_department=agency)
    model = model_publish(actor=second_reviewer, model=model_upload_draft(
        actor=reviewer, source=model_text("association = 0.5")))
    engine.regrade(model=model, as_of=AS_OF)
    _token, plaintext = token_issue(actor=admin_user, department=reviewer.department,
                                    name="test system", scopes=[Scope.SUBJECTS_READ])
    with translation.override("zh-hans"):
        response = Client().get(f"/api/v1/subjects/{subject.code}/evaluation",
                                headers={"Authorization": f"Bearer {plaintext}",
                                         "Accept-Language": "zh-hans"})
    assert response.status_code == 200, response.content
    lines = {line["record_id"]: line for line in response.json()["contributions"]}
    assert (lines[counted.pk]["points"], lines[counted.pk]["source_weight"]) == ("1.50", "0.5")
    assert lines[counted.pk]["detail"] == "按50%计分：该记录来源为行业协会"
    assert (lines[ignored.pk]["points"], lines[ignored.pk]["source_weight"]) == ("0.00", "0")
    assert lines[ignored.pk]["detail"].startswith("不计分：该记录来源为信用评级机构")
    assert response.json()["score"] == "81.50"
