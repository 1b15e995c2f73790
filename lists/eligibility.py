"""Who may receive an incentive (守信激励): the conditions that refuse it, as data.

Green channel, 容缺受理 on commitment, incentive points and red-list nomination (automatic or
manual) are refused to a subject that has a bad record in force, a pending or decided industry
sanction, a key-supervision or black-list entry, or a broken commitment within the period the
rules name. The conditions, which incentives each refuses and the rule each implements live in
`lists/fixtures/eligibility.json`; this module only evaluates them, one function per rule.

Lists sit left of approvals in the flow, so both red-list nomination (`lists.services`) and the
credit check (`approvals`) call `refusals`/`require_eligible` here; nothing here imports them.
Every refusal names its condition, the rule, and the first day the refusal no longer holds
(where a date decides it), so the officer can tell the applicant when to come back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import (
    CharField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils.translation import gettext as _

from common.errors import Conflict
from lists.models import (
    BlackListEntry,
    BlackState,
    IndustrySanction,
    KeyState,
    KeySupervisionEntry,
    SanctionState,
)
from records.models import CreditRecord, Polarity, RecordState, RecordType

DATA = Path(__file__).resolve().parent / "fixtures" / "eligibility.json"

GREEN_CHANNEL = "green_channel"
ACCEPT_WITH_MISSING = "accept_with_missing_materials"
EVALUATION_BONUS = "evaluation_bonus"
RED_LIST_NOMINATION = "red_list_nomination"

SEVERITY_LABELS = {"general": "一般", "serious": "较重", "severe": "严重"}


@dataclass(frozen=True)
class Condition:
    code: str
    name: str
    check: str
    params: dict[str, Any]
    refuses: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Refusal:
    """One condition that holds: why, under which rule, and from when it no longer holds."""

    condition: str
    name: str
    why: str
    basis: str
    until: dt.date | None  # first day the condition no longer holds; None = no fixed date

    def as_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "name": self.name, "why": self.why,
                "basis": self.basis, "until": self.until.isoformat() if self.until else None}

    @property
    def message(self) -> str:
        text = _("%(name)s: %(why)s") % {"name": self.name, "why": self.why}
        if self.until:
            text += _(" (no longer refused from %(d)s)") % {"d": self.until.isoformat()}
        return text + _(" Basis: %(basis)s") % {"basis": self.basis}


@lru_cache(maxsize=1)
def catalogue() -> tuple[dict[str, str], tuple[Condition, ...]]:
    """The incentives and conditions as shipped (plain data, read once per process)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    conditions = tuple(
        Condition(code=c["code"], name=c["name"], check=c["check"], params=dict(c["params"]),
                  refuses=tuple(c["refuses"]), basis=c["basis"])
        for c in data["conditions"])
    return dict(data["incentives"]), conditions


def incentive_name(code: str) -> str:
    return catalogue()[0].get(code, code)


# --- one function per rule ----------------------------------------------------------------------
def _day_after(day: dt.date | None) -> dt.date | None:
    return day + dt.timedelta(days=1) if day else None


#: Each rule takes many subjects and answers, for each one it holds for, (why, until): one
#: query per rule whatever the number of subjects (a single check passes one, a bulk check all
#: those whose probe found the rule's rows).
Found = dict[int, tuple[str, dt.date | None]]


def _grouped(rows: Any, key: str = "subject_id") -> dict[int, list[Any]]:
    """Rows (dicts or model instances) per subject, in the query's order."""
    out: dict[int, list[Any]] = {}
    for r in rows:
        out.setdefault(r[key] if isinstance(r, dict) else getattr(r, key), []).append(r)
    return out


def bad_record_in_force(*, subject_ids: list[int], as_of: dt.date, params: dict[str, Any]
                        ) -> Found:
    """An effective bad record whose publicity period still runs on `as_of`.

    Plan 三（二）: incentives are for subjects "无不良信用记录"; 建市〔2017〕241号 第十三条: a bad
    record past its publicity period is no longer used, so the refusal ends the day after the
    last publicity day (a repaired or revoked record is no longer effective and never counts).
    """
    rows = CreditRecord.objects.filter(
        subject_id__in=subject_ids, state=RecordState.EFFECTIVE,
        record_type__polarity=Polarity.BAD,
        record_type__severity__in=_severities(params),
        decided_on__lte=as_of, publicity_ends_on__gte=as_of,
    ).order_by("subject_id", "publicity_ends_on", "id").values(
        "id", "subject_id", "record_type__name", "record_type__severity", "document_number",
        "decided_on", "publicity_ends_on")
    found: Found = {}
    for subject_id, mine in _grouped(rows).items():
        held = bad_records_held([{"id": r["id"], "type": r["record_type__name"],
                                  "severity": r["record_type__severity"],
                                  "document_number": r["document_number"],
                                  "decided_on": r["decided_on"],
                                  "publicity_ends_on": r["publicity_ends_on"]} for r in mine],
                                as_of=as_of, params=params)
        if held is not None:
            found[subject_id] = held
    return found


def _severities(params: dict[str, Any]) -> list[str]:
    return params.get("severities", ["general", "serious", "severe"])


def bad_records_held(records: list[dict[str, Any]], *, as_of: dt.date, params: dict[str, Any]
                     ) -> tuple[str, dt.date | None] | None:
    """`bad_record_in_force` for one subject from its effective bad records already read
    (each with id, type, severity, document_number, decided_on, publicity_ends_on): the credit
    check has read them for its answer, so it need not query them a second time."""
    severities = _severities(params)
    rows = sorted((r for r in records if r["severity"] in severities
                   and r["decided_on"] <= as_of <= r["publicity_ends_on"]),
                  key=lambda r: (r["publicity_ends_on"], r["id"]))
    if not rows:
        return None
    lines = "；".join(
        _("%(type)s (%(sev)s, %(number)s, decided %(decided)s, disclosed until %(end)s)") % {
            "type": r["type"], "sev": SEVERITY_LABELS.get(r["severity"], r["severity"]),
            "number": r["document_number"], "decided": r["decided_on"].isoformat(),
            "end": r["publicity_ends_on"].isoformat()} for r in rows)
    return (_("Bad record still in its publicity period: %(l)s.") % {"l": lines},
            _day_after(max(r["publicity_ends_on"] for r in rows)))


def sanction_pending_or_decided(*, subject_ids: list[int], as_of: dt.date,
                                params: dict[str, Any]) -> Found:
    """An industry sanction proposed and not yet decided, or decided and still in effect.

    Plan 四（二） (警告、通报批评、公开谴责) and 国办发〔2020〕49号: a decided sanction is in effect
    while its credit record's publicity runs (or, without a record, for `months_without_record`
    from the decision); a proposed one refuses incentives until it is decided or rejected.
    """
    months = int(params.get("months_without_record", 12))
    qs = IndustrySanction.objects.filter(
        subject_id__in=subject_ids, state__in=[SanctionState.PROPOSED, SanctionState.DECIDED],
    ).select_related("record")
    out: Found = {}
    for subject_id, sanctions in _grouped(qs).items():
        held = _sanctions_held(sanctions, as_of=as_of, months=months)
        if held is not None:
            out[subject_id] = held
    return out


def _sanctions_held(sanctions: list[IndustrySanction], *, as_of: dt.date, months: int
                    ) -> tuple[str, dt.date | None] | None:
    """`sanction_pending_or_decided` for one subject's proposed and decided sanctions."""
    found: list[str] = []
    until: list[dt.date] = []
    open_ended = False
    for s in sanctions:
        if s.state == SanctionState.PROPOSED:
            if s.proposed_at.date() > as_of:
                continue
            open_ended = True
            found.append(_("%(kind)s (%(number)s) awaiting decision") % {
                "kind": s.get_kind_display(), "number": s.document_number})
            continue
        if s.decided_on is None or s.decided_on > as_of:
            continue
        if s.record is not None and s.record.state == RecordState.EFFECTIVE:
            ends = s.record.publicity_ends_on
        elif s.record is not None:
            continue  # the sanction's record was revoked or repaired
        else:
            ends = s.decided_on + relativedelta(months=months) - dt.timedelta(days=1)
        if ends < as_of:
            continue
        until.append(ends)
        found.append(_("%(kind)s (%(number)s, decided %(d)s, in effect until %(end)s)") % {
            "kind": s.get_kind_display(), "number": s.document_number,
            "d": s.decided_on.isoformat(), "end": ends.isoformat()})
    if not found:
        return None
    return (_("Industry sanction: %(l)s.") % {"l": "；".join(found)},
            None if open_ended else _day_after(max(until)))


def key_supervision(*, subject_ids: list[int], as_of: dt.date, params: dict[str, Any]
                    ) -> Found:
    """A key-supervision entry in force (plan 四（一）; 建市〔2017〕241号 第十七条). It ends by rule
    when its basis ends, so no fixed date is given."""
    return {subject_id: (_("Under key supervision since %(d)s: %(r)s.") % {
        "d": min(r.entered_on for r in rows).isoformat(),
        # each reason is a sentence of its own; the message closes the list with its own stop
        "r": "；".join(r.reason.rstrip("。.") for r in rows)}, None)
        for subject_id, rows in _grouped(KeySupervisionEntry.objects.filter(
            subject_id__in=subject_ids, state=KeyState.IN_FORCE, entered_on__lte=as_of)
            .order_by("subject_id", "-entered_on", "-id")).items()}


def black_list(*, subject_ids: list[int], as_of: dt.date, params: dict[str, Any]) -> Found:
    """A black-list entry in publicity, in force or suspended (国办发〔2020〕49号; plan 四（三）):
    the entry's own end date is when the refusal ends, unless it is lifted earlier."""
    entries = [r for r in BlackListEntry.objects.filter(
        subject_id__in=subject_ids,
        state__in=[BlackState.PUBLICITY, BlackState.IN_FORCE, BlackState.SUSPENDED],
    ).filter(Q(effective_from__isnull=True) | Q(effective_from__lte=as_of)).select_related(
        "ground").order_by("subject_id", "-proposed_at", "-id")
        if r.effective_until is None or r.effective_until >= as_of]
    found: Found = {}
    for subject_id, rows in _grouped(entries).items():
        ends = [r.effective_until for r in rows]
        found[subject_id] = (
            _("On the list of seriously untrustworthy subjects: %(l)s.") % {"l": "；".join(
                _("%(g)s (decision %(n)s, in force until %(u)s)") % {
                    "g": r.ground.name, "n": r.decision_number or "—",
                    "u": r.effective_until.isoformat() if r.effective_until else "—"}
                for r in rows)},
            None if any(e is None for e in ends) else _day_after(max(e for e in ends if e)))
    return found


def commitment_breach(*, subject_ids: list[int], as_of: dt.date, params: dict[str, Any]
                      ) -> Found:
    """A broken credit commitment decided within `months` (36: 国发〔2016〕33号 "连续三年无不良信用
    记录"; 国办发〔2019〕35号: the keeping of commitments is part of the credit record). Only an
    effective record counts: a revoked or repaired breach no longer refuses anything."""
    months = int(params.get("months", 36))
    rows = [r for r in _breach_records(params).filter(
        subject_id__in=subject_ids, state=RecordState.EFFECTIVE,
        decided_on__gte=as_of - relativedelta(months=months + 1), decided_on__lte=as_of,
    ).order_by("subject_id", "-decided_on", "-id").values("subject_id", "document_number",
                                                           "decided_on")
        if r["decided_on"] + relativedelta(months=months) > as_of]
    found: Found = {}
    for subject_id, held in _grouped(rows).items():
        last = max(r["decided_on"] for r in held)
        lines = "；".join(_("%(number)s (decided %(d)s)") % {
            "number": r["document_number"], "d": r["decided_on"].isoformat()} for r in held)
        found[subject_id] = (_("Credit commitment broken within %(n)d months: %(l)s.")
                             % {"n": months, "l": lines}, last + relativedelta(months=months))
    return found


CHECKS: dict[str, Callable[..., Found]] = {
    "bad_record": bad_record_in_force,
    "sanction": sanction_pending_or_decided,
    "key_supervision": key_supervision,
    "black_list": black_list,
    "commitment_breach": commitment_breach,
}


# --- one cheap probe for all conditions ---------------------------------------------------------
# For each check, the rows it reads, filtered no tighter than the check itself (a superset): when
# a probe finds no row for a subject, its check cannot hold. Clean subjects (nearly all) then cost
# one UNION query instead of one query per condition; only conditions whose probe found a row are
# evaluated in full.
def _probe_bad_record(subject_id: int, as_of: dt.date, params: dict[str, Any]) -> QuerySet:
    return CreditRecord.objects.filter(
        subject_id=subject_id, state=RecordState.EFFECTIVE, record_type__polarity=Polarity.BAD,
        decided_on__lte=as_of, publicity_ends_on__gte=as_of)


def _probe_sanction(subject_id: int, as_of: dt.date, params: dict[str, Any]) -> QuerySet:
    return IndustrySanction.objects.filter(
        subject_id=subject_id, state__in=[SanctionState.PROPOSED, SanctionState.DECIDED])


def _probe_key_supervision(subject_id: int, as_of: dt.date, params: dict[str, Any]) -> QuerySet:
    return KeySupervisionEntry.objects.filter(subject_id=subject_id, state=KeyState.IN_FORCE,
                                              entered_on__lte=as_of)


def _probe_black_list(subject_id: int, as_of: dt.date, params: dict[str, Any]) -> QuerySet:
    return BlackListEntry.objects.filter(
        subject_id=subject_id,
        state__in=[BlackState.PUBLICITY, BlackState.IN_FORCE, BlackState.SUSPENDED])


def _probe_commitment_breach(subject_id: int, as_of: dt.date, params: dict[str, Any]
                             ) -> QuerySet:
    """The subject's records of the breach types. The type is compared as `record_type_id + 0`
    so that no database walks the record-type index: with the join on the type's code, SQLite
    (without statistics) read every breach record of the county and kept the subject's, 49 ms
    per check at 1,000,000 records (18,451 breaches); by the subject's index it reads its own
    few records."""
    months = int(params.get("months", 36))
    return _breach_records(params).filter(
        subject_id=subject_id, state=RecordState.EFFECTIVE,
        decided_on__gte=as_of - relativedelta(months=months + 1), decided_on__lte=as_of)


def _breach_records(params: dict[str, Any]) -> QuerySet:
    """Records of the breach types (`params["codes"]`), the type compared as
    `record_type_id + 0` (see `_probe_commitment_breach`)."""
    breach_types = RecordType.objects.filter(
        code__in=params.get("codes", ["commitment_breach"])).values("pk")
    return CreditRecord.objects.alias(
        type_id_unindexed=ExpressionWrapper(F("record_type_id") + 0,
                                            output_field=IntegerField()),
    ).filter(type_id_unindexed__in=Subquery(breach_types))


PROBES: dict[str, Callable[[int, dt.date, dict[str, Any]], QuerySet]] = {
    "bad_record": _probe_bad_record,
    "sanction": _probe_sanction,
    "key_supervision": _probe_key_supervision,
    "black_list": _probe_black_list,
    "commitment_breach": _probe_commitment_breach,
}


def condition_probes(*, subject_id: int, as_of: dt.date) -> list[QuerySet]:
    """One single-column queryset per catalogue condition yielding the condition's code when its
    rows exist; callers UNION them (with their own probes) into one query and pass the codes
    found to `refusals(holding=…)`."""
    return [PROBES[c.check](subject_id, as_of, c.params).order_by()
            .annotate(probe=Value(c.code, output_field=CharField())).values_list("probe")
            for c in catalogue()[1]]


def conditions_that_may_hold(*, subject_id: int, as_of: dt.date) -> set[str]:
    """The codes of the conditions whose probe found a row (one query)."""
    probes = condition_probes(subject_id=subject_id, as_of=as_of)
    return {code for (code,) in probes[0].union(*probes[1:])} if probes else set()


# --- the questions callers ask -------------------------------------------------------------------
def key_supervision_subject_ids(category: str) -> set[int]:
    """Subjects of `category` under key supervision today: the random draw puts them in its
    strictest stratum (建市〔2017〕241号 第十一条; registered in `supervision.sources`)."""
    return set(KeySupervisionEntry.objects.filter(
        state=KeyState.IN_FORCE, subject__category=category).values_list("subject_id", flat=True))


def refusals(*, subject_id: int, as_of: dt.date, incentive: str | None = None,
             holding: set[str] | None = None, bad_records: list[dict[str, Any]] | None = None
             ) -> list[Refusal]:
    """Every condition that holds for the subject on `as_of` (only those refusing `incentive`
    when one is given), in catalogue order. `holding`, the condition codes whose probe found rows
    (`conditions_that_may_hold`), spares the queries of conditions that cannot hold;
    `bad_records`, every effective bad record of the subject already read (`bad_records_held`),
    spares the bad-record condition's query."""
    out: list[Refusal] = []
    for condition in catalogue()[1]:
        if incentive is not None and incentive not in condition.refuses:
            continue
        if holding is not None and condition.code not in holding:
            continue
        if bad_records is not None and CHECKS[condition.check] is bad_record_in_force:
            found = bad_records_held(bad_records, as_of=as_of, params=condition.params)
        else:
            found = CHECKS[condition.check](subject_ids=[subject_id], as_of=as_of,
                                            params=condition.params).get(subject_id)
        if found is not None:
            why, until = found
            out.append(Refusal(condition=condition.code, name=condition.name, why=why,
                               basis=condition.basis, until=until))
    return out


def refusals_for(*, holding: dict[int, set[str]], as_of: dt.date) -> dict[int, list[Refusal]]:
    """`refusals` of many subjects at once (the bulk credit check): `holding` maps each subject
    to the condition codes its probe found rows for; each condition is evaluated in one query
    for all the subjects that may meet it. Subjects meeting none map to an empty list."""
    out: dict[int, list[Refusal]] = {subject_id: [] for subject_id in holding}
    for condition in catalogue()[1]:
        ids = [subject_id for subject_id, codes in holding.items() if condition.code in codes]
        if not ids:
            continue
        found = CHECKS[condition.check](subject_ids=ids, as_of=as_of, params=condition.params)
        for subject_id in ids:
            if subject_id in found:
                why, until = found[subject_id]
                out[subject_id].append(Refusal(condition=condition.code, name=condition.name,
                                               why=why, basis=condition.basis, until=until))
    return out


def refused_incentives(*, subject_id: int, as_of: dt.date, holding: set[str] | None = None,
                       bad_records: list[dict[str, Any]] | None = None
                       ) -> dict[str, list[Refusal]]:
    """incentive code → the refusals that apply to it (incentives not refused are absent);
    `holding` and `bad_records` as in `refusals`."""
    return _by_incentive(refusals(subject_id=subject_id, as_of=as_of, holding=holding,
                                  bad_records=bad_records))


def refused_incentives_for(*, holding: dict[int, set[str]], as_of: dt.date
                           ) -> dict[int, dict[str, list[Refusal]]]:
    """`refused_incentives` of many subjects (`refusals_for`): subject id → incentive code →
    refusals."""
    return {subject_id: _by_incentive(found)
            for subject_id, found in refusals_for(holding=holding, as_of=as_of).items()}


def _by_incentive(found: list[Refusal]) -> dict[str, list[Refusal]]:
    by_code = {c.code: c for c in catalogue()[1]}
    result: dict[str, list[Refusal]] = {}
    for refusal in found:
        for code in by_code[refusal.condition].refuses:
            result.setdefault(code, []).append(refusal)
    return result


def require_eligible(*, subject_id: int, as_of: dt.date, incentive: str) -> None:
    """Raise `Conflict("not_eligible")` naming every condition that refuses `incentive`."""
    found = refusals(subject_id=subject_id, as_of=as_of, incentive=incentive)
    if found:
        raise Conflict("not_eligible", _("%(i)s refused: %(why)s") % {
            "i": incentive_name(incentive), "why": " ".join(r.message for r in found)})
