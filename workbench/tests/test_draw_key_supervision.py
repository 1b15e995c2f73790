"""Key-supervision subjects are always drawn in the strictest stratum; each stratum draws its
ratio with the stated rounding rule, recorded with the draw; v1 plans still verify."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common import clock
from lists.models import KeyRule, KeySupervisionEntry
from supervision.draw import (
    ROUNDING,
    DrawInput,
    canonical_digest,
    draw,
    strata,
    strictest_stratum,
    summarise,
)
from supervision.services import plan_draw, plan_verify

RATIOS = {"AAA": Decimal("0.03"), "AA": Decimal("0.05"), "A": Decimal("0.1"),
          "C": Decimal("0.6"), "D": Decimal("1")}
ORDER = ("AAA", "AA", "A", "C", "D")


def _input(key=()) -> DrawInput:
    candidates = [(n, "AA") for n in range(1, 41)] + [(n, "A") for n in range(41, 51)] \
        + [(51, "D"), (52, "C")]
    return DrawInput.build(candidates=candidates, ratios=RATIOS, inspectors=range(100, 106),
                           grade_order=ORDER, key_supervision=key)


def test_strictest_stratum_is_the_highest_ratio():
    assert strictest_stratum(_input()) == "D"
    tied = DrawInput.build(candidates=[(1, "A")], ratios={"A": Decimal(1), "B": Decimal(1)},
                           inspectors=[1, 2], grade_order=("A", "B"))
    assert strictest_stratum(tied) == "B"   # among equal ratios, the worse grade


@pytest.mark.parametrize("seed", [1, 2, 3, 20250301])
def test_key_supervision_subject_always_drawn_in_the_strictest_stratum(seed):
    plain = {d.subject_id for d in draw(_input(), seed)}
    keyed = _input(key=[7])                      # an AA subject under key supervision
    assert strata(keyed)["D"] == [7, 51] and 7 not in strata(keyed)["AA"]
    items = {d.subject_id: d for d in draw(keyed, seed)}
    assert 7 in items and items[7].stratum == "D" and items[7].grade == "AA"
    assert len(items) == len(plain) + 1          # AA 39 × 5 % still 2; D now 2 of 2
    summary = {s.grade: (s.population, s.drawn) for s in summarise(keyed)}
    assert summary["D"] == (2, 2) and summary["AA"] == (39, 2)


def test_each_stratum_follows_its_ratio_rounded_half_up_at_least_one():
    rows = {s.grade: (s.population, s.ratio, s.drawn) for s in summarise(_input())}
    assert rows["AA"] == (40, Decimal("0.05"), 2)        # 40 × 5 % = 2
    assert rows["A"] == (10, Decimal("0.1"), 1)          # 10 × 10 % = 1
    assert rows["C"] == (1, Decimal("0.6"), 1)           # 0.6 → 1
    half = DrawInput.build(candidates=[(n, "A") for n in range(1, 26)],
                           ratios={"A": Decimal("0.1")}, inspectors=[1, 2])
    assert summarise(half)[0].drawn == 3                 # 2.5 → 3 (half up, not banker's 2)
    few = DrawInput.build(candidates=[(1, "A"), (2, "A")], ratios={"A": Decimal("0.03")},
                          inspectors=[1, 2])
    assert summarise(few)[0].drawn == 1                  # 0.06 → at least 1 ("不免抽")


def test_rounding_and_key_subjects_are_recorded_with_the_draw_and_v1_stays_verifiable():
    stored = _input(key=[7]).as_json()
    assert stored["algorithm"] == "stratified-v2" and stored["rounding"] == ROUNDING
    assert stored["key_supervision"] == [7]
    assert DrawInput.from_json(stored).as_json() == stored
    v1 = {k: v for k, v in _input().as_json().items() if k not in ("key_supervision",
                                                                   "rounding")}
    v1["algorithm"] = "stratified-v1"
    again = DrawInput.from_json(v1)
    assert again.as_json() == v1 and canonical_digest(again.as_json()) == canonical_digest(v1)


@pytest.mark.django_db
def test_scenario_key_supervision_subject_drawn_in_the_strictest_stratum(
        make_subjects, grade, measures, pool, reviewer):
    """A property company graded AA (sampled at 5 %) enters key supervision; every plan drawn
    afterwards, whatever the seed, inspects it in the D stratum (100 %), and the plan
    verifies from its recorded seed."""
    subjects = make_subjects(60)
    grade({s: "AA" for s in subjects[:40]} | {s: "A" for s in subjects[40:59]}
          | {subjects[59]: "D"})
    target = subjects[3]
    day = dt.date(2026, 3, 2)
    seeds_without = []
    for seed in range(1, 6):
        with clock.frozen_at(day):
            plan = plan_draw(actor=reviewer, category="property_service", date_from=day,
                             date_to=day + dt.timedelta(days=30), seed=seed)
        seeds_without.append(plan.items.filter(subject=target).exists())
    assert not all(seeds_without)                # at 5 % it is not always drawn
    KeySupervisionEntry.objects.create(subject=target, rule=KeyRule.SEVERE_RECORD,
                                       reason="严重失信记录", entered_on=day)
    for seed in range(1, 6):
        with clock.frozen_at(day):
            plan = plan_draw(actor=reviewer, category="property_service", date_from=day,
                             date_to=day + dt.timedelta(days=30), seed=seed)
        item = plan.items.get(subject=target)
        assert item.grade == "AA"                # its own grade stays on the item
        assert plan.draw_input["key_supervision"] == [target.pk]
        assert plan.draw_input["rounding"] == ROUNDING
        summary = {row["grade"]: row for row in plan.summary}
        assert summary["D"]["population"] == 2 and summary["D"]["drawn"] == 2
        assert summary["AA"]["population"] == 39
        assert plan_verify(plan=plan).ok
