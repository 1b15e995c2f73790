"""The derivation from facts to measures, as a table over the shipped rule set (no database
reads besides loading the rule book once)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from approvals.measures import Facts, GradeFacts
from approvals.selectors import current_rule_set, rule_book
from supervision.services import FIXTURE

# grade → measures comes from the supervision table (its shipped rows for property service)
TABLE = {f["grade"]: tuple(f["incentives"]) + tuple(f["restrictions"])
         for f in (e["fields"] for e in json.loads(FIXTURE.read_text(encoding="utf-8")))
         if f["category"] == "property_service"}

AS_OF = dt.date(2026, 3, 2)
FILING = {"code": "property_service_filing", "kind": "filing", "allows_commitment": True}
HONOUR = {"code": "property_model_project", "kind": "honour", "allows_commitment": False}
NAMES = ("AAA", "AA", "A", "B", "C")


def grade(name: str) -> GradeFacts:
    rank = NAMES.index(name) if name in NAMES else None
    return GradeFacts(grade=name, score="80.00", rank=rank,
                      lowest=rank is None or rank == len(NAMES) - 1, grade_names=NAMES,
                      batch_id=1, batch_as_of=AS_OF, evaluated_as_of=AS_OF,
                      model_label="property-composite:1", model_name="物业")


BASE = Facts(as_of=AS_OF, category="property_service", known_since=dt.date(2015, 1, 1),
             grade=None, lists=(), bad_records=())


def record(severity: str, *, decided: dt.date, ends: dt.date, code: str = "x") -> dict:
    return {"type_code": code, "type": "某失信行为", "severity": severity,
            "document_number": "罚〔2025〕1号", "decided_on": decided, "publicity_ends_on": ends,
            "department": "某股"}


def membership(kind: str) -> dict:
    return {"kind": kind, "label": kind, "reference": "", "since": None, "until": None,
            "summary": f"{kind}-summary"}


@pytest.fixture
def book(catalogue):
    return rule_book(rule_set=current_rule_set(as_of=AS_OF))


def derive(*, facts: Facts, **kw):
    """The derivation with the facts' grade measures read from the supervision table."""
    from approvals.measures import derive as _derive

    measures = TABLE.get(facts.grade.grade, ()) if facts.grade else ()
    return _derive(facts=dataclasses.replace(facts, grade_measures=measures), **kw)


def applied(result) -> set[str]:
    return {m["code"] for m in result.measures}


def refused(result) -> set[str]:
    return {m["code"] for m in result.refused}


@pytest.mark.parametrize(("facts", "matter", "incentive", "restriction", "allowed"), [
    # top grade (AAA, AA) → green channel and 容缺
    (dataclasses.replace(BASE, grade=grade("AAA")), FILING,
     {"green_channel", "accept_with_missing_materials"}, set(), True),
    # grade A but known three years without bad record → 容缺 via 国发〔2016〕33号
    (dataclasses.replace(BASE, grade=grade("A")), FILING,
     {"green_channel", "accept_with_missing_materials"}, set(), True),
    # young company, ungraded → ordinary procedure
    (dataclasses.replace(BASE, known_since=dt.date(2025, 1, 1)), FILING, set(), set(), False),
    # red list, however young
    (dataclasses.replace(BASE, known_since=dt.date(2025, 1, 1), lists=(membership("red"),)),
     FILING, {"green_channel", "accept_with_missing_materials", "priority_handling"}, set(),
     True),
    # black list beats the top grade
    (dataclasses.replace(BASE, grade=grade("AA"), lists=(membership("black"),)), FILING, set(),
     {"strict_review", "no_accept_with_missing", "more_inspections"}, False),
    # key supervision
    (dataclasses.replace(BASE, lists=(membership("key"),)), FILING, set(),
     {"strict_review", "no_accept_with_missing"}, False),
    # lowest grade (and a veto grade counts as lowest)
    (dataclasses.replace(BASE, grade=grade("C"), known_since=dt.date(2025, 1, 1)), FILING,
     set(), {"strict_review", "no_accept_with_missing"}, False),
    (dataclasses.replace(BASE, grade=grade("D"), known_since=dt.date(2025, 1, 1)),
     FILING, set(), {"strict_review", "no_accept_with_missing"}, False),
    # a general bad record decided in the window: no 容缺 by the clean rule, but no restriction
    (dataclasses.replace(BASE, grade=grade("A"), bad_records=(
        record("general", decided=dt.date(2025, 6, 1), ends=dt.date(2026, 6, 1)),)),
     FILING, set(), set(), False),
    # a serious record whose publicity ended no longer restricts (241号 第十三条)
    (dataclasses.replace(BASE, grade=grade("AA"), bad_records=(
        record("serious", decided=dt.date(2023, 1, 1), ends=dt.date(2025, 1, 1)),)),
     FILING, {"green_channel", "accept_with_missing_materials"}, set(), True),
    # honours: the evaluation bonus applies, 容缺 is not for this kind of matter
    (dataclasses.replace(BASE, grade=grade("AAA")), HONOUR, {"evaluation_bonus"}, set(),
     False),
])
def test_derivation_table(book, facts, matter, incentive, restriction, allowed):
    result = derive(facts=facts, book=book, matter=matter)
    assert incentive <= applied(result)
    assert restriction <= applied(result)
    if not restriction:
        assert not {m["code"] for m in result.measures if m["kind"] == "restriction"}
    assert result.accept_with_missing["allowed"] is allowed
    assert result.accept_with_missing["reason"]


def test_every_measure_says_which_rule_and_why(book):
    facts = dataclasses.replace(BASE, grade=grade("AA"), lists=(membership("black"),))
    result = derive(facts=facts, book=book, matter=FILING)
    for m in result.measures:
        assert m["legal_basis"] and m["reasons"]
        assert all(r["rule"] and r["why"] and r["basis"] for r in m["reasons"])
    assert refused(result) >= {"green_channel", "accept_with_missing_materials",
                               "priority_handling", "fewer_inspections"}
    accept = next(m for m in result.refused if m["code"] == "accept_with_missing_materials")
    assert accept["refused_by"][0]["why"] == "black-summary"
    assert "black-summary" in result.accept_with_missing["reason"]


def test_restriction_order_first(book):
    facts = dataclasses.replace(BASE, grade=grade("C"), known_since=dt.date(2025, 1, 1))
    kinds = [m["kind"] for m in derive(facts=facts, book=book, matter=HONOUR).measures]
    assert kinds == sorted(kinds, key=lambda k: k != "restriction")
    assert "no_honours_subsidies" in applied(derive(facts=facts, book=book, matter=HONOUR))
