"""The random draw of a 双随机、一公开 plan as a pure function of (input, seed).

Kept free of the ORM so that drawing and verifying are the same code over the same plain data:
`services.plan_draw` builds a `DrawInput` from the database and stores it on the plan,
`services.plan_verify` loads it back and calls `draw` again. Anyone holding the stored input and
seed can reproduce the plan with this module alone.

Algorithm `stratified-v2` (change the name if the steps ever change; stored on every plan;
`stratified-v1` plans are still verified by the same code, v1 being v2 without step 1b):

1. Strata are the grades, in the recorded `grade_order` (best grade first, from the measures'
   order; grades not listed follow in sorted order of their names). Within a grade, candidates
   are sorted by subject id (a stable key that does not depend on database row order).
1b. A key-supervision subject (重点监管对象, recorded in `key_supervision`) is drawn in the
   strictest stratum, whatever its grade: the stratum with the highest ratio (the worst grade
   among equals). 建市〔2017〕241号 第十一条: key-supervision objects get a higher sampling
   ratio and frequency; 国市监信发〔2022〕6号: the high-risk class is sampled most. Its own grade
   stays on its plan item.
2. One `random.Random(seed)` (CPython's Mersenne Twister) drives every choice, in that order.
3. A stratum with N candidates and ratio r draws round_half_up(N × r) subjects, but at least 1
   if N > 0 and r > 0, and at most N (`ROUNDING`, stated on the plan page and recorded with
   the draw): every class is sampled at its own ratio and none is exempt ("不免抽").
4. Then, for each drawn subject in draw order, `inspectors_per_subject` distinct inspectors are
   drawn from the pool minus those an avoidance rule forbids for that subject (sorted by id).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ALGORITHM = "stratified-v2"
ALGORITHMS = ("stratified-v1", "stratified-v2")
ROUNDING = "half_up_min1_maxN"


@dataclass(frozen=True)
class DrawInput:
    """Everything a draw depends on besides the seed, as plain data."""

    candidates: tuple[tuple[int, str], ...]  # (subject_id, grade), sorted by subject id
    ratios: dict[str, Decimal]  # grade -> sampling ratio
    inspectors: tuple[int, ...]  # active inspector ids, sorted
    forbidden: frozenset[tuple[int, int]] = field(default_factory=frozenset)  # (subject, insp.)
    inspectors_per_subject: int = 2
    grade_order: tuple[str, ...] = ()  # best first; only decides the order strata are drawn in
    key_supervision: frozenset[int] = field(default_factory=frozenset)  # drawn in the strictest
    algorithm: str = ALGORITHM

    def as_json(self) -> dict[str, Any]:
        """The canonical, JSON-storable form (also what the digests are computed over); a v1
        input keeps its v1 form, so its recorded digest still matches."""
        extra: dict[str, Any] = {}
        if self.algorithm != "stratified-v1":
            extra = {"key_supervision": sorted(self.key_supervision), "rounding": ROUNDING}
        return {
            **extra,
            "algorithm": self.algorithm,
            "candidates": [[s, g] for s, g in self.candidates],
            "ratios": {g: str(r) for g, r in sorted(self.ratios.items())},
            "inspectors": list(self.inspectors),
            "forbidden": sorted([s, i] for s, i in self.forbidden),
            "inspectors_per_subject": self.inspectors_per_subject,
            "grade_order": list(self.grade_order),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DrawInput:
        return cls(
            candidates=tuple((int(s), str(g)) for s, g in data["candidates"]),
            ratios={str(g): Decimal(r) for g, r in data["ratios"].items()},
            inspectors=tuple(int(i) for i in data["inspectors"]),
            forbidden=frozenset((int(s), int(i)) for s, i in data["forbidden"]),
            inspectors_per_subject=int(data["inspectors_per_subject"]),
            grade_order=tuple(str(g) for g in data.get("grade_order", [])),
            key_supervision=frozenset(int(s) for s in data.get("key_supervision", [])),
            algorithm=str(data.get("algorithm", "stratified-v1")),
        )

    @classmethod
    def build(
        cls, *, candidates: Iterable[tuple[int, str]], ratios: dict[str, Decimal],
        inspectors: Iterable[int], forbidden: Iterable[tuple[int, int]] = (),
        inspectors_per_subject: int = 2, grade_order: Iterable[str] = (),
        key_supervision: Iterable[int] = (),
    ) -> DrawInput:
        """Normalise order so equal inputs are equal values (and have equal digests)."""
        return cls(
            candidates=tuple(sorted((int(s), str(g)) for s, g in candidates)),
            ratios={str(g): Decimal(r) for g, r in ratios.items()},
            inspectors=tuple(sorted(set(int(i) for i in inspectors))),
            forbidden=frozenset((int(s), int(i)) for s, i in forbidden),
            inspectors_per_subject=inspectors_per_subject,
            grade_order=tuple(dict.fromkeys(str(g) for g in grade_order)),
            key_supervision=frozenset(int(s) for s in key_supervision),
        )


@dataclass(frozen=True)
class DrawnItem:
    subject_id: int
    grade: str  # the subject's own grade
    inspector_ids: tuple[int, ...]
    stratum: str = ""  # the stratum it was drawn in (its grade, or the strictest one)


@dataclass(frozen=True)
class StratumSummary:
    grade: str
    population: int
    ratio: Decimal
    drawn: int


class NotEnoughInspectors(Exception):
    """No admissible set of inspectors exists for this subject under the avoidance rules."""

    def __init__(self, subject_id: int, eligible: int, needed: int) -> None:
        super().__init__(f"subject {subject_id}: {eligible} eligible inspectors, {needed} needed")
        self.subject_id, self.eligible, self.needed = subject_id, eligible, needed


class MissingRatio(Exception):
    def __init__(self, grade: str) -> None:
        super().__init__(grade)
        self.grade = grade


def round_half_up(value: Decimal) -> int:
    """Commercial rounding (2.5 → 3), not Python's banker's rounding (round(2.5) == 2)."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def stratum_size(population: int, ratio: Decimal) -> int:
    """How many of a grade's `population` subjects are drawn at `ratio` (rule 3 above)."""
    if population <= 0 or ratio <= 0:
        return 0
    return min(population, max(1, round_half_up(Decimal(population) * ratio)))


def canonical_digest(data: Any) -> str:
    """SHA-256 over sorted-key, compact JSON: the same bytes on every machine and database."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def candidates_digest(draw_input: DrawInput) -> str:
    return canonical_digest([[s, g] for s, g in draw_input.candidates])


def strictest_stratum(draw_input: DrawInput) -> str | None:
    """The grade sampled at the highest ratio (among equal ratios, the last in grade order):
    where key-supervision subjects are drawn (rule 1b)."""
    order = list(draw_input.grade_order) + sorted(
        g for g in draw_input.ratios if g not in draw_input.grade_order)
    best: str | None = None
    for grade in order:
        ratio = draw_input.ratios.get(grade)
        if ratio is not None and (best is None or ratio >= draw_input.ratios[best]):
            best = grade
    return best


def strata(draw_input: DrawInput) -> dict[str, list[int]]:
    """Subject ids per stratum (ids ascending), grades in the recorded order, unknown ones after;
    key-supervision subjects in the strictest stratum (rule 1b)."""
    strictest = strictest_stratum(draw_input) if draw_input.key_supervision else None
    by_grade: dict[str, list[int]] = {}
    for subject_id, grade in sorted(draw_input.candidates):
        if strictest is not None and subject_id in draw_input.key_supervision:
            grade = strictest
        by_grade.setdefault(grade, []).append(subject_id)
    for members in by_grade.values():
        members.sort()
    order = [g for g in draw_input.grade_order if g in by_grade]
    order += sorted(g for g in by_grade if g not in order)
    return {g: by_grade[g] for g in order}


def summarise(draw_input: DrawInput) -> list[StratumSummary]:
    """Population, ratio and the number drawn per grade, without drawing."""
    out = []
    for grade, members in strata(draw_input).items():
        if grade not in draw_input.ratios:
            raise MissingRatio(grade)
        ratio = draw_input.ratios[grade]
        out.append(StratumSummary(grade, len(members), ratio, stratum_size(len(members), ratio)))
    return out


def draw(draw_input: DrawInput, seed: int) -> list[DrawnItem]:
    """Draw subjects stratified by grade, then inspectors per subject, from one seeded RNG.

    Raises `MissingRatio` for a grade without a ratio and `NotEnoughInspectors` for the first
    drawn subject the avoidance rules leave with too few inspectors.
    """
    rng = random.Random(seed)
    groups = strata(draw_input)
    own_grade = dict(draw_input.candidates)
    drawn: list[tuple[int, str]] = []
    for stratum in summarise(draw_input):
        members = groups[stratum.grade]
        drawn.extend((s, stratum.grade) for s in rng.sample(members, stratum.drawn))
    k = draw_input.inspectors_per_subject
    items = []
    for subject_id, stratum_name in drawn:
        eligible = [i for i in draw_input.inspectors
                    if (subject_id, i) not in draw_input.forbidden]
        if len(eligible) < k:
            raise NotEnoughInspectors(subject_id, len(eligible), k)
        items.append(DrawnItem(subject_id, own_grade[subject_id], tuple(rng.sample(eligible, k)),
                               stratum_name))
    return items
