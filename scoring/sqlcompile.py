"""Compile scoring-model specs into one set-based SQL statement (SQLite and PostgreSQL).

DESIGN.md "Storage and scale": re-grading every subject is one query, not a Python loop. The
statement is a chain of CTEs that reads the record table once for every model in the run:

    rec      effective records decided by the date (one scan of records_creditrecord)
    asg      per record and model: the first item whose types match
    raw      per record and model: points before decay, and whether the item's window holds
    pts      per record and model: points after step or linear decay (integer cents)
    agg      GROUP BY subject: per-item sums, veto hit counts, bad-record count, counted records
    pN_s     model N's subjects (its category) LEFT JOIN agg, plus subject indicators
    pN_c     item caps                  pN_g   group sums      pN_t   group caps, base
    pN_b     floor / ceiling            pN_r   fixing veto, threshold rank
    pN_f     floor lifts, grade name, veto code
    final    UNION ALL of every model's pN_f

Everything the spec and the catalogue decide is resolved here, in Python, to constants: record
types become id lists, month windows become cut-off dates (`scoring.dates`), points become
integer cents, weights by kind of source (`[sources]`) become department id lists (a source no
model counts is filtered out of the scan) or, for partial weights, per-department constants.
The database then only compares stored values with constants and adds integers, which both
databases do identically, so the result equals the plain evaluator's to the cent
(checked by `tests/test_engine_agrees.py`). Dates and text are emitted as literals (codes are
validated by the language and quoted here), so the statement has no parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from accounts.models import Department
from records.models import CreditRecord, RecordType
from scoring import dates
from scoring.language import BASIS, Indicator, Item, Match, Spec, Veto, Window
from subjects.models import Subject


@dataclass(frozen=True)
class TypeInfo:
    id: int
    code: str
    group: str
    polarity: str
    severity: str
    default_points: Decimal

    def matches(self, match: Match) -> bool:
        return match.matches(code=self.code, group=self.group, polarity=self.polarity,
                             severity=self.severity)


def load_catalogue() -> dict[int, TypeInfo]:
    """The record catalogue as plain data (some 40 rows), read once per run."""
    return {
        row["id"]: TypeInfo(id=row["id"], code=row["code"], group=row["group"],
                            polarity=row["polarity"], severity=row["severity"],
                            default_points=row["default_points"])
        for row in RecordType.objects.values("id", "code", "group", "polarity", "severity",
                                             "default_points")
    }


def load_sources() -> dict[int, str]:
    """Every department's kind of source (a few dozen rows), read once per run: the model's
    `[sources]` weights become constants per department id, like types become id lists."""
    return dict(Department.objects.values_list("id", "source_kind"))


# --- vendor differences, kept to these few helpers -----------------------------------------------

class Dialect:
    vendor = "sqlite"

    @staticmethod
    def text(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def date(self, day: dt.date) -> str:
        return f"'{day.isoformat()}'"

    def days_between(self, start: str, end: str) -> str:
        """Whole days from `start` to `end` (both date expressions)."""
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"

    def add_months(self, column: str, months: int) -> str:
        """`column` + months, clipped to the month's end like `dates.add_months`."""
        return (f"min(date({column}, '+{months} months'), "
                f"date({column}, 'start of month', '+{months + 1} months', '-1 day'))")

    def least(self, *args: str) -> str:
        return f"min({', '.join(args)})"

    def greatest(self, *args: str) -> str:
        return f"max({', '.join(args)})"

    def bigint(self, expr: str) -> str:
        return expr

    def integer(self, expr: str) -> str:
        return expr

    def cents_to_score(self, expr: str) -> str:
        return f"({expr}) / 100.0"

    # A subquery the planner must not merge into its consumer: each computed column is then
    # evaluated once per row instead of once per reference (neither database shares common
    # sub-expressions). SQLite does not flatten a subquery with a LIMIT into an aggregate.
    fence = " LIMIT -1"
    # Keep an index off a predicate (SQLite's unary "+"): a full scan in table order beats
    # millions of index-ordered row look-ups when most rows qualify anyway.
    no_index = "+"
    # Join keyword that fixes the loop order (SQLite: left table outermost).
    ordered_join = "CROSS JOIN"
    not_materialized = " NOT MATERIALIZED"
    # Per-(category, type) rule constants from a joined VALUES table instead of CASE chains
    # evaluated per record (`Compiler.weights_cte`). Measured (`docs/performance.md`): on
    # PostgreSQL it is what lets the record pass run in parallel without fences; SQLite keeps
    # the CASE chains, whose fenced plan it already runs within 2× of its bare aggregation.
    weights_join = False
    # Fence between the subject pass's steps (none on SQLite, which evaluates them once).
    subject_fence = ""

    def null(self, sql_type: str) -> str:
        return "NULL"


class PostgresDialect(Dialect):
    vendor = "postgresql"

    def date(self, day: dt.date) -> str:
        return f"DATE '{day.isoformat()}'"

    def days_between(self, start: str, end: str) -> str:
        return f"({end} - {start})"

    def add_months(self, column: str, months: int) -> str:
        return f"CAST({column} + INTERVAL '{months} months' AS DATE)"

    def least(self, *args: str) -> str:
        return f"LEAST({', '.join(args)})"

    def greatest(self, *args: str) -> str:
        return f"GREATEST({', '.join(args)})"

    def bigint(self, expr: str) -> str:
        return f"CAST({expr} AS BIGINT)"

    def integer(self, expr: str) -> str:
        return f"CAST({expr} AS INTEGER)"

    def cents_to_score(self, expr: str) -> str:
        # an exact product with two decimals; a numeric division (the same value) cost about a
        # third more per row where a million rows are converted (`docs/performance.md`)
        return f"({expr}) * 0.01"

    fence = " OFFSET 0"  # PostgreSQL's optimisation fence for a subquery
    no_index = ""
    weights_join = True
    # PostgreSQL inlines each step of the subject pass into the next, so a score referenced
    # by every grade threshold was recomputed per reference; fenced, each step runs once.
    subject_fence = " OFFSET 0"

    def null(self, sql_type: str) -> str:
        return f"CAST(NULL AS {sql_type})"
    ordered_join = "CROSS JOIN"
    not_materialized = " NOT MATERIALIZED"


def dialect_for(vendor: str) -> Dialect:
    if vendor == "postgresql":
        return PostgresDialect()
    if vendor == "sqlite":
        return Dialect()
    raise NotImplementedError(f"scoring engine: unsupported database {vendor}")


# --- compilation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """One model run in the statement: its spec, its category and the batch rows go to."""

    spec: Spec
    batch_id: int = 0


def _in(column: str, ids: Iterable[int]) -> str:
    ids = sorted(set(ids))
    if not ids:
        return "0 = 1"
    return f"{column} IN ({', '.join(str(i) for i in ids)})"


def _round_div(num: str, den: str) -> str:
    """`dates.round_div` in SQL: integer division rounded half away from zero."""
    return (f"(CASE WHEN {num} >= 0 THEN (2 * ({num}) + {den}) / (2 * ({den})) "
            f"ELSE -((2 * (-({num})) + {den}) / (2 * ({den}))) END)")


class Compiler:
    def __init__(self, *, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
                 dialect: Dialect, subject_id: int | None = None,
                 subject_ids: Iterable[int] | None = None,
                 sources: dict[int, str] | None = None,
                 records_to_leader: bool = True) -> None:
        self.plans = plans
        # PostgreSQL, every subject: the record pass's per-record terms are computed by the
        # parallel workers and summed per subject by one process (`record_ctes_weighted`);
        # False: the workers sum partially and the leader merges (the plan before).
        self.records_to_leader = records_to_leader
        self._sources = sources
        self.catalogue = catalogue
        self.as_of = as_of
        self.d = dialect
        # One subject, or a set of them (the nightly re-grade): index look-ups, CASE chains.
        if subject_ids is not None:
            self.subject_ids: list[int] | None = sorted({int(i) for i in subject_ids})
        else:
            self.subject_ids = None if subject_id is None else [int(subject_id)]
        self.today = dialect.date(as_of)
        self.agg_source = "agg"  # the per-subject sums: the CTE, or a table built first
        # or: a table built first holding each subject's columns joined with its sums
        self.subject_source: str | None = None

    def subjects_condition(self, column: str) -> str:
        """The predicate restricting `column` to the subjects of a partial run."""
        ids = self.subject_ids or []
        return f"{column} = {ids[0]}" if len(ids) == 1 else _in(column, ids)

    # -- weights by kind of source (`[sources]`) --
    @cached_property
    def sources(self) -> dict[int, str]:
        """Department id → kind of source; not read when every plan counts every kind in full
        (a version stored before `[sources]`), as nothing then depends on it."""
        if self._sources is not None:
            return self._sources
        if all(w == BASIS for plan in self.plans for _kind, w in plan.spec.sources):
            return {}
        return load_sources()

    def department_weights(self, spec: Spec) -> dict[int, int]:
        """Department id → weight (basis points) of the departments whose records `spec` does
        not count at their full points (`Spec.source_weight` of the department's kind)."""
        return {dept: w for dept, kind in self.sources.items()
                if (w := spec.source_weight(kind)) != BASIS}

    @cached_property
    def dropped_departments(self) -> set[int]:
        """Departments whose records no model of the run counts (weight 0 in every plan):
        left out of the scan, so the usual case (third parties not counted) costs one
        predicate and no per-record work."""
        zero = [{d for d, w in self.department_weights(p.spec).items() if w == 0}
                for p in self.plans]
        return set.intersection(*zero) if zero else set()

    @cached_property
    def weighted(self) -> bool:
        """Some record counts at part of its points, or for one plan and not another: the
        record pass then carries a weight per lane (`sw{n}`) and a bad-record count per lane."""
        return any(d not in self.dropped_departments
                   for p in self.plans for d in self.department_weights(p.spec))

    def source_weight_expr(self, spec: Spec) -> str:
        """The record's weight under `spec` from its source department (`src`)."""
        whens = " ".join(f"WHEN {d} THEN {w}" for d, w in sorted(
            self.department_weights(spec).items()) if d not in self.dropped_departments)
        return f"CASE src {whens} ELSE {BASIS} END" if whens else str(BASIS)

    def source_columns(self, lanes: list[list[int]]) -> list[str]:
        """`sw{n}`: the record's weight in lane n (none when every weight is 0 or 1)."""
        if not self.weighted:
            return []
        return [f"{self.by_category(lane, self.source_weight_expr, str(BASIS))} AS sw{n}"
                for n, lane in enumerate(lanes, start=1)]

    def if_source_counts(self, n: int, expr: str) -> str:
        """`expr` (a 0/1 or count) for a record whose source lane n counts, else 0."""
        return f"CASE WHEN sw{n} = 0 THEN 0 ELSE {expr} END" if self.weighted else expr

    def weighted_points(self, n: int) -> str:
        """The record's points in lane n after its source's weight (after decay, rounded to
        the cent half away from zero, as `evaluator.weighted`)."""
        # y is an INTEGER (see the record pass): widen it before multiplying by the weight
        return (_round_div(f"{self.d.bigint(f'y{n}')} * sw{n}", str(BASIS)) if self.weighted
                else f"y{n}")

    def src_column(self) -> str:
        return ", r.source_department_id AS src" if self.weighted else ""

    def bad_column(self, lane: int) -> str:
        """The aggregate counting a subject's bad records in force, as lane `lane` counts
        them: one for all lanes unless a source counts in one lane and not another."""
        return f"l{lane}b" if self.weighted else "bad"

    def type_ids(self, match: Match) -> list[int]:
        return [t.id for t in self.catalogue.values() if t.matches(match)]

    def window_condition(self, window: Window) -> str:
        """The record is still inside `window` as of the date (decided_on <= date is given)."""
        if window.is_publicity:
            return f"pe >= {self.today}"
        cut = dates.earliest_decision_in_window(as_of=self.as_of, months=window.months or 0)
        return f"d >= {self.d.date(cut)}"

    def raw_points(self, item: Item) -> str:
        p = item.points
        if p.kind == "fixed":
            return str(p.fixed)
        if p.kind == "catalogue":
            whens = " ".join(f"WHEN {t.id} THEN {int(t.default_points * 100)}"
                             for t in self.catalogue.values() if t.matches(item.match))
            return f"CASE t {whens} ELSE 0 END" if whens else "0"
        if p.kind == "type":
            table = dict(p.by_type)
            whens = " ".join(f"WHEN {t.id} THEN {table[t.code]}"
                             for t in self.catalogue.values() if t.code in table)
            return f"CASE t {whens} ELSE {p.default} END" if whens else str(p.default)
        if p.kind == "level":
            whens = " ".join(f"WHEN {self.d.text(level)} THEN {pts}" for level, pts in p.levels)
            return f"CASE lvl {whens} ELSE {p.default} END"
        whens = " ".join(f"WHEN amt >= {Decimal(low) / 100:.2f} THEN {pts}"
                         for low, pts in reversed(p.amounts))
        return f"CASE WHEN amt IS NULL THEN {p.default} {whens} ELSE {p.default} END"

    def decayed(self, item: Item, raw: str) -> str:
        decay = item.decay
        if decay.linear:
            end = "pe" if item.window.is_publicity else self.d.add_months("d", item.window.months
                                                                          or 0)
            total = self.d.days_between("d", end)
            remaining = self.d.days_between(self.today, end)
            return (f"CASE WHEN {total} <= 0 THEN {raw} "
                    f"ELSE {_round_div(f'{raw} * {remaining}', total)} END")
        if decay.steps:
            whens = []
            for months, factor in reversed(decay.steps):
                # "more than `months` have passed" == decided before the cut-off of that window
                cut = dates.earliest_decision_in_window(as_of=self.as_of, months=months)
                whens.append(f"WHEN d < {self.d.date(cut)} THEN "
                             f"{_round_div(f'{raw} * {factor}', str(BASIS))}")
            return f"CASE {' '.join(whens)} ELSE {raw} END"
        return raw

    def veto_record_condition(self, veto: Veto) -> str:
        assert veto.match is not None
        return f"({_in('t', self.type_ids(veto.match))} AND {self.window_condition(veto.window)})"

    def bad_condition(self) -> str:
        bad = [t.id for t in self.catalogue.values() if t.polarity == "bad"]
        return f"({_in('t', bad)} AND pe >= {self.today})"

    def relevant_type_ids(self) -> set[int] | None:
        """Types any rule reads (or None: all); other records are skipped before grouping."""
        ids = {t.id for t in self.catalogue.values() if t.polarity == "bad"}
        for plan in self.plans:
            for item in plan.spec.items:
                ids.update(self.type_ids(item.match))
            for veto in plan.spec.vetoes:
                if veto.match is not None:
                    ids.update(self.type_ids(veto.match))
        return None if ids >= set(self.catalogue) else ids

    def could_count(self) -> str:
        """Only a record still in its publicity can count for anything: the record filter.

        A grade never counts a record whose publicity has ended (plan 三(四), 发改委令第58号:
        a record no longer disclosed is no longer used), whatever the rule's `window`: a month
        window ("N months from the decision") is intersected with the publicity period, so a
        12-month window never outlives a six-month publicity. Revoked and repaired records are
        already left out by `state = 'effective'` (a repair ends the publicity that day).
        The evaluator applies the same filter (`scoring.evaluator.in_publicity`). Records of a
        source no model of the run counts (`[sources]` weight 0) are left out here too.
        """
        dropped = self.dropped_departments
        if dropped:
            return (f"r.publicity_ends_on >= {self.today} AND "
                    f"NOT {_in('r.source_department_id', dropped)}")
        return f"r.publicity_ends_on >= {self.today}"

    # -- the record pass --
    def lanes(self) -> list[list[int]]:
        """Group plans (by index) so that plans in one lane have distinct categories.

        A subject belongs to one category, so plans of different categories can share the
        same aggregate columns ("slots": item k of whichever model grades the record's
        subject); only plans of the same category (a what-if: draft vs. model in effect)
        need columns of their own. Fewer columns means much less work per record.
        """
        lanes: list[list[int]] = []
        for p, plan in enumerate(self.plans):
            for lane in lanes:
                if all(self.plans[q].spec.category != plan.spec.category for q in lane):
                    lane.append(p)
                    break
            else:
                lanes.append([p])
        return lanes

    def by_category(self, lane: list[int], expr: Callable[[Spec], str], default: str) -> str:
        """`expr` of the model that grades the record's subject (its category)."""
        if len(lane) == 1:
            return expr(self.plans[lane[0]].spec)
        whens = " ".join(f"WHEN {self.d.text(self.plans[p].spec.category)} THEN "
                         f"{expr(self.plans[p].spec)}" for p in lane)
        return f"CASE cat {whens} ELSE {default} END"

    def assignment(self, spec: Spec) -> str:
        assigned: set[int] = set()
        whens = []
        for k, item in enumerate(spec.items, start=1):
            ids = [i for i in self.type_ids(item.match) if i not in assigned]
            assigned.update(ids)
            if ids:
                whens.append(f"WHEN {_in('t', ids)} THEN {k}")
        return f"CASE {' '.join(whens)} ELSE 0 END" if whens else "0"

    @staticmethod
    def match_vetoes(spec: Spec) -> list[tuple[int, Veto]]:
        """(plan-local veto number, veto) of the vetoes that read records, in slot order."""
        return [(j, v) for j, v in enumerate(spec.vetoes, start=1) if v.match is not None]

    # -- the record pass with a weights table (PostgreSQL) --
    def _window_dates(self, window: Window) -> tuple[str, str]:
        """(publicity cut-off, decision cut-off) as SQL dates, one of them NULL: a record is in
        the window when `pe >= first` or `d >= second` (NULL compares as false)."""
        if window.is_publicity:
            return self.today, self.d.null("DATE")
        cut = dates.earliest_decision_in_window(as_of=self.as_of, months=window.months or 0)
        return self.d.null("DATE"), self.d.date(cut)

    def _static_points(self, item: Item, type_id: int) -> int | None:
        """The item's points for a record of this type in cents, or None if they depend on the
        record's level or amount (left to SQL)."""
        p = item.points
        if p.kind == "fixed":
            return int(p.fixed)
        info = self.catalogue[type_id]
        if p.kind == "catalogue":
            return int(info.default_points * 100) if info.matches(item.match) else 0
        if p.kind == "type":
            return int(dict(p.by_type).get(info.code, p.default))
        return None

    def weights_cte(self, type_ids: list[int], lanes: list[list[int]]) -> tuple[str, list[str]]:
        """`wt`: one row per (category, record type) with everything the rules decide from
        those two alone, per lane n: the item slot `a{n}`, its points `xw{n}` (NULL: from
        level/amount), its window (`ip{n}`, `id{n}`), whether a bad record counts (`bp{n}`),
        and per veto slot the window of a matching veto (`vp{n}_{s}`, `vd{n}_{s}`)."""
        bad = {t.id for t in self.catalogue.values() if t.polarity == "bad"}
        null_date = self.d.null("DATE")
        cols = ["cat", "t", "bp"]
        for n, lane in enumerate(lanes, start=1):
            cols += [f"a{n}", f"xw{n}", f"ip{n}", f"id{n}", f"bp{n}"]
            slots = max(len(self.match_vetoes(self.plans[p].spec)) for p in lane)
            cols += [c for s in range(1, slots + 1) for c in (f"vp{n}_{s}", f"vd{n}_{s}")]
        rows = []
        categories = sorted({p.spec.category for p in self.plans})
        for cat in categories:
            for t in type_ids:
                row = [self.d.text(cat), str(t), self.today if t in bad else null_date]
                for lane in lanes:
                    spec = next((self.plans[p].spec for p in lane
                                 if self.plans[p].spec.category == cat), None)
                    slots = max(len(self.match_vetoes(self.plans[p].spec)) for p in lane)
                    if spec is None:
                        row += ["0", self.d.bigint("0"), null_date, null_date, null_date]
                        row += [null_date] * (2 * slots)
                        continue
                    k, item = next(((k, i) for k, i in enumerate(spec.items, start=1)
                                    if t in self.type_ids(i.match)), (0, None))
                    if item is None:
                        row += ["0", self.d.bigint("0"), null_date, null_date]
                    else:
                        points = self._static_points(item, t)
                        row += [str(k), self.d.bigint(str(points)) if points is not None
                                else self.d.null("BIGINT"), *self._window_dates(item.window)]
                    row.append(self.today if t in bad else null_date)
                    vetoes = self.match_vetoes(spec)
                    for slot in range(slots):
                        veto = vetoes[slot][1] if slot < len(vetoes) else None
                        if veto is not None and t in self.type_ids(veto.match):
                            row += list(self._window_dates(veto.window))
                        else:
                            row += [null_date, null_date]
                rows.append(f"({', '.join(row)})")
        return f"wt ({', '.join(cols)}) AS (VALUES {', '.join(rows)})", cols[2:]

    def record_ctes_weighted(self) -> list[str]:
        """The record pass reading rule constants from `wt` (one hash join) instead of
        evaluating CASE chains over the type per record; same results, cheaper per row."""
        rec_t = CreditRecord._meta.db_table
        subj_t = Subject._meta.db_table
        lanes = self.lanes()
        relevant = self.relevant_type_ids()
        type_ids = sorted(relevant if relevant is not None else self.catalogue)
        wt, wt_cols = self.weights_cte(type_ids, lanes)
        where = ["r.state = 'effective'", f"r.decided_on <= {self.today}",
                 "s.id = r.subject_id", "wt.cat = s.category", "wt.t = r.record_type_id"]
        if relevant is not None:
            where.append(_in("r.record_type_id", relevant))
        where.append(self.could_count())
        if self.subject_ids is not None:
            where.append(self.subjects_condition("r.subject_id"))
        categories = sorted({p.spec.category for p in self.plans})
        where.append(f"s.category IN ({', '.join(self.d.text(c) for c in categories)})")
        rec = (f"rec AS{self.d.not_materialized} (SELECT r.subject_id AS sid, s.category AS cat, "
               f"r.record_type_id AS t, r.decided_on AS d, r.publicity_ends_on AS pe, "
               f"r.amount AS amt, r.level AS lvl{self.src_column()}, "
               f"{', '.join('wt.' + c for c in wt_cols)} "
               f"FROM {rec_t} r {self.d.ordered_join} {subj_t} s {self.d.ordered_join} wt "
               f"WHERE {' AND '.join(where)})")
        raw_cols, pts_cols = [], []
        terms: list[tuple[str, str]] = []  # (sum's name, per-record term summed)
        bad = "CASE WHEN pe >= bp THEN 1 ELSE 0 END"
        for n, lane in enumerate(lanes, start=1):
            specs = [self.plans[p].spec for p in lane]
            slots = max(len(self.match_vetoes(s)) for s in specs)

            def dynamic(spec: Spec) -> str:
                whens = " ".join(f"WHEN {k} THEN {self.d.bigint(self.raw_points(item))}"
                                 for k, item in enumerate(spec.items, start=1)
                                 if item.points.kind in ("level", "amount"))
                return f"CASE a{n} {whens} ELSE 0 END" if whens else "0"  # noqa: B023

            if any(i.points.kind in ("level", "amount") for sp in specs for i in sp.items):
                raw_cols.append(f"COALESCE(xw{n}, {self.by_category(lane, dynamic, '0')}) "
                                f"AS x{n}")
            else:
                raw_cols.append(f"xw{n} AS x{n}")
            raw_cols.append(f"CASE WHEN pe >= ip{n} OR d >= id{n} THEN 1 ELSE 0 END AS w{n}")

            def decayed(spec: Spec) -> str:
                whens = " ".join(
                    f"WHEN a{n} = {k} THEN {self.decayed(item, f'x{n}')}"  # noqa: B023
                    for k, item in enumerate(spec.items, start=1) if not item.decay.is_none)
                return f"CASE WHEN w{n} = 0 THEN 0 {whens} ELSE x{n} END"  # noqa: B023

            veto_in = [f"pe >= vp{n}_{s} OR d >= vd{n}_{s}" for s in range(1, slots + 1)]
            # A record's points fit an INTEGER (|points| <= MAX_POINTS in cents, decay only
            # shrinks them): SUM(integer) keeps a plain BIGINT sum, cheaper per row and between
            # the parallel workers than SUM(bigint)'s 128-bit state (final sums stay BIGINT).
            pts_cols.append(f"{self.d.integer(self.by_category(lane, decayed, '0'))} AS y{n}")
            counted = f"CASE WHEN {' OR '.join([f'w{n} = 1', f'pe >= bp{n}', *veto_in])} " \
                      f"THEN 1 ELSE 0 END"
            pts_cols.append(f"{self.if_source_counts(n, counted)} AS c{n}")
            for k in range(1, max(len(s.items) for s in specs) + 1):
                terms.append((f"l{n}i{k}",
                              f"CASE WHEN a{n} = {k} THEN {self.weighted_points(n)} ELSE 0 END"))
            for s, cond in enumerate(veto_in, start=1):
                terms.append((f"l{n}v{s}",
                              self.if_source_counts(n, f"CASE WHEN {cond} THEN 1 ELSE 0 END")))
            terms.append((f"l{n}n", f"c{n}"))
            if self.weighted:
                terms.append((self.bad_column(n), self.if_source_counts(n, bad)))
        raw_cols += self.source_columns(lanes)
        if not self.weighted:
            terms.append(("bad", bad))
        counts = " OR ".join(f"c{n} = 1" for n in range(1, len(lanes) + 1))
        nm = self.d.not_materialized
        ctes = [
            wt, rec,
            # No fences: the per-record expressions are now cheap enough to be inlined, and a
            # fenced subquery (OFFSET 0) would keep the scan out of a parallel plan.
            f"raw AS{nm} (SELECT *, {', '.join(raw_cols)} FROM rec)",
            f"pts AS{nm} (SELECT *, {', '.join(pts_cols)} FROM raw)",
        ]
        if self.records_to_leader and self.subject_ids is None:
            # Every term per record below a fence: the parallel workers scan, join and compute
            # them, and the rows go through the Gather to one process that only sums them per
            # subject (one hash table). Partial aggregation in the workers hardly reduces the
            # rows (a subject's few records are spread over the whole table), and merging the
            # partial sums after a Gather Merge cost the leader more than summing the records
            # (`docs/performance.md` "Full re-grade").
            ctes.append(f"one AS (SELECT sid, {', '.join(f'{t} AS {c}' for c, t in terms)} "
                        f"FROM pts WHERE {counts} OFFSET 0)")
            sums = [self.d.bigint(f"SUM({c})") + f" AS {c}" for c, _t in terms]
            return [*ctes, f"agg AS (SELECT sid, {', '.join(sums)} FROM one GROUP BY sid)"]
        sums = [self.d.bigint(f"SUM({t})") + f" AS {c}" for c, t in terms]
        return [*ctes,
                f"agg AS (SELECT sid, {', '.join(sums)} FROM pts WHERE {counts} GROUP BY sid)"]

    def record_ctes(self) -> list[str]:
        # One subject (index look-ups, a handful of records): the CASE chains plan faster than
        # a joined table of every (category, type); the weights pay off over millions of rows.
        if self.d.weights_join and self.subject_ids is None:
            return self.record_ctes_weighted()
        rec_t = CreditRecord._meta.db_table
        subj_t = Subject._meta.db_table
        # One subject: its records by index. Everyone: one sequential scan of the records,
        # each looking up its subject's category by primary key.
        noix = "" if self.subject_ids is not None else self.d.no_index
        where = [f"{noix}r.state = 'effective'", f"r.decided_on <= {self.today}",
                 "s.id = r.subject_id"]
        relevant = self.relevant_type_ids()
        if relevant is not None:
            where.append(_in("r.record_type_id", relevant))
        where.append(self.could_count())
        if self.subject_ids is not None:
            where.append(self.subjects_condition("r.subject_id"))
        categories = sorted({p.spec.category for p in self.plans})
        where.append(f"{noix}s.category IN ({', '.join(self.d.text(c) for c in categories)})")
        rec = (f"rec AS{self.d.not_materialized} (SELECT r.subject_id AS sid, s.category AS cat, "
               f"r.record_type_id AS t, r.decided_on AS d, r.publicity_ends_on AS pe, "
               f"r.amount AS amt, r.level AS lvl{self.src_column()} FROM {rec_t} r "
               f"{self.d.ordered_join} "
               f"{subj_t} s WHERE {' AND '.join(where)})")

        asg_cols, raw_cols, pts_cols, agg_cols = [], [], [], []
        bad = self.bad_condition()
        for n, lane in enumerate(self.lanes(), start=1):
            specs = [self.plans[p].spec for p in lane]
            asg_cols.append(f"{self.by_category(lane, self.assignment, '0')} AS a{n}")

            def raw(spec: Spec) -> str:
                whens = " ".join(f"WHEN {k} THEN {self.d.bigint(self.raw_points(item))}"
                                 for k, item in enumerate(spec.items, start=1))
                return f"CASE a{n} {whens} ELSE 0 END" if whens else "0"  # noqa: B023

            def window(spec: Spec) -> str:
                whens = " ".join(
                    f"WHEN {k} THEN CASE WHEN {self.window_condition(item.window)} "
                    f"THEN 1 ELSE 0 END" for k, item in enumerate(spec.items, start=1))
                return f"CASE a{n} {whens} ELSE 0 END" if whens else "0"  # noqa: B023

            def decayed(spec: Spec) -> str:
                whens = " ".join(
                    f"WHEN a{n} = {k} THEN {self.decayed(item, f'x{n}')}"  # noqa: B023
                    for k, item in enumerate(spec.items, start=1) if not item.decay.is_none)
                return f"CASE WHEN w{n} = 0 THEN 0 {whens} ELSE x{n} END"  # noqa: B023

            def counted(spec: Spec) -> str:
                conds = [f"w{n} = 1", bad]  # noqa: B023
                conds += [self.veto_record_condition(v) for _j, v in self.match_vetoes(spec)]
                return f"CASE WHEN {' OR '.join(conds)} THEN 1 ELSE 0 END"

            raw_cols.append(f"{self.by_category(lane, raw, '0')} AS x{n}")
            raw_cols.append(f"{self.by_category(lane, window, '0')} AS w{n}")
            pts_cols.append(f"{self.by_category(lane, decayed, '0')} AS y{n}")
            pts_cols.append(
                f"{self.if_source_counts(n, self.by_category(lane, counted, '0'))} AS c{n}")
            for k in range(1, max(len(s.items) for s in specs) + 1):
                agg_cols.append(self.d.bigint(
                    f"SUM(CASE WHEN a{n} = {k} THEN {self.weighted_points(n)} ELSE 0 END)")
                    + f" AS l{n}i{k}")
            for slot in range(1, max(len(self.match_vetoes(s)) for s in specs) + 1):
                def veto(spec: Spec, slot: int = slot) -> str:
                    vetoes = self.match_vetoes(spec)
                    if slot > len(vetoes):
                        return "0"
                    return f"CASE WHEN {self.veto_record_condition(vetoes[slot - 1][1])} " \
                           f"THEN 1 ELSE 0 END"

                agg_cols.append(self.d.bigint(
                    f"SUM({self.if_source_counts(n, self.by_category(lane, veto, '0'))})")
                    + f" AS l{n}v{slot}")
            agg_cols.append(self.d.bigint(f"SUM(c{n})") + f" AS l{n}n")
            if self.weighted:
                agg_cols.append(self.d.bigint(
                    f"SUM({self.if_source_counts(n, f'CASE WHEN {bad} THEN 1 ELSE 0 END')})")
                    + f" AS {self.bad_column(n)}")
        asg_cols += self.source_columns(self.lanes())
        if not self.weighted:
            agg_cols.append(self.d.bigint(f"SUM(CASE WHEN {bad} THEN 1 ELSE 0 END)") + " AS bad")
        # a record that counts for no model adds nothing to any sum: leave it out of the sort
        counts = " OR ".join(f"c{n} = 1" for n in range(1, len(self.lanes()) + 1))
        nm = self.d.not_materialized
        return [
            rec,
            f"asg AS{nm} (SELECT sid, cat, t, d, pe, amt, lvl, {', '.join(asg_cols)} FROM rec"
            f"{self.d.fence})",
            f"raw AS{nm} (SELECT *, {', '.join(raw_cols)} FROM asg{self.d.fence})",
            f"pts AS{nm} (SELECT *, {', '.join(pts_cols)} FROM raw{self.d.fence})",
            f"agg AS (SELECT sid, {', '.join(agg_cols)} FROM pts WHERE {counts} GROUP BY sid)",
        ]

    # -- the subject pass, per model --
    def indicator_expr(self, indicator: Indicator) -> str:
        if indicator.kind == "fixed":
            return str(indicator.fixed)
        if indicator.kind == "qualification":
            whens = " ".join(f"WHEN {self.d.text(value)} THEN {pts}"
                             for value, pts in indicator.mapping)
            return f"CASE s.qualification {whens} ELSE {indicator.default} END"
        whens = []
        for years, pts in indicator.brackets:  # most years first, like the evaluator
            cut = dates.latest_start_with_years(as_of=self.as_of, years=years)
            whens.append(f"WHEN s.established_on <= {self.d.date(cut)} THEN {pts}")
        return (f"CASE WHEN s.established_on IS NULL THEN {indicator.missing} "
                f"{' '.join(whens)} ELSE {indicator.default} END")

    def clamp(self, expr: str, low: int | None, high: int | None) -> str:
        if high is not None:
            expr = self.d.least(expr, str(high))
        if low is not None:
            expr = self.d.greatest(expr, str(low))
        return expr

    def veto_condition(self, veto: Veto, j: int) -> str:
        parts = []
        if veto.match is not None:
            parts.append(f"v{j} >= {veto.min_count}")
        if veto.subject_status:
            statuses = ", ".join(self.d.text(s) for s in veto.subject_status)
            parts.append(f"st IN ({statuses})")
        return "(" + " AND ".join(parts) + ")"

    def plan_ctes(self, p: int, plan: Plan, lane: int) -> list[str]:
        spec = plan.spec
        sf = self.d.subject_fence
        slot_of = {j: slot for slot, (j, _v) in enumerate(self.match_vetoes(spec), start=1)}
        subj_t = Subject._meta.db_table
        items = list(enumerate(spec.items, start=1))
        vetoes = list(enumerate(spec.vetoes, start=1))
        inds = list(enumerate(spec.indicators, start=1))
        keep_v = [f"v{j}" for j, _v in vetoes]

        if self.subject_source is not None:  # subjects already joined with their sums
            a, source = "s", f"{self.subject_source} s"
        else:
            a, source = "a", f"{subj_t} s LEFT JOIN {self.agg_source} a ON a.sid = s.id"
        s_cols = ["s.id AS sid", "s.status AS st",
                  f"COALESCE({a}.{self.bad_column(lane)}, 0) AS bad",
                  f"COALESCE({a}.l{lane}n, 0) AS n"]
        s_cols += [f"COALESCE({a}.l{lane}i{k}, 0) AS i{k}" for k, _i in items]
        s_cols += [f"COALESCE({a}.l{lane}v{slot_of[j]}, 0) AS v{j}" if j in slot_of
                   else f"0 AS v{j}" for j, _v in vetoes]
        s_cols += [f"{self.indicator_expr(ind)} AS k{m}" for m, ind in inds]
        where = [f"s.category = {self.d.text(spec.category)}"]
        if self.subject_ids is not None:
            where.append(self.subjects_condition("s.id"))
        s_cte = (f"p{p}_s AS (SELECT {', '.join(s_cols)} FROM {source} "
                 f"WHERE {' AND '.join(where)}{sf})")

        common = ["sid", "st", "bad", "n", *keep_v]
        c_cols = common + [
            f"{self.clamp(f'i{k}', -item.cap, item.cap) if item.cap is not None else f'i{k}'}"
            f" AS c{k}" for k, item in items] + [f"k{m}" for m, _ind in inds]
        c_cte = f"p{p}_c AS (SELECT {', '.join(c_cols)} FROM p{p}_s{sf})"

        members: dict[str, list[str]] = {g.code: [] for g in spec.groups}
        loose = [str(spec.base)]
        for k, item in items:
            (members[item.group] if item.group else loose).append(f"c{k}")
        for m, ind in inds:
            (members[ind.group] if ind.group else loose).append(f"k{m}")
        g_cols = common + [f"({' + '.join(members[g.code]) or '0'}) AS g{n}"
                           for n, g in enumerate(spec.groups, start=1)]
        g_cols.append(f"({' + '.join(loose)}) AS u")
        g_cte = f"p{p}_g AS (SELECT {', '.join(g_cols)} FROM p{p}_c{sf})"

        total = ["u"] + [
            self.clamp(f"g{n}", -g.cap, g.cap) if g.cap is not None else f"g{n}"
            for n, g in enumerate(spec.groups, start=1)]
        t_cte = (f"p{p}_t AS (SELECT {', '.join(common)}, ({' + '.join(total)}) AS tot "
                 f"FROM p{p}_g{sf})")
        b_cte = (f"p{p}_b AS (SELECT {', '.join(common)}, "
                 f"{self.clamp('tot', spec.floor, spec.ceiling)} AS score FROM p{p}_t{sf})")

        fixing = [(j, v) for j, v in vetoes if v.grade]
        vfix = " ".join(f"WHEN {self.veto_condition(v, j)} THEN {j}" for j, v in fixing)
        vfix_expr = f"CASE {vfix} ELSE 0 END" if vfix else "0"
        rank_whens = []
        if spec.no_records_grade:
            rank_whens.append(f"WHEN n = 0 THEN {spec.grade_rank(spec.no_records_grade)}")
        for rank, grade in enumerate(spec.grades):
            if grade.min is None:
                continue
            cond = f"score >= {grade.min}"
            if grade.or_no_bad_record:
                cond = f"({cond} OR bad = 0)"
            rank_whens.append(f"WHEN {cond} THEN {rank}")
        rank_expr = f"CASE {' '.join(rank_whens)} ELSE {len(spec.grades) - 1} END"
        r_cols = ["sid", "st", "score", *keep_v, f"{vfix_expr} AS vfix", f"{rank_expr} AS rnk"]
        r_cte = f"p{p}_r AS (SELECT {', '.join(r_cols)} FROM p{p}_b{sf})"

        by_code = {v.code: j for j, v in vetoes}
        lift_whens = []
        for lift in spec.lifts:
            j = by_code[lift.code]
            lift_whens.append(
                f"WHEN {self.veto_condition(lift, j)} AND rnk > {spec.grade_rank(lift.floor)} "
                f"THEN {j}")
        lift_expr = f"CASE WHEN vfix > 0 THEN 0 {' '.join(lift_whens)} ELSE 0 END" \
            if lift_whens else "0"
        l_cte = f"p{p}_l AS (SELECT sid, score, vfix, rnk, {lift_expr} AS lft FROM p{p}_r{sf})"

        grade_whens = [f"WHEN vfix = {j} THEN {self.d.text(v.grade)}" for j, v in fixing]
        grade_whens += [f"WHEN lft = {by_code[lift.code]} THEN {self.d.text(lift.floor)}"
                        for lift in spec.lifts]
        grade_whens += [f"WHEN rnk = {rank} THEN {self.d.text(g.name)}"
                        for rank, g in enumerate(spec.grades)]
        veto_whens = [f"WHEN vfix = {j} THEN {self.d.text(v.code)}" for j, v in fixing]
        veto_whens += [f"WHEN lft = {by_code[lift.code]} THEN {self.d.text(lift.code)}"
                       for lift in spec.lifts]
        veto_expr = f"CASE {' '.join(veto_whens)} ELSE '' END" if veto_whens else "''"
        f_cte = (f"{_result_relation(p)} AS (SELECT {int(plan.batch_id)} AS batch_id, sid, score, "
                 f"CASE {' '.join(grade_whens)} END AS grade, {veto_expr} AS veto FROM p{p}_l{sf})")
        return [s_cte, c_cte, g_cte, t_cte, b_cte, r_cte, l_cte, f_cte]

    def _agg_select(self) -> str:
        """The record pass as one SELECT of per-subject sums (the `agg` CTE as a statement)."""
        record = self.record_ctes()
        body = record[-1]
        assert body.startswith("agg AS (") and body.endswith(")")
        return "WITH " + ",\n".join(record[:-1]) + "\n" + body[len("agg AS ("):-1]

    def _subject_select(self, agg: str) -> str:
        """Every graded subject's columns LEFT JOIN its sums `agg`."""
        return ("SELECT s.id, s.category, s.status, s.qualification, s.established_on, a.* "
                f"FROM {Subject._meta.db_table} s LEFT JOIN {agg} a ON a.sid = s.id "
                f"WHERE {self._graded_categories('s')}")

    def _graded_categories(self, alias: str) -> str:
        categories = sorted({p.spec.category for p in self.plans})
        return f"{alias}.category IN ({', '.join(self.d.text(c) for c in categories)})"

    def _plan_selects(self, subject_source: str) -> list[str]:
        """Per plan, one `WITH … SELECT` of its subject pass reading `subject_source`."""
        self.subject_source = subject_source
        lane_of = {p: n for n, lane in enumerate(self.lanes(), start=1) for p in lane}
        selects = []
        for p, plan in enumerate(self.plans, start=1):
            ctes = self.plan_ctes(p, plan, lane_of[p - 1])
            selects.append("WITH " + ",\n".join(ctes) + "\n"
                           f"SELECT batch_id, sid, score, grade, veto FROM {_result_relation(p)}")
        return selects

    def compile_per_plan(self, *, agg_table: str, subject_table: str
                         ) -> tuple[str, str, list[str]]:
        """(the record pass as one SELECT of per-subject sums, to be stored in `agg_table`;
        the SELECT of every graded subject's columns joined with its sums, to be stored in
        `subject_table`; then, per plan, one `WITH … SELECT` of its subject pass reading the
        latter). Subjects are read once for all plans, not once per plan."""
        agg_select = self._agg_select()
        subject_select = self._subject_select(agg_table)
        return agg_select, subject_select, self._plan_selects(subject_table)

    def compile(self) -> tuple[str, str]:
        """(the WITH clause, the final SELECT: batch_id, sid, score in cents, grade, veto)."""
        ctes = self.record_ctes()
        lane_of = {p: n for n, lane in enumerate(self.lanes(), start=1) for p in lane}
        for p, plan in enumerate(self.plans, start=1):
            ctes.extend(self.plan_ctes(p, plan, lane_of[p - 1]))
        with_sql = "WITH " + ",\n".join(ctes)
        select = " UNION ALL ".join(
            f"SELECT batch_id, sid, score, grade, veto FROM {_result_relation(p)}"
            for p in range(1, len(self.plans) + 1))
        return with_sql, select


def select_sql(*, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
               vendor: str, subject_id: int | None = None) -> str:
    """A SELECT of (batch_id, sid, score_cents, grade, veto) for every subject of the plans."""
    with_sql, select = Compiler(plans=plans, catalogue=catalogue, as_of=as_of,
                                dialect=dialect_for(vendor), subject_id=subject_id).compile()
    return f"{with_sql}\n{select}"


def upsert_sql(*, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
               vendor: str, table: str, subject_ids: Iterable[int]) -> str:
    """Evaluate the given subjects with every plan (each plan's rows go to its `batch_id`) and
    write them into `table` in ONE statement: a subject's row in that batch is updated, or
    inserted if the batch has none, with `as_of` as its evaluation date (the nightly re-grade
    of the subjects whose basis changed, `scoring.engine.regrade_subjects`). Same CASE-chain
    plan as the one-subject re-grade, restricted by an `IN` list instead of one id.
    """
    dialect = dialect_for(vendor)
    with_sql, select = Compiler(plans=plans, catalogue=catalogue, as_of=as_of,
                                dialect=dialect, subject_ids=subject_ids).compile()
    # `WHERE 1 = 1`: SQLite needs it to parse ON CONFLICT after INSERT … SELECT
    return (f"{with_sql}\nINSERT INTO {table} (batch_id, subject_id, score, grade, veto, as_of) "
            f"SELECT batch_id, sid, {dialect.cents_to_score('score')}, grade, veto, "
            f"{dialect.date(as_of)} FROM ({select}) AS fin WHERE 1 = 1 "
            f"ON CONFLICT (batch_id, subject_id) DO UPDATE SET score = excluded.score, "
            f"grade = excluded.grade, veto = excluded.veto, as_of = excluded.as_of")


def plan_relations(*, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
                   vendor: str) -> tuple[str, list[str]]:
    """The WITH clause evaluating the plans, and the name of each plan's result relation.

    The public way to build on the compiled evaluation: each relation, in plan order, has one
    row per subject with the columns (batch_id, sid, score in cents, grade, veto); a caller
    joins or aggregates them in its own statement after the WITH clause (the what-if compares
    two plans this way) without knowing how the compiler names its intermediate steps.
    """
    with_sql, _select = Compiler(plans=plans, catalogue=catalogue, as_of=as_of,
                                 dialect=dialect_for(vendor)).compile()
    return with_sql, [_result_relation(p) for p in range(1, len(plans) + 1)]


def grade_changes_sql(*, after: Spec, before: Spec | None, catalogue: dict[int, TypeInfo],
                      as_of: dt.date, vendor: str, limit: int) -> str:
    """One statement comparing two models of one category over all its subjects (what-if).

    Both models are evaluated in the same scan of the records; the statement returns only
    what a comparison needs, as rows `(kind, before_grade, after_grade, number)`:

    * `('m', b, a, n)`: `n` subjects go from grade `b` to grade `a` (the before→after matrix,
      one row per pair that occurs, unchanged pairs included);
    * `('c', b, a, subject_id)`: one of the first `limit` subjects (by id) whose grade changes.

    Without a `before` model every before grade is `''` (every subject counts as changed).
    Callers read these rows and need nothing of how the evaluation is compiled.
    """
    plans = [Plan(spec=after, batch_id=1)]
    if before is not None:
        plans.append(Plan(spec=before, batch_id=0))
    with_sql, relations = plan_relations(plans=plans, catalogue=catalogue, as_of=as_of,
                                         vendor=vendor)
    if before is None:
        pairs = f"SELECT a.sid AS sid, '' AS bg, a.grade AS ag FROM {relations[0]} a"
    else:
        pairs = (f"SELECT a.sid AS sid, b.grade AS bg, a.grade AS ag FROM {relations[0]} a "
                 f"LEFT JOIN {relations[1]} b ON b.sid = a.sid")
    return (
        f"{with_sql}, cmp AS ({pairs})\n"
        f"SELECT 'm', bg, ag, COUNT(*) FROM cmp GROUP BY bg, ag\n"
        f"UNION ALL SELECT * FROM (SELECT 'c', bg, ag, sid FROM cmp WHERE bg <> ag "
        f"ORDER BY sid LIMIT {int(limit)}) AS changed"
    )


def _result_relation(p: int) -> str:
    """The CTE holding plan number `p`'s (1-based) final rows."""
    return f"p{p}_f"


# Ids of the rows the engine writes on PostgreSQL: derived from the (batch, subject) key, which
# is unique, so a parallel `CREATE TABLE … AS` needs no sequence (`nextval` is parallel-unsafe).
# Django's sequence for other rows stops below it (migration scoring/0005).
ID_BATCH_SHIFT = 2**32


def partition_name(batch_id: int) -> str:
    """The table holding one batch's rows on PostgreSQL (a partition of the evaluation table)."""
    return f"scoring_evaluation_b{int(batch_id)}"


def regrade_statements(*, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
                       vendor: str, table: str, scratch: str,
                       records_to_leader: bool = True) -> list[str]:
    """The statements of a full re-grade, run in order in one transaction.

    SQLite: the one `INSERT … SELECT`. PostgreSQL (15) never runs `INSERT … SELECT` in
    parallel and maintains every index row by row, so each step is a parallel
    `CREATE TABLE … AS` instead: the record pass (every record scanned, joined and summed per
    subject) into an unlogged scratch table; the graded subjects' columns joined with those
    sums into a second one (subjects read once, not once per plan); then per plan its subject
    pass straight into a table of its own (`partition_name`), whose constraints and index are
    built once the data is there, attached as the batch's partition of `table` (partitioned
    by batch, migration scoring/0005; the partition's CHECK spares ATTACH a scan), and the
    scratch tables dropped. `docs/performance.md` "Full re-grade" has the variants measured
    and the final plans.
    """
    if vendor != "postgresql":
        return [insert_sql(plans=plans, catalogue=catalogue, as_of=as_of, vendor=vendor,
                           table=table)]
    dialect = dialect_for(vendor)
    subjects = f"{scratch}_s"
    agg_select, subject_select, selects = Compiler(
        plans=plans, catalogue=catalogue, as_of=as_of, dialect=dialect,
        records_to_leader=records_to_leader,
    ).compile_per_plan(agg_table=scratch, subject_table=subjects)
    statements = [*_scratch_statements(scratch=scratch, subjects=subjects,
                                       agg_select=agg_select, subject_select=subject_select,
                                       records_to_leader=records_to_leader),
                  f"DROP TABLE {scratch}"]
    for plan, select in zip(plans, selects, strict=True):
        statements += _batch_table_statements(plan=plan, select=select, dialect=dialect)
    statements.append(f"DROP TABLE {subjects}")
    return statements + _attach_statements(plans=plans, table=table)


def _batch_table_statements(*, plan: Plan, select: str, dialect: Dialect) -> list[str]:
    """Build one batch's rows (its subject pass `select`) into a table of their own, shaped
    like a partition of the evaluation table, constraints and index added after the data."""
    part, batch = partition_name(plan.batch_id), int(plan.batch_id)
    score = f"CAST({dialect.cents_to_score('score')} AS NUMERIC(10, 2))"
    return [
        f"DROP TABLE IF EXISTS {part}",
        # the columns in the evaluation table's order and types (ATTACH requires them)
        f"CREATE TABLE {part} AS SELECT CAST({batch} * {ID_BATCH_SHIFT} + sid AS BIGINT) "
        f"AS id, {score} AS score, CAST(grade AS VARCHAR(20)) AS grade, "
        f"CAST(veto AS VARCHAR(60)) AS veto, CAST(NULL AS DATE) AS as_of, "
        f"CAST(sid AS BIGINT) AS subject_id, CAST(batch_id AS BIGINT) AS batch_id "
        f"FROM ({select}) AS fin",
        f"ALTER TABLE {part} ALTER COLUMN id SET NOT NULL, "
        f"ALTER COLUMN score SET NOT NULL, ALTER COLUMN grade SET NOT NULL, "
        f"ALTER COLUMN veto SET NOT NULL, ALTER COLUMN subject_id SET NOT NULL, "
        f"ALTER COLUMN batch_id SET NOT NULL, "
        f"ADD CONSTRAINT {part}_batch CHECK (batch_id = {batch}), "
        f"ADD CONSTRAINT {part}_pkey PRIMARY KEY (id, batch_id), "
        f"ADD CONSTRAINT {part}_batch_subject UNIQUE (batch_id, subject_id)",
        f"CREATE INDEX {part}_subject_batch ON {part} (subject_id, batch_id)",
    ]


def _attach_statements(*, plans: list[Plan], table: str) -> list[str]:
    # Attached last: ATTACH holds an ACCESS EXCLUSIVE lock on the DEFAULT partition until the
    # transaction ends, which blocks readers of the evaluation table that cannot prune it;
    # attaching at the very end keeps that to the attaches themselves (each well under 1 s).
    return [f"ALTER TABLE {table} ATTACH PARTITION {partition_name(plan.batch_id)} "
            f"FOR VALUES IN ({int(plan.batch_id)})" for plan in plans]


def scratch_prefix(batch_id: int) -> str:
    """The name (and name prefix, with "_") of a full re-grade's scratch tables on PostgreSQL,
    derived from its first batch (created and dropped in the re-grade's one transaction)."""
    return f"scoring_regrade_{int(batch_id)}"


def _scratch_statements(*, scratch: str, subjects: str, agg_select: str,
                        subject_select: str, records_to_leader: bool) -> list[str]:
    """The record pass and the graded subjects' columns into fresh unlogged scratch tables.

    With `records_to_leader` the record pass reads the records by a parallel sequential scan
    rather than a bitmap of the publicity-end index: a bitmap is built by one process before
    the workers start, and some 40 % of the records are in their publicity anyway (measured,
    `docs/performance.md` "Full re-grade"); only for that statement."""
    record_pass = f"CREATE UNLOGGED TABLE {scratch} AS {agg_select}"
    if records_to_leader:
        record_pass_steps = ["SET LOCAL enable_bitmapscan = off", record_pass,
                             "RESET enable_bitmapscan"]
    else:
        record_pass_steps = [record_pass]
    return [f"DROP TABLE IF EXISTS {scratch}", f"DROP TABLE IF EXISTS {subjects}",
            *record_pass_steps, f"CREATE UNLOGGED TABLE {subjects} AS {subject_select}"]


def insert_sql(*, plans: list[Plan], catalogue: dict[int, TypeInfo], as_of: dt.date,
               vendor: str, table: str) -> str:
    """INSERT the plans' rows into the evaluation table (score converted from cents)."""
    dialect = dialect_for(vendor)
    with_sql, select = Compiler(plans=plans, catalogue=catalogue, as_of=as_of,
                                dialect=dialect).compile()
    return (f"{with_sql}\nINSERT INTO {table} (batch_id, subject_id, score, grade, veto) "
            f"SELECT batch_id, sid, {dialect.cents_to_score('score')}, grade, veto "
            f"FROM ({select}) AS fin ORDER BY batch_id, sid")  # index inserts in key order
