"""Writes of classified supervision: measures, the inspector pool and avoidance rules, and the
random-inspection plans (双随机、一公开) from draw to publication to results.

Each function is one business action in one transaction with its audit event. The draw itself is
the pure function `supervision.draw.draw`; this module gathers its input from the database
(grades from the scoring batch, ratios from `SupervisionMeasure`, the pool, the avoidance
pairs), stores that input on the plan, and `plan_verify` re-runs the same function over it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import permissions
from accounts.models import Department, User
from audit.models import AuditEvent
from audit.services import record_event, snapshot
from common import clock
from common.errors import Conflict, ServiceError, ValidationFailed
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_create
from subjects.models import Category, Subject
from supervision import access
from supervision.draw import (
    ALGORITHM,
    ALGORITHMS,
    ROUNDING,
    DrawInput,
    MissingRatio,
    NotEnoughInspectors,
    candidates_digest,
    canonical_digest,
    draw,
    summarise,
)
from supervision.grades import batch_for, grade_snapshot
from supervision.models import (
    ConflictRule,
    Incentive,
    InspectionPlan,
    Inspector,
    InspectorPool,
    PlanAssignment,
    PlanItem,
    PlanStatus,
    Restriction,
    SupervisionMeasure,
)
from supervision.sources import key_supervision_subjects

MAX_SEED = 2**63 - 1  # fits the signed bigint column on SQLite and PostgreSQL
MAX_INSPECTORS_PER_SUBJECT = 5
# 行政执法 on-site inspections are carried out by at least two enforcement officers
# (行政处罚法 第42条, 双随机 practice); one is allowed for desk checks of records.
DEFAULT_INSPECTORS_PER_SUBJECT = 2
RESULT_TYPES = {True: "inspection_good", False: "inspection_failed"}
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "supervision_measures.json"
MEASURE_FIELDS = ("inspection_per_year", "sampling_ratio", "incentives", "restrictions",
                  "legal_basis")
DRAW_ACTION = "supervision.plan_draw"


# --- supervision measures --------------------------------------------------------------------

def _clean_codes(values: Any, allowed: type[Incentive] | type[Restriction], name: str) -> list:
    if not isinstance(values, list | tuple):
        raise ValidationFailed("bad_codes", _("%(f)s must be a list of codes.") % {"f": name},
                               field=name)
    unknown = [v for v in values if v not in allowed.values]
    if unknown:
        raise ValidationFailed(
            "unknown_code", _("Unknown measure codes: %(codes)s.") % {"codes": ", ".join(
                map(str, unknown))}, field=name,
        )
    return list(dict.fromkeys(values))  # keep order, drop repeats


def _clean_measure(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate measure fields the same way for the form, the defaults loader and any import."""
    out: dict[str, Any] = {}
    if "sampling_ratio" in changes:
        try:
            ratio = Decimal(str(changes["sampling_ratio"]))
        except InvalidOperation as exc:
            raise ValidationFailed("bad_ratio", _("The sampling ratio must be a number."),
                                   field="sampling_ratio") from exc
        if not Decimal("0") <= ratio <= Decimal("1") or ratio != ratio.quantize(Decimal("1.0000")):
            raise ValidationFailed(
                "bad_ratio", _("The sampling ratio must be between 0 and 1, with at most four "
                               "decimals."), field="sampling_ratio")
        out["sampling_ratio"] = ratio
    if "inspection_per_year" in changes:
        value = changes["inspection_per_year"]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 366:
            raise ValidationFailed("bad_frequency",
                                   _("Inspections per year must be a whole number from 0 to 366."),
                                   field="inspection_per_year")
        out["inspection_per_year"] = value
    if "incentives" in changes:
        out["incentives"] = _clean_codes(changes["incentives"], Incentive, "incentives")
    if "restrictions" in changes:
        out["restrictions"] = _clean_codes(changes["restrictions"], Restriction, "restrictions")
    if "legal_basis" in changes:
        if not str(changes["legal_basis"]).strip():
            raise ValidationFailed("required", _("State the legal basis of the measure."),
                                   field="legal_basis")
        out["legal_basis"] = str(changes["legal_basis"]).strip()
    return out


@transaction.atomic
def measure_update(
    *, actor: User, measure: SupervisionMeasure, reason: str, **changes: Any
) -> SupervisionMeasure:
    """Change a measure row. The reason is kept in the audit chain, because a measure is never
    changed by hand without a recorded reason (DESIGN: "measure derived from grade... never
    chosen by hand without a recorded reason")."""
    permissions.require(access.can_manage_measures(actor), _("change supervision measures"))
    if not reason.strip():
        raise ValidationFailed("required", _("Give the reason for the change."), field="reason")
    unknown = set(changes) - set(MEASURE_FIELDS)
    if unknown:
        raise ValidationFailed("unknown_field", _("These fields cannot be changed: %(f)s.")
                               % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    cleaned = _clean_measure(changes)
    measure = SupervisionMeasure.objects.select_for_update().get(pk=measure.pk)
    before = snapshot(measure, list(MEASURE_FIELDS))
    for key, value in cleaned.items():
        setattr(measure, key, value)
    measure.save()
    record_event(actor=actor, action="supervision.measure_update", target=measure,
                 before=before,
                 after={**snapshot(measure, list(MEASURE_FIELDS)), "reason": reason.strip()})
    return measure


@transaction.atomic
def measures_install_defaults(*, actor: Any = None) -> list[SupervisionMeasure]:
    """Add the shipped default rows (fixture `supervision_measures`) that are missing.

    Never overwrites a row an administrator has changed, so it is safe on every start and after
    an upgrade that ships measures for new grades. Returns the rows created.
    """
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    existing = set(SupervisionMeasure.objects.values_list("category", "grade"))
    created = []
    for entry in data:
        f = entry["fields"]
        if (f["category"], f["grade"]) in existing:
            continue
        cleaned = _clean_measure({k: f[k] for k in MEASURE_FIELDS})
        created.append(SupervisionMeasure.objects.create(
            category=f["category"], grade=f["grade"], position=f["position"], **cleaned
        ))
    if created:
        record_event(actor=actor, action="supervision.measures_install",
                     target_type="supervision.supervisionmeasure", target_id="defaults",
                     after=[[m.category, m.grade, str(m.sampling_ratio)] for m in created])
    return created


# --- inspector pool and avoidance rules ------------------------------------------------------

def _require_planner(actor: User, action: str) -> None:
    permissions.require(access.can_plan_inspections(actor), action)


@transaction.atomic
def pool_create(*, actor: User, name: str) -> InspectorPool:
    _require_planner(actor, _("keep the inspector pool"))
    if not name.strip():
        raise ValidationFailed("required", _("The name is required."), field="name")
    if InspectorPool.objects.filter(name=name.strip()).exists():
        raise Conflict("pool_exists", _("A pool with this name already exists."), field="name")
    pool = InspectorPool.objects.create(name=name.strip())
    record_event(actor=actor, action="supervision.pool_create", target=pool,
                 after=snapshot(pool))
    return pool


@transaction.atomic
def inspector_create(
    *, actor: User, pool: InspectorPool, name: str, department: Department | None = None,
    unit_name: str = "", badge_number: str = "",
) -> Inspector:
    """Add an inspector; with a department, the unit compared by avoidance rules is its name."""
    _require_planner(actor, _("keep the inspector pool"))
    if not name.strip():
        raise ValidationFailed("required", pgettext("person", "The name is required."),
                               field="name")
    unit = department.name if department is not None else unit_name.strip()
    if not unit:
        raise ValidationFailed("required", _("Give the inspector's department or unit."),
                               field="unit_name")
    inspector = Inspector.objects.create(pool=pool, name=name.strip(), department=department,
                                         unit_name=unit, badge_number=badge_number.strip())
    record_event(actor=actor, action="supervision.inspector_create", target=inspector,
                 after=snapshot(inspector))
    return inspector


@transaction.atomic
def inspector_set_active(*, actor: User, inspector: Inspector, active: bool) -> Inspector:
    """Take an inspector out of (or back into) future draws; past plans keep their names."""
    _require_planner(actor, _("keep the inspector pool"))
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = {"is_active": inspector.is_active}
    inspector.is_active = active
    inspector.save(update_fields=["is_active"])
    record_event(actor=actor, action="supervision.inspector_active", target=inspector,
                 before=before, after={"is_active": active})
    return inspector


@transaction.atomic
def conflict_rule_create(
    *, actor: User, kind: str, subject: Subject, reason: str, unit_name: str = "",
    inspector: Inspector | None = None,
) -> ConflictRule:
    """Record an avoidance rule (回避): a unit or one inspector never inspects this subject."""
    _require_planner(actor, _("keep the avoidance rules"))
    if not reason.strip():
        raise ValidationFailed("required", _("Give the reason for the avoidance."),
                               field="reason")
    if kind == ConflictRule.Kind.UNIT:
        if not unit_name.strip():
            raise ValidationFailed("required", _("Name the unit that must not inspect."),
                                   field="unit_name")
        inspector = None
    elif kind == ConflictRule.Kind.PAIR:
        if inspector is None:
            raise ValidationFailed("required", _("Choose the inspector who must not inspect."),
                                   field="inspector")
        unit_name = ""
    else:
        raise ValidationFailed("bad_kind", _("Unknown kind of avoidance rule."), field="kind")
    rule = ConflictRule.objects.create(kind=kind, subject=subject, unit_name=unit_name.strip(),
                                       inspector=inspector, reason=reason.strip(),
                                       created_by=actor)
    record_event(actor=actor, action="supervision.conflict_create", target=rule,
                 after=snapshot(rule))
    return rule


@transaction.atomic
def conflict_rule_deactivate(*, actor: User, rule: ConflictRule, reason: str) -> ConflictRule:
    _require_planner(actor, _("keep the avoidance rules"))
    if not reason.strip():
        raise ValidationFailed("required", _("Give the reason."), field="reason")
    rule = ConflictRule.objects.select_for_update().get(pk=rule.pk)
    rule.is_active = False
    rule.save(update_fields=["is_active"])
    record_event(actor=actor, action="supervision.conflict_deactivate", target=rule,
                 before={"is_active": True}, after={"is_active": False, "reason": reason})
    return rule


# --- the draw --------------------------------------------------------------------------------

def _pool_inspectors(pool: InspectorPool | None) -> list[Inspector]:
    qs = Inspector.objects.filter(is_active=True, pool__is_active=True)
    if pool is not None:
        qs = qs.filter(pool=pool)
    return list(qs.order_by("id"))


def _forbidden_pairs(
    *, subject_ids: set[int], inspectors: list[Inspector]
) -> set[tuple[int, int]]:
    """Every (subject, inspector) pair an active avoidance rule forbids, among these people.

    Unit rules are matched on the unit's name (stripped), which is the department's name for
    inspectors registered with a department, so a rule can name either.
    """
    by_unit: dict[str, list[int]] = {}
    for inspector in inspectors:
        by_unit.setdefault(inspector.unit_name.strip(), []).append(inspector.pk)
    pool_ids = {i.pk for i in inspectors}
    pairs: set[tuple[int, int]] = set()
    rules = ConflictRule.objects.filter(is_active=True).values_list(
        "kind", "subject_id", "unit_name", "inspector_id")
    for kind, subject_id, unit_name, inspector_id in rules.iterator():
        if subject_id not in subject_ids:
            continue
        if kind == ConflictRule.Kind.PAIR and inspector_id in pool_ids:
            pairs.add((subject_id, inspector_id))
        elif kind == ConflictRule.Kind.UNIT:
            pairs.update((subject_id, i) for i in by_unit.get(unit_name.strip(), []))
    return pairs


def _check_draw_args(
    *, category: str, date_from: dt.date, date_to: dt.date, seed: int | None,
    inspectors_per_subject: int,
) -> None:
    if category not in Category.values:
        raise ValidationFailed("bad_category", _("Unknown category %(c)s.") % {"c": category},
                               field="category")
    if date_to < date_from:
        raise ValidationFailed("bad_period",
                               _("The inspection period must not end before it starts."),
                               field="date_to")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValidationFailed("bad_seed",
                               _("The seed must be a whole number from 0 to %(max)s.")
                               % {"max": MAX_SEED}, field="seed")
    if not 1 <= inspectors_per_subject <= MAX_INSPECTORS_PER_SUBJECT:
        raise ValidationFailed(
            "bad_inspector_count",
            _("Choose 1 to %(max)s inspectors per subject.") % {"max": MAX_INSPECTORS_PER_SUBJECT},
            field="inspectors_per_subject",
        )


def _summary_rows(draw_input: DrawInput) -> list[dict[str, Any]]:
    """Per-grade population, ratio and count drawn, in draw order (best grade first)."""
    return [{"grade": s.grade, "population": s.population, "ratio": str(s.ratio),
             "drawn": s.drawn} for s in summarise(draw_input)]


def _draw_or_refuse(draw_input: DrawInput, seed: int, category: str) -> list:
    """Run the draw, turning its failures into refusals that name the grade or the subject."""
    try:
        return draw(draw_input, seed)
    except MissingRatio as exc:
        raise ValidationFailed(
            "no_measure",
            _("No supervision measure is configured for grade %(grade)s of %(category)s; "
              "add it before drawing.")
            % {"grade": exc.grade, "category": Category(category).label},
        ) from exc
    except NotEnoughInspectors as exc:
        subject = Subject.objects.get(pk=exc.subject_id)
        raise ValidationFailed(
            "no_eligible_inspectors",
            _("Cannot assign %(needed)s inspectors to %(name)s (%(code)s): only %(eligible)s "
              "inspectors in the pool are free of avoidance rules for it. Add inspectors from "
              "other units or reduce the number per subject.")
            % {"needed": exc.needed, "name": subject.name, "code": subject.display_code,
               "eligible": exc.eligible},
            field="inspectors_per_subject",
        ) from exc


@transaction.atomic
def plan_draw(
    *, actor: User, category: str, date_from: dt.date, date_to: dt.date,
    seed: int | None = None, inspectors_per_subject: int = DEFAULT_INSPECTORS_PER_SUBJECT,
    as_of: dt.date | None = None, pool: InspectorPool | None = None, name: str = "",
    internal_note: str = "",
) -> InspectionPlan:
    """Draw a 双随机、一公开 plan: subjects stratified by grade, inspectors at random.

    Each grade is sampled at its own `SupervisionMeasure.sampling_ratio` (REFERENCE §4: the
    ratio rises with the credit-risk class, 国市监信发〔2022〕6号), so the grade drives how
    often a subject is inspected. Grades are read from the category's current evaluation batch
    (or the batch in force on `as_of`); the seed (random unless given), the batch and the whole
    draw input are stored on the plan and their digests go to the audit chain, so the draw can
    be re-run and verified (`plan_verify`). If the avoidance rules leave some drawn subject
    without enough inspectors, nothing is saved and the subject is named.
    """
    _require_planner(actor, _("draw random-inspection plans"))
    _check_draw_args(category=category, date_from=date_from, date_to=date_to, seed=seed,
                     inspectors_per_subject=inspectors_per_subject)
    if pool is not None and not pool.is_active:
        raise ValidationFailed("inactive_pool", _("This inspector pool is not in use."),
                               field="pool")
    batch = batch_for(category=category, as_of=as_of)
    candidates = grade_snapshot(category=category, batch=batch)
    if not candidates:
        raise ValidationFailed("no_subjects",
                               _("There are no active subjects in %(category)s to draw from.")
                               % {"category": Category(category).label}, field="category")
    inspectors = _pool_inspectors(pool)
    measure_rows = list(SupervisionMeasure.objects.filter(category=category)
                        .order_by("position", "grade").values_list("grade", "sampling_ratio"))
    subject_ids = {s for s, _g in candidates}
    key = key_supervision_subjects(category=category) & subject_ids
    draw_input = DrawInput.build(
        candidates=candidates, ratios=dict(measure_rows), inspectors=[i.pk for i in inspectors],
        forbidden=_forbidden_pairs(subject_ids=subject_ids, inspectors=inspectors),
        inspectors_per_subject=inspectors_per_subject,
        grade_order=[grade for grade, _ratio in measure_rows], key_supervision=key,
    )
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    drawn = _draw_or_refuse(draw_input, seed, category)
    if not drawn:
        raise ValidationFailed("nothing_drawn",
                               _("Every grade of %(category)s has a sampling ratio of 0; "
                                 "nothing would be inspected.")
                               % {"category": Category(category).label})
    stored = draw_input.as_json()
    plan = InspectionPlan.objects.create(
        name=name.strip() or _("%(category)s random inspection %(start)s to %(end)s") % {
            "category": Category(category).label, "start": date_from, "end": date_to},
        category=category, date_from=date_from, date_to=date_to, seed=seed, algorithm=ALGORITHM,
        batch=batch, as_of=as_of or clock.today(), pool=pool,
        inspectors_per_subject=inspectors_per_subject, draw_input=stored,
        candidates_digest=candidates_digest(draw_input), input_digest=canonical_digest(stored),
        summary=_summary_rows(draw_input), internal_note=internal_note.strip(),
        created_by=actor,
    )
    items = PlanItem.objects.bulk_create(
        PlanItem(plan=plan, position=n, subject_id=d.subject_id, grade=d.grade)
        for n, d in enumerate(drawn, start=1)
    )
    PlanAssignment.objects.bulk_create(
        PlanAssignment(item=item, inspector_id=inspector_id, position=k)
        for item, d in zip(items, drawn, strict=True)
        for k, inspector_id in enumerate(d.inspector_ids, start=1)
    )
    record_event(actor=actor, action=DRAW_ACTION, target=plan, after={
        "category": category, "date_from": date_from, "date_to": date_to, "seed": seed,
        "algorithm": ALGORITHM, "batch": plan.batch_id, "as_of": plan.as_of,
        "candidates": len(candidates), "candidates_digest": plan.candidates_digest,
        "input_digest": plan.input_digest, "items": len(items), "summary": plan.summary,
        "key_supervision": sorted(key), "rounding": ROUNDING,
    })
    return plan


# --- verification ----------------------------------------------------------------------------

@dataclass
class Verification:
    """What `plan_verify` found. `ok` only if every check passed."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    items_checked: int = 0
    # Whether the recorded batch still yields the stored candidate list (None: no batch). Only
    # informative: a subject cancelled since the draw changes it without touching the plan.
    batch_agrees: bool | None = None


def _actual_items(plan: InspectionPlan) -> list[tuple[int, str, tuple[int, ...]]]:
    assignments: dict[int, list[tuple[int, int]]] = {}
    for item_id, position, inspector_id in PlanAssignment.objects.filter(
        item__plan=plan
    ).values_list("item_id", "position", "inspector_id"):
        assignments.setdefault(item_id, []).append((position, inspector_id))
    return [
        (subject_id, grade, tuple(i for _p, i in sorted(assignments.get(item_id, []))))
        for item_id, subject_id, grade in plan.items.order_by("position").values_list(
            "id", "subject_id", "grade")
    ]


def plan_verify(*, plan: InspectionPlan) -> Verification:
    """Re-run the draw from the recorded seed and input and compare it with the stored plan.

    Checks, in order: the stored input still has the digests recorded at the draw, both in the
    plan and in the (tamper-evident) audit chain; the seed matches the audit record; re-running
    `draw` reproduces every item — subject, grade and inspectors in order — exactly. Uses only
    what was stored, never today's grades, so later re-grades do not affect it.
    """
    plan = InspectionPlan.objects.get(pk=plan.pk)
    problems: list[str] = []
    if plan.algorithm not in ALGORITHMS:
        return Verification(False, [_("Unknown draw algorithm %(a)s.") % {"a": plan.algorithm}])
    try:
        draw_input = DrawInput.from_json(plan.draw_input)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return Verification(False, [_("The stored draw input is unreadable.")])
    if canonical_digest(draw_input.as_json()) != plan.input_digest:
        problems.append(_("The stored draw input does not match its recorded digest."))
    if candidates_digest(draw_input) != plan.candidates_digest:
        problems.append(_("The stored candidate list does not match its recorded digest."))
    event = AuditEvent.objects.filter(
        action=DRAW_ACTION, target_type=InspectionPlan._meta.label_lower,
        target_id=str(plan.pk),
    ).order_by("seq").first()
    if event is None:
        problems.append(_("The audit log has no record of this draw."))
    else:
        recorded = event.after or {}
        if recorded.get("seed") != plan.seed:
            problems.append(_("The seed differs from the one recorded in the audit log."))
        if (recorded.get("input_digest") != plan.input_digest
                or recorded.get("candidates_digest") != plan.candidates_digest):
            problems.append(_("The draw input differs from the one recorded in the audit log."))
    actual = _actual_items(plan)
    try:
        expected = [(d.subject_id, d.grade, d.inspector_ids) for d in draw(draw_input, plan.seed)]
    except (MissingRatio, NotEnoughInspectors) as exc:
        problems.append(_("Re-running the draw failed: %(e)s") % {"e": exc})
        expected = []
    if expected and expected != actual:
        if len(expected) != len(actual):
            problems.append(_("The plan has %(a)s items; the draw gives %(e)s.")
                            % {"a": len(actual), "e": len(expected)})
        for n, (want, have) in enumerate(zip(expected, actual, strict=False), start=1):
            if want != have:
                problems.append(_("Item %(n)s differs from what the seed produces.") % {"n": n})
                break
    batch_agrees = None
    if plan.batch_id is not None:
        fresh = grade_snapshot(category=plan.category, batch=plan.batch)
        batch_agrees = sorted(fresh) == list(draw_input.candidates)
    return Verification(not problems, problems, len(actual), batch_agrees)


# --- publication and results -----------------------------------------------------------------

@transaction.atomic
def plan_publish(*, actor: User, plan: InspectionPlan, public_note: str = "") -> InspectionPlan:
    """Publish the plan's public part (一公开): subjects, period and inspectors' names.

    A plan that does not verify is refused, so what is published is provably what the seed drew.
    Published plans never change; results are added as credit records.
    """
    _require_planner(actor, _("publish random-inspection plans"))
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("already_published", _("This plan is already published."))
    check = plan_verify(plan=plan)
    if not check.ok:
        raise Conflict("plan_not_verified",
                       _("The plan does not verify and cannot be published: %(p)s")
                       % {"p": " ".join(map(str, check.problems))})
    plan.status = PlanStatus.PUBLISHED
    plan.published_by, plan.published_at = actor, clock.now()
    plan.public_note = public_note.strip()
    plan.save(update_fields=["status", "published_by", "published_at", "public_note"])
    record_event(actor=actor, action="supervision.plan_publish", target=plan,
                 before={"status": PlanStatus.DRAFT},
                 after={"status": plan.status, "public_note": plan.public_note,
                        "input_digest": plan.input_digest})
    return plan


@transaction.atomic
def plan_record_result(
    *, actor: User, item: PlanItem, passed: bool, document_number: str, decided_on: dt.date,
    description: str = "", occurred_on: dt.date | None = None,
) -> CreditRecord:
    """Record an inspection result as a credit record and link it to the plan item.

    The result comes back into the flow as a record (DESIGN "feedback travels as new records"):
    `inspection_good` or `inspection_failed` from the catalogue, created through
    `records.services.record_create` and submitted at once, so it goes through the same
    validation and four-eyes review as any other record before it counts in a grade.
    """
    permissions.require(access.can_record_results(actor), _("enter inspection results"))
    item = PlanItem.objects.select_for_update().select_related("plan", "subject").get(pk=item.pk)
    plan = item.plan
    if plan.status != PlanStatus.PUBLISHED:
        raise Conflict("plan_not_published",
                       _("Results can be entered only for a published plan."))
    if item.result_record_id is not None:
        existing = CreditRecord.objects.get(pk=item.result_record_id)
        if existing.state != RecordState.REJECTED:
            raise Conflict("result_exists",
                           _("A result is already recorded for %(name)s (%(doc)s).")
                           % {"name": item.subject.name, "doc": existing.document_number})
    if decided_on < plan.date_from:
        raise ValidationFailed("before_plan",
                               _("The inspection cannot be earlier than the plan's period "
                                 "(from %(d)s).") % {"d": plan.date_from}, field="decided_on")
    code = RESULT_TYPES[bool(passed)]
    record_type = RecordType.objects.filter(code=code).first()
    if record_type is None:
        raise ServiceError("catalogue_incomplete",
                           _("The record catalogue lacks type %(code)s; load the record types "
                             "first.") % {"code": code})
    record = record_create(
        actor=actor, subject=item.subject, record_type=record_type,
        occurred_on=occurred_on or decided_on, decided_on=decided_on,
        document_number=document_number, description=description,
        internal_note=_("Random inspection plan %(plan)s, item %(n)s")
        % {"plan": plan.name, "n": item.position},
        submit=True,
    )
    previous = item.result_record_id
    item.result_record = record
    item.save(update_fields=["result_record"])
    record_event(actor=actor, action="supervision.plan_result", target=item,
                 before={"result_record": previous},
                 after={"result_record": record.pk, "passed": bool(passed),
                        "record_type": code, "plan": plan.pk})
    return record
