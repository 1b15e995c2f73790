"""The plain per-subject evaluator: a model spec + one subject's facts → score, grade, and why.

This is the readable statement of what a scoring model means. It is used to explain a grade
line by line (subject page, API, what-if) and as the oracle the set-based SQL engine is tested
against (`tests/test_engine_agrees.py`). It works on plain dataclasses, never on the ORM, so it
is the same function in a test, in a view and in a simulation.

Order of computation (the pattern local schemes share: score = base + bonus (capped) −
deductions, each item only inside its validity window, then the grade function):

1. base score; subject indicators (fixed basic information, years in business, qualification);
2. each effective record decided on or before the date and still in its publicity (a record
   whose publicity ended, or that was repaired or revoked, counts for nothing) is assigned to
   the *first* item that matches its type; it counts only inside that item's window
   intersected with its publicity, with that item's decay, times the model's weight for its
   kind of source (`[sources]`; weight 0: the record counts for nothing at all, as if absent);
3. item caps, then group caps (a cap clamps the sum to [-cap, +cap]);
4. overall floor and ceiling;
5. grade: a fixing veto (一票否决) first, in file order; else the no-records grade; else the
   first threshold reached (a threshold may also be reached by having no bad record:
   `or_no_bad_record`, "below 60 without a bad record stays B"); then the best floor lift.

Caps, floor and ceiling appear as their own contribution lines (the cut, with `cap_applied`)
rather than by scaling the capped lines, so every record line shows exactly what the rules gave
it and the lines always sum to the score to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Department
from scoring import dates
from scoring.language import BASIS, Indicator, Item, Match, Spec, Veto, Window

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SubjectFacts:
    id: int
    established_on: dt.date | None = None
    qualification: str = ""
    status: str = "active"


@dataclass(frozen=True)
class RecordFacts:
    id: int
    type_code: str
    type_group: str
    polarity: str
    severity: str
    default_points: Decimal
    state: str
    decided_on: dt.date
    publicity_ends_on: dt.date
    amount: Decimal | None = None
    level: str = ""
    source_kind: str = "government"  # its source department's kind (`Department.SourceKind`)


@dataclass(frozen=True)
class Contribution:
    """One line of an explanation. `kind`: base, indicator, record, cap, group_cap, bounds."""

    record_id: int | None
    rule_code: str
    rule_name: str
    raw_points: Decimal
    points: Decimal
    cap_applied: bool = False
    decay_factor: Decimal | None = None
    kind: str = "record"
    detail: str = ""
    source_weight: Decimal | None = None  # the model's weight for the record's kind of source


@dataclass(frozen=True)
class Result:
    score: Decimal
    grade: str
    veto: str
    contributions: tuple[Contribution, ...] = field(default=())
    has_bad_record: bool = False
    counted_records: int = 0

    @property
    def score_cents(self) -> int:
        return int(self.score * 100)


def to_points(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def clamp(value: int, low: int | None, high: int | None) -> int:
    if high is not None and value > high:
        return high
    if low is not None and value < low:
        return low
    return value


def cap_clamp(value: int, cap: int | None) -> int:
    """A cap limits the size of a sum either way: bonuses to +cap, deductions to −cap."""
    return value if cap is None else clamp(value, -cap, cap)


# --- single facts --------------------------------------------------------------------------------

def in_publicity(record: RecordFacts, as_of: dt.date) -> bool:
    """The record is decided and still publicly disclosed on `as_of` (its last day included).

    Only such a record can count for anything in a grade (plan 三(四); 发改委令第58号: a record
    whose publicity has ended, or that was repaired or revoked, is no longer used); the SQL
    engine applies the same filter (`Compiler.could_count`).
    """
    return record.state == "effective" and record.decided_on <= as_of <= record.publicity_ends_on


def window_contains(window: Window, record: RecordFacts, as_of: dt.date) -> bool:
    """The record is inside `window` on `as_of`: a month window intersected with publicity."""
    if not in_publicity(record, as_of):
        return False
    if window.is_publicity:
        return True
    return dates.in_months_window(decided_on=record.decided_on, months=window.months or 0,
                                  as_of=as_of)


def window_end(window: Window, record: RecordFacts) -> dt.date:
    if window.is_publicity:
        return record.publicity_ends_on
    return dates.add_months(record.decided_on, window.months or 0)


def raw_points(item: Item, record: RecordFacts) -> int:
    """Points for one record before decay, in cents."""
    p = item.points
    if p.kind == "fixed":
        return p.fixed
    if p.kind == "catalogue":
        return int(record.default_points * 100)
    if p.kind == "type":
        return dict(p.by_type).get(record.type_code, p.default)
    if p.kind == "level":
        return dict(p.levels).get(record.level, p.default)
    if record.amount is None:
        return p.default
    amount = int(record.amount * 100)
    points = p.default
    for low, pts in p.amounts:
        if amount >= low:
            points = pts
    return points


def decayed(item: Item, record: RecordFacts, raw: int, as_of: dt.date
            ) -> tuple[int, Decimal | None]:
    """(points, factor shown) after the item's decay; factor None when the item has none."""
    decay = item.decay
    if decay.linear:
        end = window_end(item.window, record)
        total = (end - record.decided_on).days
        if total <= 0:
            return raw, Decimal(1)
        remaining = (end - as_of).days
        return (dates.round_div(raw * remaining, total),
                (Decimal(remaining) / Decimal(total)).quantize(Decimal("0.0001")))
    if decay.steps:
        factor = BASIS
        for months, step_factor in decay.steps:
            if as_of > dates.add_months(record.decided_on, months):
                factor = step_factor
        return dates.round_div(raw * factor, BASIS), Decimal(factor) / BASIS
    return raw, None


def weighted(points: int, weight: int) -> int:
    """Points after the model's weight for the record's kind of source (`[sources]`), applied
    after decay and rounded to the cent like decay (the SQL engine computes the same)."""
    return points if weight == BASIS else dates.round_div(points * weight, BASIS)


def source_note(kind: str, weight: int) -> str:
    """Why a record line shows fewer points than its rule gives: the kind of its source."""
    try:
        label = str(Department.SourceKind(kind).label)
    except ValueError:
        label = kind
    if weight == 0:
        return _("not counted: from a source of kind %(source)s, which this model does not "
                 "count") % {"source": label}
    percent = (Decimal(weight) * 100 / BASIS).normalize()
    return _("counted at %(percent)s%% because it came from a source of kind %(source)s") % {
        "percent": f"{percent:f}", "source": label}


def indicator_points(indicator: Indicator, subject: SubjectFacts, as_of: dt.date) -> int:
    if indicator.kind == "fixed":
        return indicator.fixed
    if indicator.kind == "qualification":
        return dict(indicator.mapping).get(subject.qualification, indicator.default)
    if subject.established_on is None:
        return indicator.missing
    for years, pts in indicator.brackets:  # most years first
        if dates.add_years(subject.established_on, years) <= as_of:
            return pts
    return indicator.default


def record_matches(match: Match, record: RecordFacts) -> bool:
    return match.matches(code=record.type_code, group=record.type_group,
                         polarity=record.polarity, severity=record.severity)


def veto_applies(veto: Veto, subject: SubjectFacts, hits: int) -> bool:
    if veto.subject_status and subject.status not in veto.subject_status:
        return False
    return veto.match is None or hits >= veto.min_count


def is_bad_in_force(record: RecordFacts, as_of: dt.date) -> bool:
    """A bad record still disclosed ("has a bad record"): effective, decided, not expired."""
    return record.polarity == "bad" and record.decided_on <= as_of <= record.publicity_ends_on


def threshold_rank(spec: Spec, score: int, has_bad: bool) -> int:
    for rank, grade in enumerate(spec.grades):
        if grade.min is None or score >= grade.min or (grade.or_no_bad_record and not has_bad):
            return rank
    return len(spec.grades) - 1


# --- the evaluator -------------------------------------------------------------------------------

def evaluate_subject(
    *, spec: Spec, subject_facts: SubjectFacts, records: Iterable[RecordFacts], as_of: dt.date
) -> Result:
    """Score and grade one subject as of `as_of`, with every contribution that makes the score."""
    lines: list[Contribution] = []
    group_parts: dict[str, int] = {g.code: 0 for g in spec.groups}
    ungrouped = 0

    if spec.base:
        lines.append(Contribution(None, "base", spec.rule_name("base"), to_points(spec.base),
                                  to_points(spec.base), kind="base"))

    for indicator in spec.indicators:
        pts = indicator_points(indicator, subject_facts, as_of)
        if indicator.group:
            group_parts[indicator.group] += pts
        else:
            ungrouped += pts
        lines.append(Contribution(None, indicator.code, indicator.name, to_points(pts),
                                  to_points(pts), kind="indicator"))

    effective = sorted((r for r in records if in_publicity(r, as_of)),
                       key=lambda r: (r.decided_on, r.id))
    item_sums = {item.code: 0 for item in spec.items}
    item_lines: dict[str, list[Contribution]] = {item.code: [] for item in spec.items}
    veto_hits = {veto.code: 0 for veto in spec.vetoes}
    has_bad = False
    counted = 0
    for record in effective:
        counts = False
        weight = spec.source_weight(record.source_kind)
        item = next((i for i in spec.items if record_matches(i.match, record)), None)
        if weight == 0:
            # A source the model does not count: the record is left out entirely (no points,
            # no veto, not a bad record, not a record at all); shown so a reader sees why.
            if item is not None and window_contains(item.window, record, as_of):
                item_lines[item.code].append(Contribution(
                    record.id, item.code, item.name, to_points(raw_points(item, record)),
                    to_points(0), kind="record", source_weight=Decimal(0),
                    detail=source_note(record.source_kind, 0)))
            continue
        if item is not None and window_contains(item.window, record, as_of):
            raw = raw_points(item, record)
            pts, factor = decayed(item, record, raw, as_of)
            pts = weighted(pts, weight)
            item_sums[item.code] += pts
            item_lines[item.code].append(Contribution(
                record.id, item.code, item.name, to_points(raw), to_points(pts),
                decay_factor=factor, kind="record",
                source_weight=None if weight == BASIS else Decimal(weight) / BASIS,
                detail="" if weight == BASIS else source_note(record.source_kind, weight)))
            counts = True
        for veto in spec.vetoes:
            if veto.match is not None and record_matches(veto.match, record) \
                    and window_contains(veto.window, record, as_of):
                veto_hits[veto.code] += 1
                counts = True
        if is_bad_in_force(record, as_of):
            has_bad = True
            counts = True
        counted += counts

    for item in spec.items:
        total = item_sums[item.code]
        capped = cap_clamp(total, item.cap)
        lines.extend(item_lines[item.code])
        if item.group:
            group_parts[item.group] += capped
        else:
            ungrouped += capped
        if capped != total:
            lines.append(Contribution(
                None, item.code, item.name, to_points(total), to_points(capped - total),
                cap_applied=True, kind="cap",
                detail=_("cap %(cap)s") % {"cap": to_points(item.cap or 0)}))

    total = spec.base + ungrouped
    for group in spec.groups:
        value = group_parts[group.code]
        capped = cap_clamp(value, group.cap)
        total += capped
        if capped != value:
            lines.append(Contribution(
                None, group.code, group.name, to_points(value), to_points(capped - value),
                cap_applied=True, kind="group_cap",
                detail=_("cap %(cap)s") % {"cap": to_points(group.cap or 0)}))

    score = clamp(total, spec.floor, spec.ceiling)
    if score != total:
        lines.append(Contribution(None, "bounds", spec.rule_name("bounds"), to_points(total),
                                  to_points(score - total), cap_applied=True, kind="bounds"))

    grade, veto_code = grade_for(spec=spec, subject=subject_facts, score=score,
                                 has_bad=has_bad, counted=counted, veto_hits=veto_hits)
    return Result(score=to_points(score), grade=grade, veto=veto_code,
                  contributions=tuple(lines), has_bad_record=has_bad, counted_records=counted)


def grade_for(*, spec: Spec, subject: SubjectFacts, score: int, has_bad: bool, counted: int,
              veto_hits: dict[str, int]) -> tuple[str, str]:
    """The grade and the rule that fixed or lifted it (empty when the thresholds decided)."""
    for veto in spec.fixing_vetoes:
        if veto_applies(veto, subject, veto_hits[veto.code]):
            return veto.grade, veto.code
    if spec.no_records_grade and counted == 0:
        rank = spec.grade_rank(spec.no_records_grade)
    else:
        rank = threshold_rank(spec, score, has_bad)
    for lift in spec.lifts:
        if veto_applies(lift, subject, veto_hits[lift.code]) and spec.grade_rank(lift.floor) < rank:
            return lift.floor, lift.code
    return spec.grades[rank].name, ""
