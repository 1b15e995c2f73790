"""From what the platform knows about a subject to the measures that apply, each with why.

Pure functions over plain data (`Facts`, `RuleBook`): no queries here, so the derivation can be
read and tested as a table, and the check stores exactly the inputs it used. Conditions form a
closed vocabulary (`approvals.models.Condition`); each returns the human reason it holds, or None.

Conflicts: when a restriction that `cancels` an incentive is triggered as well, the incentive
is refused and the refusal names the restriction, its rule and that rule's reason (no 容缺 for a
black-listed subject even when another rule would grant it; 国办发〔2020〕42号, 建市〔2017〕241号).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

ACCEPT_WITH_MISSING = "accept_with_missing_materials"

SEVERITY_LABELS = {"general": "一般", "serious": "较重", "severe": "严重"}


@dataclass(frozen=True)
class GradeFacts:
    grade: str
    score: str
    rank: int | None  # 0 = the model's best grade; None = a veto-only grade
    lowest: bool
    grade_names: tuple[str, ...]
    batch_id: int
    batch_as_of: dt.date
    evaluated_as_of: dt.date
    model_label: str
    model_name: str


@dataclass(frozen=True)
class Facts:
    """Everything a rule may look at, as read at the moment of the check."""

    as_of: dt.date
    category: str
    known_since: dt.date | None  # established on, else registered on the platform
    grade: GradeFacts | None
    lists: tuple[dict[str, Any], ...]
    bad_records: tuple[dict[str, Any], ...]  # effective bad records (all, with publicity end)
    # measure codes the supervision table (`supervision.SupervisionMeasure`) gives the subject's
    # current grade: the one source of grade → measures
    grade_measures: tuple[str, ...] = ()
    # incentive code → the eligibility conditions that refuse it (`lists.eligibility`, as dicts)
    ineligible: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureDef:
    id: int
    code: str
    name: str
    kind: str
    legal_basis: str
    matter_kinds: tuple[str, ...]
    cancels: tuple[str, ...]
    sort: int


@dataclass(frozen=True)
class RuleDef:
    code: str
    name: str
    condition: str
    params: dict[str, Any]
    categories: tuple[str, ...]
    matter_codes: tuple[str, ...]
    measures: tuple[str, ...]
    legal_basis: str


@dataclass(frozen=True)
class RuleBook:
    rule_set_id: int
    label: str
    name: str
    rules: tuple[RuleDef, ...]
    measures: dict[str, MeasureDef]


@dataclass
class Derivation:
    measures: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    accept_with_missing: dict[str, Any] = field(default_factory=dict)


# --- conditions -----------------------------------------------------------------------------
def _in_force(record: dict[str, Any], as_of: dt.date) -> bool:
    """A bad record may be used for restrictions only while its publicity runs (建市〔2017〕241号
    第十三条: after the period it is no longer disclosed or used for punishment)."""
    return record["publicity_ends_on"] >= as_of


def _grade_text(g: GradeFacts) -> str:
    return _("current grade %(grade)s (model %(model)s, evaluated %(date)s)") % {
        "grade": g.grade, "model": g.model_label, "date": g.evaluated_as_of.isoformat()}


def _grade_top(f: Facts, p: dict[str, Any]) -> str | None:
    n = int(p.get("n", 1))
    if f.grade is None or f.grade.rank is None or f.grade.rank >= n:
        return None
    return _("%(grade)s is among the model's top %(n)d grades (%(names)s).") % {
        "grade": _grade_text(f.grade), "n": n, "names": "、".join(f.grade.grade_names[:n])}


def _grade_lowest(f: Facts, p: dict[str, Any]) -> str | None:
    if f.grade is None or not f.grade.lowest:
        return None
    return _("%(grade)s is the model's lowest grade.") % {"grade": _grade_text(f.grade)}


def _grade_in(f: Facts, p: dict[str, Any]) -> str | None:
    wanted = [str(g) for g in p.get("grades", [])]
    if f.grade is None or f.grade.grade not in wanted:
        return None
    return _("%(grade)s is one of %(names)s.") % {"grade": _grade_text(f.grade),
                                                   "names": "、".join(wanted)}


def _ungraded(f: Facts, p: dict[str, Any]) -> str | None:
    return _("The subject has no grade in the current evaluation.") if f.grade is None else None


def _on_list(kind: str) -> Callable[[Facts, dict[str, Any]], str | None]:
    def check(f: Facts, p: dict[str, Any]) -> str | None:
        found = [m for m in f.lists if m["kind"] == kind]
        return "；".join(m["summary"] for m in found) or None

    return check


def _clean_record(f: Facts, p: dict[str, Any]) -> str | None:
    from approvals.rules import clean_window_start

    months = int(p.get("months", 36))
    start = clean_window_start(as_of=f.as_of, months=months)
    if f.known_since is None or f.known_since > start:
        return None  # not known for the whole window: "连续三年" cannot be shown
    if any(r["decided_on"] >= start for r in f.bad_records):
        return None
    return _("No effective bad record decided since %(start)s (%(months)d months).") % {
        "start": start.isoformat(), "months": months}


def _record_line(r: dict[str, Any]) -> str:
    return _("%(type)s (%(severity)s, %(number)s, decided %(date)s, disclosed until %(end)s)") % {
        "type": r["type"], "severity": SEVERITY_LABELS.get(r["severity"], r["severity"]),
        "number": r["document_number"], "date": r["decided_on"].isoformat(),
        "end": r["publicity_ends_on"].isoformat()}


def _bad_record(f: Facts, p: dict[str, Any]) -> str | None:
    wanted = set(p.get("severities", []))
    found = [r for r in f.bad_records if _in_force(r, f.as_of) and r["severity"] in wanted]
    if not found:
        return None
    return _("Effective bad record: %(records)s.") % {
        "records": "；".join(_record_line(r) for r in found)}


def _record_type(f: Facts, p: dict[str, Any]) -> str | None:
    wanted = set(p.get("codes", []))
    found = [r for r in f.bad_records if _in_force(r, f.as_of) and r["type_code"] in wanted]
    if not found:
        return None
    return _("Effective record: %(records)s.") % {
        "records": "；".join(_record_line(r) for r in found)}


def _grade_measures(f: Facts, p: dict[str, Any]) -> str | None:
    if f.grade is None or not f.grade_measures:
        return None
    return _("%(grade)s: measures of this grade in the supervision measures table.") % {
        "grade": _grade_text(f.grade)}


def grade_measure_codes(facts: Facts, params: dict[str, Any]) -> set[str]:
    """The supervision table's codes for the grade, in the rule book's codes (`aliases` maps a
    supervision code to the window's measure of the same meaning)."""
    aliases = params.get("aliases", {})
    return {aliases.get(code, code) for code in facts.grade_measures}


CONDITIONS: dict[str, Callable[[Facts, dict[str, Any]], str | None]] = {
    "grade_top": _grade_top,
    "grade_lowest": _grade_lowest,
    "grade_in": _grade_in,
    "ungraded": _ungraded,
    "red_list": _on_list("red"),
    "black_list": _on_list("black"),
    "key_supervision": _on_list("key"),
    "clean_record": _clean_record,
    "bad_record": _bad_record,
    "record_type": _record_type,
    "grade_measures": _grade_measures,
}


# --- derivation -----------------------------------------------------------------------------
def _reason(rule: RuleDef, why: str) -> dict[str, Any]:
    return {"rule": rule.code, "rule_name": rule.name, "why": why, "basis": rule.legal_basis}


def _eligibility_reason(refusal: dict[str, Any]) -> dict[str, Any]:
    """An incentive refused by an eligibility condition (国办发〔2019〕35号, 〔2020〕49号; the
    plan's 三（一）–（三)): the condition's name and rule, and the day it stops holding."""
    why = refusal["why"]
    if refusal.get("until"):
        why += _(" (no longer refused from %(d)s)") % {"d": refusal["until"]}
    return {"rule": refusal["condition"], "rule_name": refusal["name"], "why": why,
            "basis": refusal["basis"], "measure": "", "measure_name": "",
            "condition": refusal["condition"], "until": refusal.get("until")}


def derive(*, facts: Facts, book: RuleBook, matter: dict[str, Any]) -> Derivation:
    """The measures that apply to this subject for this matter, and the incentives refused.

    `matter` is {"code", "kind", "allows_commitment"}. A measure limited to other kinds of
    matter is not listed at all; accept-with-missing-materials on a matter that does not allow
    commitments is listed as refused, with that reason.
    """
    triggered: dict[str, list[dict[str, Any]]] = {}
    for rule in book.rules:
        if rule.categories and facts.category not in rule.categories:
            continue
        if rule.matter_codes and matter["code"] not in rule.matter_codes:
            continue
        condition = CONDITIONS.get(rule.condition)
        why = condition(facts, rule.params) if condition else None
        if not why:
            continue
        wanted = (grade_measure_codes(facts, rule.params)
                  if rule.condition == "grade_measures" else None)
        for code in rule.measures:
            if wanted is not None and code not in wanted:
                continue
            measure = book.measures.get(code)
            if measure is None:
                continue  # retired measure: the rule no longer yields it
            if measure.matter_kinds and matter["kind"] not in measure.matter_kinds:
                continue
            triggered.setdefault(code, []).append(_reason(rule, why))

    cancelled: dict[str, list[dict[str, Any]]] = {}
    for code in triggered:
        for target in book.measures[code].cancels:
            if target in triggered:
                cancelled.setdefault(target, []).extend(
                    {**r, "measure": code, "measure_name": book.measures[code].name}
                    for r in triggered[code])

    for code in triggered:
        if book.measures[code].kind == "incentive" and facts.ineligible.get(code):
            cancelled.setdefault(code, []).extend(
                _eligibility_reason(r) for r in facts.ineligible[code])

    result = Derivation()
    if ACCEPT_WITH_MISSING in triggered and not matter["allows_commitment"]:
        cancelled.setdefault(ACCEPT_WITH_MISSING, []).append({
            "rule": "", "rule_name": "", "measure": "", "measure_name": "",
            "why": _("This matter does not allow acceptance with missing materials."),
            "basis": ""})

    def entry(code: str) -> dict[str, Any]:
        m = book.measures[code]
        return {"code": m.code, "name": m.name, "kind": m.kind, "legal_basis": m.legal_basis,
                "reasons": triggered[code]}

    order = sorted(triggered, key=lambda c: (book.measures[c].kind != "restriction",
                                             book.measures[c].sort, c))
    for code in order:
        if code in cancelled:
            result.refused.append({**entry(code), "refused_by": cancelled[code]})
        else:
            result.measures.append(entry(code))

    applied = {m["code"] for m in result.measures}
    blockers = [{**r, "measure": code, "measure_name": book.measures[code].name}
                for code in triggered if ACCEPT_WITH_MISSING in book.measures[code].cancels
                for r in triggered[code]]
    if ACCEPT_WITH_MISSING in applied:
        result.accept_with_missing = {
            "allowed": True,
            "reason": "；".join(r["why"].rstrip("。.") for r in triggered[ACCEPT_WITH_MISSING])
            + "。"}
    elif ACCEPT_WITH_MISSING in cancelled or blockers or facts.ineligible.get(ACCEPT_WITH_MISSING):
        result.accept_with_missing = {
            "allowed": False,
            "reason": "；".join(
                (f"{r['rule_name']}：{r['why']}" if r["rule_name"] else r["why"]).rstrip("。.")
                for r in cancelled.get(ACCEPT_WITH_MISSING) or blockers
                or [_eligibility_reason(x) for x in facts.ineligible[ACCEPT_WITH_MISSING]])
            + "。"}
    elif not matter["allows_commitment"]:
        result.accept_with_missing = {
            "allowed": False,
            "reason": _("This matter does not allow acceptance with missing materials.")}
    else:
        result.accept_with_missing = {
            "allowed": False,
            "reason": _("No rule grants it: the subject is neither among the top grades nor on "
                        "the red list, nor known for three years without a bad record.")}
    return result
