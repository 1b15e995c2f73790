"""The scoring-model language: a small TOML vocabulary, parsed with `tomllib` and validated.

Why a language at all: there is no national point formula for housing subjects. 住建部 sets
the framework (record types, disclosure periods, black-list criteria) and 国办发〔2019〕35号 asks
for graded, classified supervision, but the base score, bonuses, deductions, caps, validity
windows, veto rules and grade cut-offs are each province's and county's own, so they live in a
versioned document, not in code. The vocabulary is
documented, with an example per construct, in `scoring/README-language.md`.

The document is validated by declarative pydantic models, one per TOML table (`Document`,
`ItemEntry`, ...): which keys a table allows, which are required, and each value's type. Every
error names the line and the field ("line 12, item[2].cap: must be a non-negative number"), so
an administrator can fix an upload without reading code: pydantic's error location is mapped
to the field path and the path to the line where the key was written (`_Lines`). Array entries
are counted from 1, as a person counts them ("the 2nd [[item]]").

All money-like quantities become integer hundredths ("cents") here, so the plain evaluator and
the SQL engine compute with the same integers and agree to the last cent on every database.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

CATEGORIES = ("developer", "property_service", "brokerage", "rental", "builder", "practitioner")
POLARITIES = ("good", "bad")
SEVERITIES = ("general", "serious", "severe")
SUBJECT_STATUSES = ("active", "cancelled", "revoked")
# Kinds of source (`accounts.models.Department.SourceKind`, checked equal by a test): whose
# records a model counts, and at what weight, is the model's `[sources]` table.
SOURCE_KINDS = ("government", "rating_agency", "association")
RESERVED_CODES = ("base", "bounds")
BASIS = 10_000  # decay factors are stored in basis points (1.0 == 10000)
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_POINTS = Decimal("1000000")
# Weights by kind of source when a model says nothing: a government department's record counts
# at its full points; a rating agency's rating or an association's self-regulation record
# counts for nothing (no points, no veto, not even "a record"), so a third party can change a
# grade only where the published model says so (国办发〔2019〕35号 keeps public credit
# information, which authorities produce, apart from market ratings and self-regulation).
DEFAULT_SOURCE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("government", BASIS), ("rating_agency", 0), ("association", 0))
# A version stored before the language had `[sources]` counted every record at its full points;
# it is read back with that meaning, so a published version keeps grading as it was published.
LEGACY_SOURCE_WEIGHTS: tuple[tuple[str, int], ...] = tuple((k, BASIS) for k in SOURCE_KINDS)


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
    """Points from the subject itself: basic information, years in business, qualification."""

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
    sources: tuple[tuple[str, int], ...] = DEFAULT_SOURCE_WEIGHTS  # (kind, weight in bp)
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

    def source_weight(self, kind: str) -> int:
        """The weight (basis points) of a record from a source of this kind; 0: not used at all.

        A kind the model does not know (a department with a kind added after the language)
        counts for nothing, like a third party: only a model that names it can count it.
        """
        return dict(self.sources).get(kind, 0)

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
            "format": 2,
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
            "sources": dict(self.sources),
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
            sources=tuple((k, data["sources"].get(k, 0)) for k in SOURCE_KINDS)
            if "sources" in data else LEGACY_SOURCE_WEIGHTS,
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
                self.lines.setdefault((name,), number)  # the array itself: its first entry
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


# --- reporting problems from validators ----------------------------------------------------------
#
# pydantic keeps one error per value and names it by `loc` (a path with 0-based indices). Our
# validators raise `_problem`: the message shown to the administrator, optionally at a
# sub-path of the value (a bracket, a table key) and with further problems found in the same
# value, so that one pass still lists every fault. `_problems_of` turns the errors into
# `Problem`s: `loc` + sub-path becomes the field path, entries counted from 1, and `_Lines`
# finds its line in the source.

Path = tuple[str | int, ...]
Found = list[tuple[Path, str]]
_PROBLEM = "scoring_language"


def _problem(message: str, *at: str | int, more: Sequence[tuple[Path, str]] = ()
             ) -> PydanticCustomError:
    return PydanticCustomError(_PROBLEM, "{message}",
                               {"message": str(message), "at": at, "more": tuple(more)})


def _unpack(ctx: dict[str, Any] | None) -> Found:
    """The (sub-path, message) pairs a `_problem` carries in its context."""
    ctx = ctx or {}
    return [(ctx["at"], ctx["message"]), *ctx["more"]]


class _Found:
    """Problems found by one validator, raised together as one pydantic error."""

    def __init__(self) -> None:
        self.problems: Found = []

    def add(self, message: str, *at: str | int) -> None:
        self.problems.append((at, str(message)))

    def check(self, validate: Callable[[Any], Any], value: Any, *at: str | int) -> Any:
        """`validate(value)`, or None after noting its problems (at `at`)."""
        try:
            return validate(value)
        except PydanticCustomError as exc:
            self.problems.extend(((*at, *sub), msg) for sub, msg in _unpack(exc.context))
            return None

    def raise_any(self) -> None:
        if self.problems:
            (at, message), *more = self.problems
            raise _problem(message, *at, more=more)


def _located(error: ErrorDetails) -> Found:
    """(path, message) for one pydantic error; pydantic's own checks get our wording."""
    loc = tuple(error["loc"])
    if error["type"] == _PROBLEM:
        return [((*loc, *at), message) for at, message in _unpack(error.get("ctx"))]
    return [(loc, _builtin_message(error, loc))]


def _builtin_message(error: ErrorDetails, loc: Path) -> str:
    kind = error["type"]
    if kind == "missing":
        return _("the [model] table is required") if loc == ("model",) else _("is required")
    if kind == "extra_forbidden" and loc[:-1] == ("sources",):
        return _("unknown kind of source %(kind)s (allowed: %(kinds)s)") % {
            "kind": loc[-1], "kinds": ", ".join(SOURCE_KINDS)}
    if kind == "extra_forbidden":
        return _("unknown key (allowed: %(keys)s)") % {"keys": ", ".join(sorted(
            _table_at(loc[:-1]).model_fields))}
    if kind == "list_type" and len(loc) == 1:
        return _("write each entry as [[%(key)s]]") % {"key": loc[0]}
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be a table")
    return str(error["msg"])  # not reached by a TOML document: every value has our validator


def _problems_of(exc: ValidationError, lines: _Lines) -> list[Problem]:
    problems = []
    for error in exc.errors():
        for loc, message in _located(error):
            path = tuple(p + 1 if isinstance(p, int) else p for p in loc)  # entries from 1
            problems.append(Problem(lines.find(path), _label(path), message))
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def _nested(adapter: TypeAdapter[Any], value: Any) -> Any:
    """Validate `value` with `adapter`, re-raising its errors as problems of this value."""
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        (at, message), *more = [p for error in exc.errors() for p in _located(error)]
        raise _problem(message, *at, more=more) from None


# --- value types: each TOML value becomes what the evaluators compute with ----------------------

def _text(max_length: int) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _problem(_("must be a non-empty string"))
        if len(value) > max_length:
            raise _problem(_("must be at most %(n)d characters") % {"n": max_length})
        if any(ord(c) < 32 for c in value):
            raise _problem(_("must not contain control characters"))
        return value.strip()
    return validate


def _code(value: Any) -> str:
    code = _text(60)(value)
    if not CODE_RE.match(code):
        raise _problem(_("must be lower-case letters, digits, '-' or '_'"))
    return code


def _decimal(value: Any, *, places: int = 2, non_negative: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _problem(_("must be a number"))
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) > MAX_POINTS:
        raise _problem(_("must be a finite number of reasonable size"))
    if non_negative and number < 0:
        raise _problem(_("must be a non-negative number"))
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _problem(_("must have at most %(n)d decimal places") % {"n": places})
    return number


def _cents(value: Any) -> int:
    """Points, thresholds: at most two decimals, as integer hundredths."""
    return int(_decimal(value) * 100)


def _size(value: Any) -> int:
    """Caps and amounts: like `_cents`, never negative."""
    return int(_decimal(value, non_negative=True) * 100)


def _factor(value: Any) -> int:
    """A decay factor between 0 and 1 (four decimals), in basis points."""
    factor = _decimal(value, places=4, non_negative=True)
    if factor > 1:
        raise _problem(_("the factor must be between 0 and 1"))
    return int(factor * BASIS)


def _weight(value: Any) -> int:
    """A source's weight between 0 (not counted) and 1 (full points), in basis points."""
    weight = _decimal(value, places=4, non_negative=True)
    if weight > 1:
        raise _problem(_("a weight must be between 0 (not counted) and 1 (full points)"))
    return int(weight * BASIS)


def _whole(minimum: int, maximum: int) -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _problem(_("must be a whole number"))
        if not minimum <= value <= maximum:
            raise _problem(_("must be between %(lo)d and %(hi)d") % {"lo": minimum,
                                                                     "hi": maximum})
        return value
    return validate


def _one_of(choices: tuple[str, ...], message: Callable[[], str]) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _problem(message())
        return value
    return validate


def _strings(choices: tuple[str, ...] | None = None) -> Callable[[Any], tuple[str, ...]]:
    """A list of strings (a single string is a list of one); lists mean "any of"."""
    def validate(value: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(
                isinstance(v, str) and v.strip() for v in values):
            raise _problem(_("must be a non-empty list of strings"))
        for v in values:
            if choices is not None and v not in choices:
                raise _problem(_("%(value)s is not one of %(choices)s")
                               % {"value": v, "choices": ", ".join(choices)})
        return tuple(dict.fromkeys(v.strip() for v in values))
    return validate


def _unknown(codes: Sequence[str], known: Callable[[dict[str, Any]], set[str]] | None,
             info: ValidationInfo, message: Callable[[], str], *, keyed: bool = False) -> None:
    """Report codes the record catalogue (given at upload, `info.context`) does not know;
    `keyed`: each at its own key (a table of points by type)."""
    catalogue = (info.context or {}).get("catalogue")
    if catalogue is None:
        return
    names = set(catalogue) if known is None else known(catalogue)
    found = _Found()
    for code in codes:
        if code not in names:
            found.add(message() % {"code": code}, *([code] if keyed else []))
    found.raise_any()


def _record_types(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    codes = _strings()(value)
    _unknown(codes, None, info, lambda: _("unknown record type %(code)s"))
    return codes


def _record_groups(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    codes = _strings()(value)
    _unknown(codes, lambda catalogue: {g for g, _p, _s in catalogue.values()}, info,
             lambda: _("unknown record-type group %(code)s"))
    return codes


def _typed_points(points: dict[str, int], info: ValidationInfo) -> dict[str, int]:
    _unknown(list(points), None, info, lambda: _("unknown record type %(code)s"), keyed=True)
    return points


def _date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _problem(_("must be a date such as 2025-01-01"))
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _problem(_("must be true or false"))
    return value


def _window(value: Any) -> Window:
    if value == "publicity":
        return Window()
    if isinstance(value, bool) or not isinstance(value, int):
        raise _problem(_("must be \"publicity\" or a whole number of months"))
    return Window(months=_whole(1, 240)(value))


def _points(value: Any) -> int | str:
    return "catalogue" if value == "catalogue" else _cents(value)


def _non_empty(kind: type, message: Callable[[], str]) -> BeforeValidator:
    """The value must be a non-empty list (or table); checked before its entries."""
    def validate(value: Any) -> Any:
        if not isinstance(value, kind) or not value:
            raise _problem(message())
        return value
    return BeforeValidator(validate)


def _pair(first: Callable[[Any], int], second: Callable[[Any], int],
          message: Callable[[], str]) -> PlainValidator:
    """A bracket `[a, b]`; a problem in either number is reported at the bracket."""
    def validate(value: Any) -> tuple[int, int]:
        if not isinstance(value, list) or len(value) != 2:
            raise _problem(message())
        found = _Found()
        a, b = found.check(first, value[0]), found.check(second, value[1])
        found.raise_any()
        return a, b
    return PlainValidator(validate)


def _increasing(message: Callable[[], str]) -> AfterValidator:
    """Brackets listed with their first number strictly increasing."""
    def validate(pairs: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
        found = _Found()
        for n in range(1, len(pairs)):
            if pairs[n][0] <= pairs[n - 1][0]:
                found.add(message(), n)
        found.raise_any()
        return tuple(pairs)
    return AfterValidator(validate)


def _distinct_years(pairs: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Year brackets given in any order, each once; kept most years first (first reached)."""
    found, seen = _Found(), set()
    for n, (years, _points) in enumerate(pairs):
        if years in seen:
            found.add(_("the bracket for %(n)d years is listed twice") % {"n": years}, n)
        seen.add(years)
    found.raise_any()
    return tuple(sorted(pairs, reverse=True))


# The value types of the language: a field declares one and gets its check and its message.
Text = Annotated[str, PlainValidator(_text(200))]
LongText = Annotated[str, PlainValidator(_text(2000))]
GradeName = Annotated[str, PlainValidator(_text(20))]
GroupRef = Annotated[str, PlainValidator(_text(60))]  # a [[group]] code, checked by `Document`
Code = Annotated[str, PlainValidator(_code)]
Cents = Annotated[int, PlainValidator(_cents)]
Size = Annotated[int, PlainValidator(_size)]
Day = Annotated[dt.date, PlainValidator(_date)]
Flag = Annotated[bool, PlainValidator(_flag)]
Weight = Annotated[int, PlainValidator(_weight)]
Category = Annotated[str, PlainValidator(_one_of(
    CATEGORIES, lambda: _("must be one of %(choices)s") % {"choices": ", ".join(CATEGORIES)}))]
Polarity = Annotated[str, PlainValidator(_one_of(POLARITIES,
                                                 lambda: _("must be \"good\" or \"bad\"")))]
RecordTypes = Annotated[tuple[str, ...], PlainValidator(_record_types)]
RecordGroups = Annotated[tuple[str, ...], PlainValidator(_record_groups)]
Severities = Annotated[tuple[str, ...], PlainValidator(_strings(SEVERITIES))]
Statuses = Annotated[tuple[str, ...], PlainValidator(_strings(SUBJECT_STATUSES))]
MinCount = Annotated[int, PlainValidator(_whole(1, 1000))]
WindowRule = Annotated[Window, PlainValidator(_window)]
FixedPoints = Annotated[int | str, PlainValidator(_points)]
TypePoints = Annotated[
    dict[str, Cents], _non_empty(dict, lambda: _("must be a table of record type = points")),
    AfterValidator(_typed_points)]
LevelPoints = Annotated[
    dict[str, Cents], _non_empty(dict, lambda: _("must be a table of level = points"))]
Qualifications = Annotated[
    dict[str, Cents],
    _non_empty(dict, lambda: _("must be a table of \"qualification\" = points"))]
AmountBrackets = Annotated[
    list[Annotated[tuple[int, int], _pair(
        _size, _cents, lambda: _("each bracket must be [at least amount (yuan), points]"))]],
    _non_empty(list, lambda: _("must be a list of [at least amount (yuan), points]")),
    _increasing(lambda: _("brackets must be in increasing order of amount"))]
YearBrackets = Annotated[
    list[Annotated[tuple[int, int], _pair(
        _whole(0, 200), _cents,
        lambda: _("each bracket must be [at least N full years, points]"))]],
    _non_empty(list, lambda: _("must be a list of [at least N full years, points]")),
    AfterValidator(_distinct_years)]
_DECAY_STEPS: TypeAdapter[tuple[tuple[int, int], ...]] = TypeAdapter(Annotated[
    list[Annotated[tuple[int, int], _pair(
        _whole(1, 240), _factor, lambda: _("each step must be [months, factor]"))]],
    _increasing(lambda: _("steps must be in increasing order of months"))])


def _decay(value: Any) -> Decay:
    if value == "linear":
        return Decay(linear=True)
    if not isinstance(value, list) or not value:
        raise _problem(_("must be \"linear\" or a list of [months, factor] steps"))
    return Decay(steps=_nested(_DECAY_STEPS, value))


DecayRule = Annotated[Decay, PlainValidator(_decay)]


# --- the document: one model per TOML table ------------------------------------------------------

@dataclass(frozen=True)
class KeyRule:
    """Which keys of a table go together: `exactly` one of them, or at least one."""

    keys: tuple[str, ...]
    message: Callable[[], str]
    exactly: bool = False

    def broken(self, table: dict[str, Any]) -> bool:
        given = sum(key in table for key in self.keys)
        return given != 1 if self.exactly else given == 0


class _Table(BaseModel):
    """A TOML table: only the declared keys (a typo must not switch a rule off).

    `key_rules` (and `check_written`) are checked on the table as written, whether or not its
    values are valid, so an entry missing its points is reported in the same pass as a wrong
    number in it: pydantic alone would run a table's own checks only once its values pass.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    key_rules: ClassVar[tuple[KeyRule, ...]] = ()

    @classmethod
    def check_written(cls, table: dict[str, Any], found: _Found) -> None:
        """Rules on the table as written, checked whether or not its values are valid."""
        for rule in cls.key_rules:
            if rule.broken(table):
                found.add(rule.message())

    @model_validator(mode="wrap")
    @classmethod
    def _with_written_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        found = _Found()
        if isinstance(data, dict):
            cls.check_written(data, found)
        try:
            table = handler(data)
        except ValidationError as exc:
            raise _merged(found, exc) from None
        found.raise_any()
        return table


def _merged(found: _Found, exc: ValidationError) -> ValidationError:
    """`found` (at the table) followed by the errors of its keys, as one ValidationError."""
    details = [InitErrorDetails(type=_problem(message), loc=at, input=None)
               for at, message in found.problems]
    for error in exc.errors():
        kind: str | PydanticCustomError = error["type"]
        if kind == _PROBLEM:
            (at, message), *more = _unpack(error.get("ctx"))
            kind = _problem(message, *at, more=more)
        detail = InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])
        if "ctx" in error and not isinstance(kind, PydanticCustomError):
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(exc.title, details)


class ModelTable(_Table):
    """`[model]`: identity. A missing category or date gets the same message as a wrong one."""

    code: Code
    name: Text
    category: Category = Field(default=None, validate_default=True)  # type: ignore[assignment]
    effective_from: Day = Field(default=None, validate_default=True)  # type: ignore[assignment]
    description: LongText = ""


class ScoreTable(_Table):
    """`[score]`: base, and the optional floor and ceiling of the total."""

    base: Cents = 0
    floor: Cents | None = None
    ceiling: Cents | None = None

    @model_validator(mode="after")
    def _ceiling_above_floor(self) -> ScoreTable:
        if self.floor is not None and self.ceiling is not None and self.floor > self.ceiling:
            raise _problem(_("must not be below the floor"), "ceiling")
        return self


class GroupEntry(_Table):
    """`[[group]]`: a cap over several items or indicators."""

    code: Code
    name: Text
    cap: Size | None = None

    def rule(self) -> Group:
        return Group(code=self.code, name=self.name, cap=self.cap)


class IndicatorEntry(_Table):
    """`[[indicator]]`: points from the subject itself; exactly one kind."""

    code: Code
    name: Text
    group: GroupRef = ""
    fixed: Cents | None = None
    years_in_business: YearBrackets | None = None
    qualification: Qualifications | None = None
    default: Cents = 0
    missing: Cents = 0

    key_rules = (KeyRule(
        ("fixed", "years_in_business", "qualification"), exactly=True,
        message=lambda: _("give exactly one of fixed, years_in_business, qualification")),)

    def rule(self) -> Indicator:
        common = {"code": self.code, "name": self.name, "group": self.group}
        if self.fixed is not None:
            return Indicator(kind="fixed", fixed=self.fixed, **common)
        if self.qualification is not None:
            return Indicator(kind="qualification", mapping=tuple(self.qualification.items()),
                             default=self.default, **common)
        return Indicator(kind="years_in_business", brackets=self.years_in_business or (),
                         default=self.default, missing=self.missing, **common)


class _Criteria(_Table):
    """Which records a rule concerns: all given criteria must hold; lists mean "any of"."""

    types: RecordTypes = ()
    type_groups: RecordGroups = ()
    polarity: Polarity = ""
    severity: Severities = ()

    def criteria(self) -> Match:
        return Match(types=self.types, type_groups=self.type_groups, polarity=self.polarity,
                     severities=self.severity)


class ItemEntry(_Criteria):
    """`[[item]]`: points per record; exactly one way of giving points."""

    code: Code
    name: Text
    group: GroupRef = ""
    points: FixedPoints | None = None
    type_points: TypePoints | None = None
    level_points: LevelPoints | None = None
    amount_points: AmountBrackets | None = None
    default: Cents = 0
    cap: Size | None = None
    window: WindowRule = Window()
    decay: DecayRule = Decay()

    key_rules = (
        KeyRule(("types", "type_groups", "polarity", "severity", "type_points"), message=lambda: _(
            "say which records count: types, type_groups, polarity or severity")),
        KeyRule(("points", "type_points", "level_points", "amount_points"), exactly=True,
                message=lambda: _("give exactly one of points, type_points, level_points, "
                                  "amount_points")),
    )

    def match(self) -> Match:
        """The criteria; `type_points` alone says which types count: exactly those it lists."""
        criteria = self.criteria()
        if criteria.is_empty and self.type_points is not None:
            return Match(types=tuple(self.type_points))
        return criteria

    def points_rule(self) -> Points:
        if self.points == "catalogue":
            return Points(kind="catalogue")
        if isinstance(self.points, int):
            return Points(kind="fixed", fixed=self.points)
        if self.type_points is not None:
            return Points(kind="type", by_type=tuple(self.type_points.items()),
                          default=self.default)
        if self.level_points is not None:
            return Points(kind="level", levels=tuple(self.level_points.items()),
                          default=self.default)
        return Points(kind="amount", amounts=self.amount_points or (), default=self.default)

    def rule(self) -> Item:
        return Item(code=self.code, name=self.name, match=self.match(),
                    points=self.points_rule(), window=self.window, decay=self.decay,
                    cap=self.cap, group=self.group)


class VetoEntry(_Criteria):
    """`[[veto]]`: fixes the grade (`grade`, 一票否决) or lifts it to a floor (`floor`)."""

    code: Code
    name: Text
    window: WindowRule = Window()
    min_count: MinCount = 1
    subject_status: Statuses = ()
    grade: GradeName = ""
    floor: GradeName = ""

    key_rules = (
        KeyRule(("types", "type_groups", "polarity", "severity", "subject_status"),
                message=lambda: _("say when the rule applies: record criteria (types, "
                                  "type_groups, polarity, severity) or subject_status")),
        KeyRule(("grade", "floor"), exactly=True,
                message=lambda: _("give exactly one of grade (fixes the grade) or floor "
                                  "(lifts it to at least that grade)")),
    )

    def rule(self) -> Veto:
        criteria = self.criteria()
        return Veto(code=self.code, name=self.name,
                    match=None if criteria.is_empty else criteria, window=self.window,
                    min_count=self.min_count, subject_status=self.subject_status,
                    grade=self.grade, floor=self.floor)


class GradeEntry(_Table):
    """`[[grade]]`: a threshold grade, best first; the last one catches every other score."""

    name: GradeName
    min: Cents | None = None
    or_no_bad_record: Flag = False

    def rule(self) -> Grade:
        return Grade(name=self.name, min=self.min, or_no_bad_record=self.or_no_bad_record)


def _grade_ladder(grades: list[GradeEntry]) -> list[GradeEntry]:
    """Names once each; thresholds strictly descending; the last grade has no threshold."""
    if not grades:
        raise _problem(_("at least one [[grade]] is required"))
    found, seen = _Found(), set()
    for n, grade in enumerate(grades):
        if grade.name in seen:
            found.add(_("the grade %(name)s is listed twice") % {"name": grade.name}, n, "name")
        seen.add(grade.name)
    _thresholds(grades, found)
    found.raise_any()
    return grades


def _thresholds(grades: list[GradeEntry], found: _Found) -> None:
    for n, grade in enumerate(grades):
        if n == len(grades) - 1:
            if grade.min is not None or grade.or_no_bad_record:
                found.add(_("the last grade catches every other score: "
                            "give it no min and no or_no_bad_record"), n)
        elif grade.min is None:
            found.add(_("is required for every grade but the last"), n, "min")
        previous = grades[n - 1].min if n else None
        if previous is not None and grade.min is not None and grade.min >= previous:
            found.add(_("must be lower than the grade before (list grades best first)"),
                      n, "min")


class GradingTable(_Table):
    """`[grading]`: the grade of a subject none of whose records counts."""

    no_records: GradeName = ""


class SourcesTable(_Table):
    """`[sources]`: how much a record counts by the kind of its source department.

    A weight multiplies the record's points (after decay); a weight of 0 leaves the source's
    records out entirely. Unset kinds keep `DEFAULT_SOURCE_WEIGHTS`: a third party's record
    changes no grade unless the published model gives its kind a weight.
    """

    government: Weight = dict(DEFAULT_SOURCE_WEIGHTS)["government"]
    rating_agency: Weight = dict(DEFAULT_SOURCE_WEIGHTS)["rating_agency"]
    association: Weight = dict(DEFAULT_SOURCE_WEIGHTS)["association"]

    def weights(self) -> tuple[tuple[str, int], ...]:
        return tuple((kind, getattr(self, kind)) for kind in SOURCE_KINDS)


class Document(_Table):
    """The whole model document: its tables, and the references between them."""

    model: ModelTable
    score: ScoreTable = Field(default_factory=ScoreTable)
    group: list[GroupEntry] = []
    indicator: list[IndicatorEntry] = []
    item: list[ItemEntry] = []
    grade: Annotated[list[GradeEntry], AfterValidator(_grade_ladder)] = Field(
        default_factory=list, validate_default=True)
    grading: GradingTable = Field(default_factory=GradingTable)
    veto: list[VetoEntry] = []
    sources: SourcesTable = Field(default_factory=SourcesTable)

    @classmethod
    def check_written(cls, table: dict[str, Any], found: _Found) -> None:
        """References between tables, read leniently from the document as written: a value
        that is not valid is reported by its own check and left out here."""
        _unique_codes(table, found)
        _known_groups(table, found)
        _known_grades(table, found)

    def spec(self) -> Spec:
        model, score = self.model, self.score
        return Spec(
            code=model.code, name=model.name, category=model.category,
            effective_from=model.effective_from, description=model.description,
            base=score.base, floor=score.floor, ceiling=score.ceiling,
            groups=tuple(g.rule() for g in self.group),
            indicators=tuple(i.rule() for i in self.indicator),
            items=tuple(i.rule() for i in self.item), vetoes=tuple(v.rule() for v in self.veto),
            grades=tuple(g.rule() for g in self.grade), no_records_grade=self.grading.no_records,
            sources=self.sources.weights())


def _written(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The entries of a top-level array as written (an entry that is not a table: empty)."""
    entries = doc.get(kind)
    if not isinstance(entries, list):
        return []
    return [entry if isinstance(entry, dict) else {} for entry in entries]


def _word(table: Any, key: str) -> str:
    """A key's text as written; "" when it is not text."""
    value = table.get(key) if isinstance(table, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _codes(doc: dict[str, Any], kind: str) -> list[str]:
    """The entries' valid codes as written ("" for an invalid or missing one)."""
    return [code if CODE_RE.match(code) else "" for code in
            (_word(entry, "code") for entry in _written(doc, kind))]


def _unique_codes(doc: dict[str, Any], found: _Found) -> None:
    """Rule codes name explanation lines: unique across the document, never reserved."""
    seen: dict[str, Path] = {}
    for kind in ("group", "indicator", "item", "veto"):
        for n, code in enumerate(_codes(doc, kind)):
            if code in RESERVED_CODES:
                found.add(_("%(code)s is reserved") % {"code": code}, kind, n, "code")
            elif code in seen:
                found.add(_("the code %(code)s is already used by %(other)s")
                          % {"code": code, "other": _label(seen[code])}, kind, n, "code")
            elif code:
                seen[code] = (kind, n + 1)


def _known_groups(doc: dict[str, Any], found: _Found) -> None:
    groups = set(_codes(doc, "group"))
    for kind in ("indicator", "item"):
        for n, entry in enumerate(_written(doc, kind)):
            group = _word(entry, "group")
            if group and group not in groups:
                found.add(_("no [[group]] has the code %(code)s") % {"code": group},
                          kind, n, "group")


def _known_grades(doc: dict[str, Any], found: _Found) -> None:
    grades = {_word(grade, "name") for grade in _written(doc, "grade")} - {""}
    if not grades:
        return
    no_records = _word(doc.get("grading"), "no_records")
    if no_records and no_records not in grades:
        found.add(_("must be one of the grades"), "grading", "no_records")
    for n, veto in enumerate(_written(doc, "veto")):
        floor = _word(veto, "floor")
        if floor and floor not in grades:
            found.add(_("must be one of the grades"), "veto", n, "floor")


_TABLES: dict[str, type[_Table]] = {
    "model": ModelTable, "score": ScoreTable, "group": GroupEntry, "indicator": IndicatorEntry,
    "item": ItemEntry, "veto": VetoEntry, "grade": GradeEntry, "grading": GradingTable,
    "sources": SourcesTable}


def _table_at(loc: Path) -> type[_Table]:
    """The table model at a `loc` (a top-level table, or an entry of a top-level array)."""
    return _TABLES[str(loc[0])] if loc else Document


# --- the entry point -----------------------------------------------------------------------------

def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    return Problem(int(m.group(1)) if m else None, "",
                   _("TOML syntax error: %(reason)s") % {"reason": reason})


def parse(source: str, *, catalogue: dict[str, tuple[str, str, str]] | None = None) -> Spec:
    """Parse and validate a model document; raise `LanguageError` listing every problem.

    `catalogue` (record-type code → (group, polarity, severity)) lets unknown type codes and
    groups be reported at upload; without it only the document itself is checked.
    """
    try:
        doc = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise LanguageError([_syntax_problem(exc)]) from None
    try:
        document = Document.model_validate(doc, context={"catalogue": catalogue or None})
    except ValidationError as exc:
        raise LanguageError(_problems_of(exc, _Lines(source))) from None
    return document.spec()
