"""The scoring-model language: a small TOML vocabulary, parsed with `tomllib` and validated.

Why a language at all: REFERENCE.md §0.1 — there is no national point formula for housing
subjects; every province and city publishes its own base score, bonuses, deductions, caps,
validity windows, veto rules and grade cut-offs. So those live in a versioned document, not in
code. The vocabulary is the intersection of the published schemes in REFERENCE.md §1
(Shandong/Yantai, Lianyungang, Shangqiu, Tianjin, Chengdu, Qingdao, Wuxi, Yinchuan) and is
documented, with an example per construct, in `scoring/README-language.md`.

Every error names the line and the field ("line 12, item[2].cap: must be a non-negative
number"), so an administrator can fix an upload without reading code. Array entries are counted
from 1, as a person counts them ("the 2nd [[item]]").

All money-like quantities become integer hundredths ("cents") here, so the plain evaluator and
the SQL engine compute with the same integers and agree to the last cent on every database.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CATEGORIES = ("developer", "property_service", "brokerage", "rental", "builder", "practitioner")
POLARITIES = ("good", "bad")
SEVERITIES = ("general", "serious", "severe")
SUBJECT_STATUSES = ("active", "cancelled", "revoked")
RESERVED_CODES = ("base", "bounds")
BASIS = 10_000  # decay factors are stored in basis points (1.0 == 10000)
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_POINTS = Decimal("1000000")


# --- the validated form --------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """Which record types a rule concerns: all given criteria must hold; lists mean "any of"."""

    types: tuple[str, ...] = ()
    type_groups: tuple[str, ...] = ()
    polarity: str = ""
    severities: tuple[str, ...] = ()

    def matches(self, *, code: str, group: str, polarity: str, severity: str) -> bool:
        return (
            (not self.types or code in self.types)
            and (not self.type_groups or group in self.type_groups)
            and (not self.polarity or polarity == self.polarity)
            and (not self.severities or severity in self.severities)
        )

    @property
    def is_empty(self) -> bool:
        return not (self.types or self.type_groups or self.polarity or self.severities)


@dataclass(frozen=True)
class Window:
    """How long a record counts: `months` after its decision, or until its publicity ends."""

    months: int | None = None  # None: until publicity_ends_on (the record's own period)

    @property
    def is_publicity(self) -> bool:
        return self.months is None


@dataclass(frozen=True)
class Decay:
    """Step decay: after `months` have passed, multiply by `factor` (basis points); or linear."""

    linear: bool = False
    steps: tuple[tuple[int, int], ...] = ()  # (months, factor_bp), months ascending

    @property
    def is_none(self) -> bool:
        return not self.linear and not self.steps


@dataclass(frozen=True)
class Points:
    """Points per record, in cents: fixed, from the catalogue, by type, `level` or `amount`."""

    kind: str  # fixed | catalogue | type | level | amount
    fixed: int = 0
    by_type: tuple[tuple[str, int], ...] = ()
    levels: tuple[tuple[str, int], ...] = ()
    amounts: tuple[tuple[int, int], ...] = ()  # (at least amount in cents, points), ascending
    default: int = 0


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    match: Match
    points: Points
    window: Window
    decay: Decay
    cap: int | None = None
    group: str = ""


@dataclass(frozen=True)
class Indicator:
    """Points from the subject itself (REFERENCE §1.4 山西 1.1/1.2; §1.5 Tianjin 基本信息)."""

    code: str
    name: str
    kind: str  # fixed | years_in_business | qualification
    fixed: int = 0
    brackets: tuple[tuple[int, int], ...] = ()  # (at least N full years, points), N descending
    mapping: tuple[tuple[str, int], ...] = ()
    default: int = 0
    missing: int = 0
    group: str = ""


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    cap: int | None = None


@dataclass(frozen=True)
class Veto:
    """一票否决 (`grade`: fixes the grade) or a grade floor lift (`floor`)."""

    code: str
    name: str
    match: Match | None
    window: Window
    min_count: int = 1
    subject_status: tuple[str, ...] = ()
    grade: str = ""
    floor: str = ""


@dataclass(frozen=True)
class Grade:
    name: str
    min: int | None  # cents; None only for the last (catch-all) grade
    or_no_bad_record: bool = False


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    category: str
    effective_from: dt.date
    base: int
    floor: int | None
    ceiling: int | None
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    items: tuple[Item, ...]
    vetoes: tuple[Veto, ...]
    grades: tuple[Grade, ...]
    no_records_grade: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # -- derived views used by both evaluators --
    @property
    def grade_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.grades)

    def grade_rank(self, name: str) -> int:
        return self.grade_names.index(name)

    @property
    def fixing_vetoes(self) -> tuple[Veto, ...]:
        return tuple(v for v in self.vetoes if v.grade)

    @property
    def lifts(self) -> tuple[Veto, ...]:
        """Floor lifts, best floor first (then file order): the first that applies wins."""
        lifts = [v for v in self.vetoes if v.floor]
        return tuple(sorted(lifts, key=lambda v: self.grade_rank(v.floor)))

    @property
    def all_grade_names(self) -> tuple[str, ...]:
        """Threshold grades best→worst, then veto-only grades (e.g. BLACKLIST), worst last."""
        names = list(self.grade_names)
        for v in self.fixing_vetoes:
            if v.grade not in names:
                names.append(v.grade)
        return tuple(names)

    def rule_name(self, code: str) -> str:
        for collection in (self.items, self.indicators, self.groups, self.vetoes):
            for rule in collection:
                if rule.code == code:
                    return rule.name
        return {"base": _("Base score"), "bounds": _("Floor / ceiling")}.get(code, code)

    # -- JSON form stored in ScoringModel.spec --
    def to_json(self) -> dict[str, Any]:
        def match(m: Match | None) -> dict[str, Any] | None:
            if m is None:
                return None
            return {"types": list(m.types), "type_groups": list(m.type_groups),
                    "polarity": m.polarity, "severities": list(m.severities)}

        def window(w: Window) -> int | None:
            return w.months

        def decay(d: Decay) -> dict[str, Any]:
            return {"linear": d.linear, "steps": [list(s) for s in d.steps]}

        return {
            "format": 1,
            "code": self.code, "name": self.name, "category": self.category,
            "effective_from": self.effective_from.isoformat(), "description": self.description,
            "base": self.base, "floor": self.floor, "ceiling": self.ceiling,
            "groups": [{"code": g.code, "name": g.name, "cap": g.cap} for g in self.groups],
            "indicators": [
                {"code": i.code, "name": i.name, "kind": i.kind, "fixed": i.fixed,
                 "brackets": [list(b) for b in i.brackets],
                 "mapping": [list(m) for m in i.mapping], "default": i.default,
                 "missing": i.missing, "group": i.group}
                for i in self.indicators
            ],
            "items": [
                {"code": i.code, "name": i.name, "match": match(i.match),
                 "points": {"kind": i.points.kind, "fixed": i.points.fixed,
                            "by_type": [list(x) for x in i.points.by_type],
                            "levels": [list(x) for x in i.points.levels],
                            "amounts": [list(x) for x in i.points.amounts],
                            "default": i.points.default},
                 "window": window(i.window), "decay": decay(i.decay), "cap": i.cap,
                 "group": i.group}
                for i in self.items
            ],
            "vetoes": [
                {"code": v.code, "name": v.name, "match": match(v.match),
                 "window": window(v.window), "min_count": v.min_count,
                 "subject_status": list(v.subject_status), "grade": v.grade, "floor": v.floor}
                for v in self.vetoes
            ],
            "grades": [{"name": g.name, "min": g.min, "or_no_bad_record": g.or_no_bad_record}
                       for g in self.grades],
            "no_records_grade": self.no_records_grade,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        def match(m: dict[str, Any] | None) -> Match | None:
            if m is None:
                return None
            return Match(types=tuple(m["types"]), type_groups=tuple(m["type_groups"]),
                         polarity=m["polarity"], severities=tuple(m["severities"]))

        def decay(d: dict[str, Any]) -> Decay:
            return Decay(linear=d["linear"], steps=tuple((a, b) for a, b in d["steps"]))

        return cls(
            code=data["code"], name=data["name"], category=data["category"],
            effective_from=dt.date.fromisoformat(data["effective_from"]),
            description=data.get("description", ""),
            base=data["base"], floor=data["floor"], ceiling=data["ceiling"],
            groups=tuple(Group(code=g["code"], name=g["name"], cap=g["cap"])
                         for g in data["groups"]),
            indicators=tuple(
                Indicator(code=i["code"], name=i["name"], kind=i["kind"], fixed=i["fixed"],
                          brackets=tuple((a, b) for a, b in i["brackets"]),
                          mapping=tuple((a, b) for a, b in i["mapping"]), default=i["default"],
                          missing=i["missing"], group=i["group"])
                for i in data["indicators"]
            ),
            items=tuple(
                Item(code=i["code"], name=i["name"], match=match(i["match"]) or Match(),
                     points=Points(kind=i["points"]["kind"], fixed=i["points"]["fixed"],
                                   by_type=tuple((a, b) for a, b in i["points"]["by_type"]),
                                   levels=tuple((a, b) for a, b in i["points"]["levels"]),
                                   amounts=tuple((a, b) for a, b in i["points"]["amounts"]),
                                   default=i["points"]["default"]),
                     window=Window(months=i["window"]), decay=decay(i["decay"]), cap=i["cap"],
                     group=i["group"])
                for i in data["items"]
            ),
            vetoes=tuple(
                Veto(code=v["code"], name=v["name"], match=match(v["match"]),
                     window=Window(months=v["window"]), min_count=v["min_count"],
                     subject_status=tuple(v["subject_status"]), grade=v["grade"],
                     floor=v["floor"])
                for v in data["vetoes"]
            ),
            grades=tuple(Grade(name=g["name"], min=g["min"], or_no_bad_record=g["or_no_bad_record"])
                         for g in data["grades"]),
            no_records_grade=data["no_records_grade"],
        )


# --- errors --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.field}: {self.message}" if self.field else str(self.message)
        if self.field:
            return _("line %(line)d, %(field)s: %(message)s") % {
                "line": self.line, "field": self.field, "message": self.message}
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class LanguageError(Exception):
    """The document is not a valid scoring model; `problems` lists every fault found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


# --- locating keys in the source -----------------------------------------------------------------

_HEADER_ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_HEADER_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY = re.compile(r'^\s*([A-Za-z0-9_\-]+|"[^"]*")\s*(?:\.\s*([A-Za-z0-9_\-]+))?\s*=')


class _Lines:
    """Maps field paths like ("item", 2, "cap") to source lines by scanning the text.

    tomllib reports lines only for syntax errors; for a semantic error we find where the key
    was written. Good enough for the flat, one-key-per-line style the language documents;
    when a key cannot be found the line of its table header is used.
    """

    def __init__(self, source: str) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}
        counters: dict[str, int] = {}
        current: tuple[Any, ...] = ()
        for number, text in enumerate(source.splitlines(), start=1):
            if m := _HEADER_ARRAY.match(text):
                name = m.group(1)
                counters[name] = counters.get(name, 0) + 1
                current = (name, counters[name])
                self.lines.setdefault(current, number)
                continue
            if m := _HEADER_TABLE.match(text):
                parts = m.group(1).split(".")
                head = parts[0]
                current = (head, counters[head], *parts[1:]) if head in counters else tuple(parts)
                self.lines.setdefault(current, number)
                continue
            if m := _KEY.match(text):
                key = m.group(1).strip('"')
                path = (*current, key) if m.group(2) is None else (*current, key, m.group(2))
                self.lines.setdefault(path, number)

    def find(self, path: tuple[Any, ...]) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _label(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# --- the parser ----------------------------------------------------------------------------------

class _Parser:
    def __init__(self, source: str, catalogue: dict[str, tuple[str, str, str]] | None) -> None:
        self.source = source
        self.lines = _Lines(source)
        self.problems: list[Problem] = []
        # code -> (group, polarity, severity); None: do not check codes against the catalogue
        self.catalogue = catalogue or None

    # -- reporting --
    def fail(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.lines.find(path), _label(path), message))

    # -- primitive readers; each returns None after reporting a problem --
    def table(self, data: Any, path: tuple[Any, ...], allowed: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(path, _("must be a table"))
            return {}
        for key in data:
            if key not in allowed:
                self.fail((*path, key), _("unknown key (allowed: %(keys)s)")
                          % {"keys": ", ".join(sorted(allowed))})
        return data

    def text(self, data: dict[str, Any], path: tuple[Any, ...], key: str, *,
             required: bool = True, max_length: int = 200) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail((*path, key), _("is required"))
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail((*path, key), _("must be a non-empty string"))
            return ""
        if len(value) > max_length:
            self.fail((*path, key), _("must be at most %(n)d characters") % {"n": max_length})
            return ""
        if any(ord(c) < 32 for c in value):
            self.fail((*path, key), _("must not contain control characters"))
            return ""
        return value.strip()

    def code(self, data: dict[str, Any], path: tuple[Any, ...], key: str = "code") -> str:
        value = self.text(data, path, key, max_length=60)
        if value and not CODE_RE.match(value):
            self.fail((*path, key), _("must be lower-case letters, digits, '-' or '_'"))
            return ""
        return value

    def decimal(self, value: Any, path: tuple[Any, ...], *, places: int = 2,
                non_negative: bool = False) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, _("must be a number"))
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(path, _("must be a number"))
            return None
        if not number.is_finite() or abs(number) > MAX_POINTS:
            self.fail(path, _("must be a finite number of reasonable size"))
            return None
        if non_negative and number < 0:
            self.fail(path, _("must be a non-negative number"))
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.fail(path, _("must have at most %(n)d decimal places") % {"n": places})
            return None
        return number

    def cents(self, value: Any, path: tuple[Any, ...], *, non_negative: bool = False
              ) -> int | None:
        number = self.decimal(value, path, non_negative=non_negative)
        return None if number is None else int(number * 100)

    def integer(self, value: Any, path: tuple[Any, ...], *, minimum: int = 0,
                maximum: int = 1200) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, _("must be a whole number"))
            return None
        if not minimum <= value <= maximum:
            self.fail(path, _("must be between %(lo)d and %(hi)d") % {"lo": minimum,
                                                                      "hi": maximum})
            return None
        return value

    def string_list(self, data: dict[str, Any], path: tuple[Any, ...], key: str,
                    choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            self.fail((*path, key), _("must be a non-empty list of strings"))
            return ()
        if choices is not None:
            for v in value:
                if v not in choices:
                    self.fail((*path, key), _("%(value)s is not one of %(choices)s")
                              % {"value": v, "choices": ", ".join(choices)})
                    return ()
        return tuple(dict.fromkeys(v.strip() for v in value))

    # -- composite readers --
    def match(self, data: dict[str, Any], path: tuple[Any, ...]) -> Match:
        types = self.string_list(data, path, "types")
        groups = self.string_list(data, path, "type_groups")
        polarity = ""
        if "polarity" in data:
            if data["polarity"] not in POLARITIES:
                self.fail((*path, "polarity"), _("must be \"good\" or \"bad\""))
            else:
                polarity = data["polarity"]
        severities = self.string_list(data, path, "severity", SEVERITIES)
        if self.catalogue is not None:
            known_groups = {g for g, _p, _s in self.catalogue.values()}
            for t in types:
                if t not in self.catalogue:
                    self.fail((*path, "types"), _("unknown record type %(code)s") % {"code": t})
            for g in groups:
                if g not in known_groups:
                    self.fail((*path, "type_groups"),
                              _("unknown record-type group %(code)s") % {"code": g})
        return Match(types=types, type_groups=groups, polarity=polarity, severities=severities)

    def window(self, data: dict[str, Any], path: tuple[Any, ...]) -> Window:
        value = data.get("window", "publicity")
        if value == "publicity":
            return Window()
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail((*path, "window"),
                      _("must be \"publicity\" or a whole number of months"))
            return Window()
        months = self.integer(value, (*path, "window"), minimum=1, maximum=240)
        return Window(months=months) if months is not None else Window()

    def decay(self, data: dict[str, Any], path: tuple[Any, ...]) -> Decay:
        value = data.get("decay")
        if value is None:
            return Decay()
        if value == "linear":
            return Decay(linear=True)
        if not isinstance(value, list) or not value:
            self.fail((*path, "decay"),
                      _("must be \"linear\" or a list of [months, factor] steps"))
            return Decay()
        steps: list[tuple[int, int]] = []
        for n, step in enumerate(value, start=1):
            spath = (*path, "decay", n)
            if not isinstance(step, list) or len(step) != 2:
                self.fail(spath, _("each step must be [months, factor]"))
                continue
            months = self.integer(step[0], spath, minimum=1, maximum=240)
            factor = self.decimal(step[1], spath, places=4, non_negative=True)
            if months is None or factor is None:
                continue
            if factor > 1:
                self.fail(spath, _("the factor must be between 0 and 1"))
                continue
            if steps and months <= steps[-1][0]:
                self.fail(spath, _("steps must be in increasing order of months"))
                continue
            steps.append((months, int(factor * BASIS)))
        return Decay(steps=tuple(steps))

    def points(self, data: dict[str, Any], path: tuple[Any, ...]) -> Points:
        given = [k for k in ("points", "type_points", "level_points", "amount_points")
                 if k in data]
        if len(given) != 1:
            self.fail(path, _("give exactly one of points, type_points, level_points, "
                              "amount_points"))
            return Points(kind="fixed")
        default = 0
        if "default" in data:
            default = self.cents(data["default"], (*path, "default")) or 0
        if "points" in data:
            if data["points"] == "catalogue":
                return Points(kind="catalogue")
            fixed = self.cents(data["points"], (*path, "points"))
            return Points(kind="fixed", fixed=fixed or 0)
        if "type_points" in data:
            table = data["type_points"]
            if not isinstance(table, dict) or not table:
                self.fail((*path, "type_points"), _("must be a table of record type = points"))
                return Points(kind="type")
            by_type = []
            for code, value in table.items():
                if self.catalogue is not None and code not in self.catalogue:
                    self.fail((*path, "type_points", code),
                              _("unknown record type %(code)s") % {"code": code})
                pts = self.cents(value, (*path, "type_points", code))
                if pts is not None:
                    by_type.append((str(code), pts))
            return Points(kind="type", by_type=tuple(by_type), default=default)
        if "level_points" in data:
            table = data["level_points"]
            if not isinstance(table, dict) or not table:
                self.fail((*path, "level_points"), _("must be a table of level = points"))
                return Points(kind="level")
            levels = []
            for level, value in table.items():
                pts = self.cents(value, (*path, "level_points", level))
                if pts is not None:
                    levels.append((str(level), pts))
            return Points(kind="level", levels=tuple(levels), default=default)
        brackets = data["amount_points"]
        if not isinstance(brackets, list) or not brackets:
            self.fail((*path, "amount_points"),
                      _("must be a list of [at least amount (yuan), points]"))
            return Points(kind="amount")
        amounts: list[tuple[int, int]] = []
        for n, pair in enumerate(brackets, start=1):
            bpath = (*path, "amount_points", n)
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(bpath, _("each bracket must be [at least amount (yuan), points]"))
                continue
            low = self.cents(pair[0], bpath, non_negative=True)
            pts = self.cents(pair[1], bpath)
            if low is None or pts is None:
                continue
            if amounts and low <= amounts[-1][0]:
                self.fail(bpath, _("brackets must be in increasing order of amount"))
                continue
            amounts.append((low, pts))
        return Points(kind="amount", amounts=tuple(amounts), default=default)

    def cap(self, data: dict[str, Any], path: tuple[Any, ...]) -> int | None:
        if "cap" not in data:
            return None
        return self.cents(data["cap"], (*path, "cap"), non_negative=True)

    # -- the document --
    def parse(self) -> Spec | None:
        try:
            doc = tomllib.loads(self.source)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            line = int(m.group(1)) if m else None
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            self.problems.append(Problem(line, "", _("TOML syntax error: %(reason)s")
                                         % {"reason": reason}))
            return None
        self.table(doc, (), {"model", "score", "group", "indicator", "item", "veto", "grade",
                             "grading"})

        model = self.table(doc.get("model", {}), ("model",),
                           {"code", "name", "category", "effective_from", "description"})
        if "model" not in doc:
            self.fail(("model",), _("the [model] table is required"))
        code = self.code(model, ("model",))
        name = self.text(model, ("model",), "name")
        description = self.text(model, ("model",), "description", required=False,
                                max_length=2000)
        category = model.get("category")
        if category not in CATEGORIES:
            self.fail(("model", "category"), _("must be one of %(choices)s")
                      % {"choices": ", ".join(CATEGORIES)})
            category = ""
        effective = model.get("effective_from")
        if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
            self.fail(("model", "effective_from"), _("must be a date such as 2025-01-01"))
            effective = dt.date(1970, 1, 1)

        score = self.table(doc.get("score", {}), ("score",), {"base", "floor", "ceiling"})
        base = self.cents(score.get("base", 0), ("score", "base")) or 0
        floor = self.cents(score["floor"], ("score", "floor")) if "floor" in score else None
        ceiling = (self.cents(score["ceiling"], ("score", "ceiling"))
                   if "ceiling" in score else None)
        if floor is not None and ceiling is not None and floor > ceiling:
            self.fail(("score", "ceiling"), _("must not be below the floor"))

        codes: dict[str, tuple[Any, ...]] = {}

        def claim(rule_code: str, path: tuple[Any, ...]) -> None:
            if not rule_code:
                return
            if rule_code in RESERVED_CODES:
                self.fail((*path, "code"), _("%(code)s is reserved") % {"code": rule_code})
            elif rule_code in codes:
                self.fail((*path, "code"), _("the code %(code)s is already used by %(other)s")
                          % {"code": rule_code, "other": _label(codes[rule_code])})
            else:
                codes[rule_code] = path

        groups: list[Group] = []
        for n, raw in enumerate(self.array(doc, "group"), start=1):
            path = ("group", n)
            data = self.table(raw, path, {"code", "name", "cap"})
            g = Group(code=self.code(data, path), name=self.text(data, path, "name"),
                      cap=self.cap(data, path))
            claim(g.code, path)
            groups.append(g)
        group_codes = {g.code for g in groups}

        def group_of(data: dict[str, Any], path: tuple[Any, ...]) -> str:
            value = data.get("group", "")
            if value and value not in group_codes:
                self.fail((*path, "group"), _("no [[group]] has the code %(code)s")
                          % {"code": value})
                return ""
            return value

        indicators: list[Indicator] = []
        for n, raw in enumerate(self.array(doc, "indicator"), start=1):
            path = ("indicator", n)
            data = self.table(raw, path, {"code", "name", "group", "fixed", "years_in_business",
                                          "qualification", "default", "missing"})
            indicator = self.indicator(data, path, group_of(data, path))
            claim(indicator.code, path)
            indicators.append(indicator)

        items: list[Item] = []
        for n, raw in enumerate(self.array(doc, "item"), start=1):
            path = ("item", n)
            data = self.table(raw, path, {
                "code", "name", "group", "types", "type_groups", "polarity", "severity",
                "points", "type_points", "level_points", "amount_points", "default", "cap",
                "window", "decay"})
            match = self.match(data, path)
            if match.is_empty and isinstance(data.get("type_points"), dict):
                # type_points alone says which types count: exactly those it lists
                match = Match(types=tuple(str(k) for k in data["type_points"]))
            if match.is_empty:
                self.fail(path, _("say which records count: types, type_groups, polarity "
                                  "or severity"))
            item = Item(code=self.code(data, path), name=self.text(data, path, "name"),
                        match=match, points=self.points(data, path),
                        window=self.window(data, path), decay=self.decay(data, path),
                        cap=self.cap(data, path), group=group_of(data, path))
            claim(item.code, path)
            items.append(item)

        grades: list[Grade] = []
        for n, raw in enumerate(self.array(doc, "grade"), start=1):
            path = ("grade", n)
            data = self.table(raw, path, {"name", "min", "or_no_bad_record"})
            gname = self.text(data, path, "name", max_length=20)
            minimum = self.cents(data["min"], (*path, "min")) if "min" in data else None
            flag = data.get("or_no_bad_record", False)
            if not isinstance(flag, bool):
                self.fail((*path, "or_no_bad_record"), _("must be true or false"))
                flag = False
            if gname in {g.name for g in grades}:
                self.fail((*path, "name"), _("the grade %(name)s is listed twice")
                          % {"name": gname})
            grades.append(Grade(name=gname, min=minimum, or_no_bad_record=flag))
        self.check_grades(grades)
        grade_names = {g.name for g in grades}

        grading = self.table(doc.get("grading", {}), ("grading",), {"no_records"})
        no_records = ""
        if "no_records" in grading:
            no_records = self.text(grading, ("grading",), "no_records", max_length=20)
            if no_records and grades and no_records not in grade_names:
                self.fail(("grading", "no_records"), _("must be one of the grades"))

        vetoes: list[Veto] = []
        for n, raw in enumerate(self.array(doc, "veto"), start=1):
            path = ("veto", n)
            data = self.table(raw, path, {"code", "name", "types", "type_groups", "polarity",
                                          "severity", "window", "min_count", "subject_status",
                                          "grade", "floor"})
            match = self.match(data, path)
            statuses = self.string_list(data, path, "subject_status", SUBJECT_STATUSES)
            if match.is_empty and not statuses:
                self.fail(path, _("say when the rule applies: record criteria "
                                  "(types, type_groups, polarity, severity) or subject_status"))
            fixed = self.text(data, path, "grade", required=False, max_length=20)
            floor_grade = self.text(data, path, "floor", required=False, max_length=20)
            if bool(fixed) == bool(floor_grade):
                self.fail(path, _("give exactly one of grade (fixes the grade) or floor "
                                  "(lifts it to at least that grade)"))
            if floor_grade and grades and floor_grade not in grade_names:
                self.fail((*path, "floor"), _("must be one of the grades"))
            min_count = 1
            if "min_count" in data:
                min_count = self.integer(data["min_count"], (*path, "min_count"), minimum=1,
                                         maximum=1000) or 1
            veto = Veto(code=self.code(data, path), name=self.text(data, path, "name"),
                        match=None if match.is_empty else match,
                        window=self.window(data, path), min_count=min_count,
                        subject_status=statuses, grade=fixed, floor=floor_grade)
            claim(veto.code, path)
            vetoes.append(veto)

        if self.problems:
            return None
        return Spec(code=code, name=name, category=category, effective_from=effective,
                    description=description, base=base, floor=floor, ceiling=ceiling,
                    groups=tuple(groups), indicators=tuple(indicators), items=tuple(items),
                    vetoes=tuple(vetoes), grades=tuple(grades), no_records_grade=no_records)

    def array(self, doc: dict[str, Any], key: str) -> list[Any]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            self.fail((key,), _("write each entry as [[%(key)s]]") % {"key": key})
            return []
        return value

    def indicator(self, data: dict[str, Any], path: tuple[Any, ...], group: str) -> Indicator:
        code, name = self.code(data, path), self.text(data, path, "name")
        kinds = [k for k in ("fixed", "years_in_business", "qualification") if k in data]
        if len(kinds) != 1:
            self.fail(path, _("give exactly one of fixed, years_in_business, qualification"))
            return Indicator(code=code, name=name, kind="fixed", group=group)
        kind = kinds[0]
        default = self.cents(data.get("default", 0), (*path, "default")) or 0
        if kind == "fixed":
            return Indicator(code=code, name=name, kind=kind, group=group,
                             fixed=self.cents(data["fixed"], (*path, "fixed")) or 0)
        if kind == "qualification":
            table = data["qualification"]
            if not isinstance(table, dict) or not table:
                self.fail((*path, "qualification"),
                          _("must be a table of \"qualification\" = points"))
                return Indicator(code=code, name=name, kind=kind, group=group)
            mapping = []
            for value, pts in table.items():
                cents = self.cents(pts, (*path, "qualification", value))
                if cents is not None:
                    mapping.append((str(value), cents))
            return Indicator(code=code, name=name, kind=kind, group=group,
                             mapping=tuple(mapping), default=default)
        raw = data["years_in_business"]
        if not isinstance(raw, list) or not raw:
            self.fail((*path, "years_in_business"),
                      _("must be a list of [at least N full years, points]"))
            return Indicator(code=code, name=name, kind=kind, group=group)
        brackets: list[tuple[int, int]] = []
        for n, pair in enumerate(raw, start=1):
            bpath = (*path, "years_in_business", n)
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(bpath, _("each bracket must be [at least N full years, points]"))
                continue
            years = self.integer(pair[0], bpath, minimum=0, maximum=200)
            pts = self.cents(pair[1], bpath)
            if years is None or pts is None:
                continue
            if years in {y for y, _p in brackets}:
                self.fail(bpath, _("the bracket for %(n)d years is listed twice") % {"n": years})
                continue
            brackets.append((years, pts))
        brackets.sort(reverse=True)
        missing = self.cents(data.get("missing", 0), (*path, "missing")) or 0
        return Indicator(code=code, name=name, kind=kind, group=group,
                         brackets=tuple(brackets), default=default, missing=missing)

    def check_grades(self, grades: list[Grade]) -> None:
        if not grades:
            self.fail(("grade",), _("at least one [[grade]] is required"))
            return
        for n, g in enumerate(grades, start=1):
            last = n == len(grades)
            if last and (g.min is not None or g.or_no_bad_record):
                self.fail(("grade", n), _("the last grade catches every other score: "
                                          "give it no min and no or_no_bad_record"))
            if not last and g.min is None:
                self.fail(("grade", n, "min"), _("is required for every grade but the last"))
            if n > 1 and g.min is not None and grades[n - 2].min is not None \
                    and g.min >= grades[n - 2].min:
                self.fail(("grade", n, "min"),
                          _("must be lower than the grade before (list grades best first)"))


def parse(source: str, *, catalogue: dict[str, tuple[str, str, str]] | None = None) -> Spec:
    """Parse and validate a model document; raise `LanguageError` listing every problem.

    `catalogue` (record-type code → (group, polarity, severity)) lets unknown type codes and
    groups be reported at upload; without it only the document itself is checked.
    """
    parser = _Parser(source, catalogue)
    spec = parser.parse()
    if spec is None:
        raise LanguageError(parser.problems)
    return spec
