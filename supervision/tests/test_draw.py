"""The pure draw: stratum sizes, determinism, and the avoidance rules under random pools."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision.draw import (
    DrawInput,
    MissingRatio,
    NotEnoughInspectors,
    canonical_digest,
    draw,
    round_half_up,
    stratum_size,
)


@pytest.mark.parametrize(
    ("population", "ratio", "expected"),
    [
        (10, "0.05", 1),  # 0.5 rounds half up to 1 (Python's round() would give 0)
        (30, "0.05", 2),  # 1.5 → 2
        (50, "0.05", 3),  # 2.5 → 3 (banker's rounding would give 2)
        (3, "0.10", 1),  # 0.3 → 0, but a non-empty grade with ratio > 0 gets at least 1
        (0, "0.50", 0),
        (5, "0", 0),
        (4, "1", 4),
        (7, "0.6", 4),  # 4.2
    ],
)
def test_stratum_size(population: int, ratio: str, expected: int) -> None:
    assert stratum_size(population, Decimal(ratio)) == expected


def test_round_half_up() -> None:
    assert [round_half_up(Decimal(x)) for x in ("0.5", "1.5", "2.5", "2.4999")] == [1, 2, 3, 2]


def _input(**overrides: object) -> DrawInput:
    args: dict = {
        "candidates": [(i, "A" if i % 3 else "C") for i in range(1, 61)],
        "ratios": {"A": Decimal("0.1"), "C": Decimal("0.5")},
        "inspectors": range(100, 110),
        "inspectors_per_subject": 2,
    }
    args.update(overrides)
    return DrawInput.build(**args)


def test_counts_per_grade() -> None:
    items = draw(_input(), seed=7)
    grades = [i.grade for i in items]
    assert grades.count("A") == 4 and grades.count("C") == 10  # 40×0.1, 20×0.5
    assert all(len(set(i.inspector_ids)) == 2 for i in items)


def test_same_seed_same_plan_and_order_of_input_is_irrelevant() -> None:
    a = draw(_input(), seed=42)
    shuffled = _input(candidates=list(reversed(_input().candidates)),
                      inspectors=[109, 100, 105, 101, 102, 103, 104, 106, 107, 108])
    assert draw(shuffled, seed=42) == a
    assert canonical_digest(shuffled.as_json()) == canonical_digest(_input().as_json())


def test_different_seed_different_plan() -> None:
    assert draw(_input(), seed=1) != draw(_input(), seed=2)


def test_json_round_trip() -> None:
    di = _input(forbidden={(1, 100), (2, 101)})
    assert DrawInput.from_json(di.as_json()) == di


def test_missing_ratio_names_the_grade() -> None:
    with pytest.raises(MissingRatio) as exc:
        draw(_input(ratios={"A": Decimal("0.1")}), seed=1)
    assert exc.value.grade == "C"


@st.composite
def pools(draw_: st.DrawFn) -> tuple[DrawInput, int]:
    subjects = draw_(st.integers(min_value=1, max_value=25))
    inspectors = draw_(st.integers(min_value=0, max_value=8))
    grades = ["A", "B", "C"]
    candidates = [(s, draw_(st.sampled_from(grades))) for s in range(1, subjects + 1)]
    insp_ids = list(range(1000, 1000 + inspectors))
    forbidden = draw_(st.sets(st.tuples(st.integers(1, subjects), st.sampled_from(insp_ids)),
                              max_size=40)) if insp_ids else set()
    ratios = {g: Decimal(draw_(st.sampled_from(["0", "0.05", "0.2", "0.5", "1"])))
              for g in grades}
    k = draw_(st.integers(min_value=1, max_value=3))
    seed = draw_(st.integers(min_value=0, max_value=2**63 - 1))
    return DrawInput.build(candidates=candidates, ratios=ratios, inspectors=insp_ids,
                           forbidden=forbidden, inspectors_per_subject=k), seed


@settings(max_examples=300, deadline=None)
@given(pools())
def test_avoidance_rules_are_never_violated(case: tuple[DrawInput, int]) -> None:
    di, seed = case
    try:
        items = draw(di, seed)
    except NotEnoughInspectors as exc:
        eligible = [i for i in di.inspectors if (exc.subject_id, i) not in di.forbidden]
        assert len(eligible) < di.inspectors_per_subject == exc.needed
        assert exc.eligible == len(eligible)
        return
    for item in items:
        assert len(item.inspector_ids) == di.inspectors_per_subject
        assert len(set(item.inspector_ids)) == di.inspectors_per_subject
        assert set(item.inspector_ids) <= set(di.inspectors)
        assert not any((item.subject_id, i) in di.forbidden for i in item.inspector_ids)
    assert len({i.subject_id for i in items}) == len(items)
    assert draw(di, seed) == items  # and it is reproducible


def test_grade_order_decides_the_order_of_strata() -> None:
    ordered = _input(grade_order=["C", "A"])
    items = draw(ordered, seed=3)
    assert [i.grade for i in items] == ["C"] * 10 + ["A"] * 4
    assert draw(DrawInput.from_json(ordered.as_json()), seed=3) == items
