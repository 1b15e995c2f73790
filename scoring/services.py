"""Writes on scoring models: upload and edit drafts, publish with four eyes, retire, simulate.

Every function is one business action: it checks the actor, validates, changes rows and writes
its audit event in one transaction (audit.services.record_event). Published versions never
change (issue 3: "published versions never change"); a correction is a new version.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from audit.services import record_event, snapshot
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from records.models import RecordType
from scoring import engine
from scoring.evaluator import Contribution, evaluate_subject
from scoring.facts import record_facts_for, subject_facts_for
from scoring.language import LanguageError, Spec, parse
from scoring.models import ModelRetirement, ModelStatus, RetirementState, ScoringModel
from scoring.permissions import can_manage_models
from scoring.sqlcompile import grade_changes_sql, load_catalogue

SHIPPED_DIR = Path(__file__).resolve().parent / "models_shipped"
AUDIT_FIELDS = ["code", "version", "name", "category", "status", "effective_from"]


def _catalogue_for_validation() -> dict[str, tuple[str, str, str]] | None:
    rows = RecordType.objects.values_list("code", "group", "polarity", "severity")
    return {code: (group, polarity, severity) for code, group, polarity, severity in rows} or None


def validate_source(source: str) -> Spec:
    """Parse against the current catalogue; a `ValidationFailed` naming line and field."""
    if not source.strip():
        raise ValidationFailed("required", _("The model document is empty."), field="source")
    try:
        return parse(source, catalogue=_catalogue_for_validation())
    except LanguageError as exc:
        error = ValidationFailed("invalid_model", str(exc), field="source")
        error.problems = exc.problems  # type: ignore[attr-defined]
        raise error from exc


def _require_manager(actor: Any, action: str) -> None:
    account_permissions.require(can_manage_models(actor), action)


def _locked(model: ScoringModel) -> ScoringModel:
    return ScoringModel.objects.select_for_update().get(pk=model.pk)


@transaction.atomic
def model_upload_draft(*, actor: Any, source: str) -> ScoringModel:
    """Store an uploaded document as the next draft version of its model code."""
    _require_manager(actor, _("upload scoring models"))
    spec = validate_source(source)
    last = ScoringModel.objects.filter(code=spec.code).aggregate(v=Max("version"))["v"] or 0
    model = ScoringModel.objects.create(
        code=spec.code, version=last + 1, name=spec.name, category=spec.category,
        effective_from=spec.effective_from, source=source, spec=spec.to_json(),
        created_by=actor, updated_by=actor,
    )
    record_event(actor=actor, action="scoring.model_upload", target=model,
                 after=snapshot(model, AUDIT_FIELDS))
    return model


@transaction.atomic
def model_update_draft(*, actor: Any, model: ScoringModel, source: str) -> ScoringModel:
    """Replace a draft's document; a published or retired version is refused (make a new one)."""
    _require_manager(actor, _("edit scoring models"))
    model = _locked(model)
    if model.status != ModelStatus.DRAFT:
        raise Conflict("model_published",
                       _("%(model)s is %(status)s and can no longer change; upload a new "
                         "version instead.") % {"model": model.label,
                                                "status": model.get_status_display()})
    spec = validate_source(source)
    if spec.code != model.code:
        raise ValidationFailed(
            "code_changed",
            _("The document's code %(new)s differs from this model's code %(old)s; upload it as "
              "a new model instead.") % {"new": spec.code, "old": model.code}, field="source")
    before = snapshot(model, AUDIT_FIELDS)
    model.name, model.category, model.effective_from = spec.name, spec.category, \
        spec.effective_from
    model.source, model.spec, model.updated_by = source, spec.to_json(), actor
    model.save()
    record_event(actor=actor, action="scoring.model_update", target=model, before=before,
                 after=snapshot(model, AUDIT_FIELDS))
    return model


@transaction.atomic
def model_publish(*, actor: Any, model: ScoringModel) -> ScoringModel:
    """Publish a draft (four eyes: whoever uploaded or last edited it may not).

    The previous published version of the same code is retired in the same transaction;
    other codes of the category stay published (which one applies at a date is decided by
    `effective_from`, see `engine.model_in_effect`).
    """
    _require_manager(actor, _("publish scoring models"))
    model = _locked(model)
    if model.status != ModelStatus.DRAFT:
        raise Conflict("model_not_draft", _("%(model)s is not a draft.")
                       % {"model": model.label})
    if actor.pk in (model.created_by_id, model.updated_by_id):
        raise PermissionDeniedError(
            "four_eyes",
            _("You uploaded or edited this model; another administrator must publish it."))
    spec = validate_source(model.source)  # the catalogue may have changed since the upload
    if spec.to_json() != model.spec:
        model.spec = spec.to_json()
    now = clock.now()
    for previous in ScoringModel.objects.select_for_update().filter(
        code=model.code, status=ModelStatus.PUBLISHED
    ):
        previous.retire()
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at", "updated_at"])
        record_event(actor=actor, action="scoring.model_retire", target=previous,
                     before={"status": ModelStatus.PUBLISHED},
                     after={"status": previous.status, "replaced_by": model.label})
    model.publish()
    model.published_by, model.published_at = actor, now
    model.save()
    record_event(actor=actor, action="scoring.model_publish", target=model,
                 before={"status": ModelStatus.DRAFT}, after=snapshot(model, AUDIT_FIELDS))
    return model


MIN_REASON_LENGTH = 5


@transaction.atomic
def model_retire_request(*, actor: Any, model: ScoringModel, successor: ScoringModel,
                         reason: str) -> ModelRetirement:
    """Ask to take a published model out of use; a second administrator decides.

    The request names the published model of the same category that takes over (so the
    category never goes without a model in force) and gives a written reason.
    """
    _require_manager(actor, _("retire scoring models"))
    model = _locked(model)
    reason = (reason or "").strip()
    if model.status != ModelStatus.PUBLISHED:
        raise Conflict("model_not_published", _("%(model)s is not published.")
                       % {"model": model.label})
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed("reason_required",
                               _("Give the reason for retiring the model (at least %(n)d "
                                 "characters).") % {"n": MIN_REASON_LENGTH}, field="reason")
    _check_successor(model=model, successor=successor)
    if model.retirements.filter(state=RetirementState.REQUESTED).exists():
        raise Conflict("retirement_pending",
                       _("A retirement of %(model)s already awaits a decision.")
                       % {"model": model.label})
    request = ModelRetirement.objects.create(
        model=model, successor=successor, reason=reason, requested_by=actor,
        requested_at=clock.now())
    record_event(actor=actor, action="scoring.model_retire_request", target=model,
                 after={"successor": successor.label, "reason": reason,
                        "request": request.pk})
    return request


def _check_successor(*, model: ScoringModel, successor: ScoringModel | None) -> None:
    """The model taking over must be another published model of the same category, already in
    effect, so the category's grades can be re-computed by it at once."""
    ok = (successor is not None and successor.pk != model.pk
          and successor.status == ModelStatus.PUBLISHED
          and successor.category == model.category
          and successor.effective_from <= clock.today())
    if not ok:
        raise ValidationFailed(
            "successor_required",
            _("Name another published model of the same category, already in effect, to take "
              "over: a category is never left without a model in force."), field="successor")


@transaction.atomic
def model_retire_decide(*, actor: Any, request: ModelRetirement, confirm: bool,
                        note: str = "") -> ModelRetirement:
    """Confirm or refuse a retirement (four eyes: never the person who asked).

    On confirmation the model is retired and its category is re-graded by the successor in the
    same transaction, so the current grades, and every check that quotes them, name a model in
    force.
    """
    _require_manager(actor, _("retire scoring models"))
    request = ModelRetirement.objects.select_for_update().get(pk=request.pk)
    if request.state != RetirementState.REQUESTED:
        raise Conflict("retirement_decided", _("This retirement has already been decided."))
    if actor.pk == request.requested_by_id:
        raise PermissionDeniedError(
            "four_eyes", _("You asked for this retirement; another administrator must decide."))
    model = _locked(request.model)
    request.decided_by, request.decided_at = actor, clock.now()
    request.decision_note = (note or "").strip()
    if not confirm:
        request.state = RetirementState.REFUSED
        request.save()
        record_event(actor=actor, action="scoring.model_retire_refuse", target=model,
                     after={"request": request.pk, "note": request.decision_note})
        return request
    successor = ScoringModel.objects.select_for_update().get(pk=request.successor_id)
    _check_successor(model=model, successor=successor)
    if model.status != ModelStatus.PUBLISHED:
        raise Conflict("model_not_published", _("%(model)s is not published.")
                       % {"model": model.label})
    model.retire()
    model.retired_at = request.decided_at
    model.save(update_fields=["status", "retired_at", "updated_at"])
    request.state = RetirementState.CONFIRMED
    request.save()
    record_event(actor=actor, action="scoring.model_retire", target=model,
                 before={"status": ModelStatus.PUBLISHED},
                 after={"status": model.status, "replaced_by": successor.label,
                        "reason": request.reason, "requested_by": str(request.requested_by)})
    engine.regrade(model=successor, actor=actor)
    return request


def regrade_now(*, actor: Any, as_of: dt.date | None = None, category: str | None = None,
                model: ScoringModel | None = None) -> list[Any]:
    """A full re-grade asked for from the workbench (audited by the engine's switch)."""
    _require_manager(actor, _("re-grade subjects"))
    if model is not None:
        return [engine.regrade(model=model, as_of=as_of, actor=actor)]
    return engine.regrade_in_effect(as_of=as_of, categories=[category] if category else None,
                                    actor=actor)


# --- shipped models ------------------------------------------------------------------------------

@transaction.atomic
def install_shipped_models(*, publish: bool = True, directory: Path = SHIPPED_DIR
                           ) -> list[ScoringModel]:
    """Load scoring/models_shipped/*.toml; a document already stored (same source) is skipped.

    A deployment step, not a person's decision, so it runs as "system" and (with `publish`)
    publishes directly; the audit log says so (action scoring.model_install).

    Models are installed by code. A shipped model whose code was renamed (e.g. to a neutral
    code without a city's name) would otherwise leave the old code published beside it, two
    models applying to one category; so, when publishing, every model of a shipped category
    that the deployment itself published (`published_by` empty) under a code no longer shipped
    is retired (`_retire_unshipped`). A model an administrator published is never touched.
    """
    installed: list[ScoringModel] = []
    for path in sorted(directory.glob("*.toml")):
        source = path.read_text(encoding="utf-8")
        spec = validate_source(source)
        existing = ScoringModel.objects.filter(code=spec.code, source=source).first()
        if existing is not None:
            installed.append(existing)
            continue
        last = ScoringModel.objects.filter(code=spec.code).aggregate(v=Max("version"))["v"] or 0
        model = ScoringModel(
            code=spec.code, version=last + 1, name=spec.name, category=spec.category,
            effective_from=spec.effective_from, source=source, spec=spec.to_json(),
        )
        now = clock.now()
        if publish:
            for previous in ScoringModel.objects.filter(code=spec.code,
                                                        status=ModelStatus.PUBLISHED):
                previous.retire()
                previous.retired_at = now
                previous.save(update_fields=["status", "retired_at", "updated_at"])
            model.publish()
            model.published_at = now
            model.published_by = None
        model.save()
        record_event(actor=None, action="scoring.model_install", target=model,
                     after={**snapshot(model, AUDIT_FIELDS), "file": path.name})
        installed.append(model)
    if publish:
        _retire_unshipped(installed)
    return installed


def _retire_unshipped(installed: list[ScoringModel]) -> None:
    """Retire deployment-published models of the shipped categories whose code is no longer
    shipped (a renamed shipped model), each audited as scoring.model_install."""
    by_category = {m.category: m for m in installed if m.status == ModelStatus.PUBLISHED}
    codes = {m.code for m in installed}
    now = clock.now()
    stale = ScoringModel.objects.select_for_update().filter(
        category__in=list(by_category), status=ModelStatus.PUBLISHED, published_by__isnull=True
    ).exclude(code__in=codes)
    for previous in stale:
        successor = by_category[previous.category]
        previous.retire()
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at", "updated_at"])
        record_event(actor=None, action="scoring.model_install", target=previous,
                     before={"status": ModelStatus.PUBLISHED},
                     after={"status": previous.status, "replaced_by": successor.label,
                            "reason": "shipped model code renamed"})


# --- what-if -------------------------------------------------------------------------------------

@dataclass
class Change:
    subject_id: int
    subject_name: str
    before_grade: str
    before_score: Any
    after_grade: str
    after_score: Any
    before_lines: tuple[Contribution, ...] = ()
    after_lines: tuple[Contribution, ...] = ()


@dataclass
class WhatIf:
    draft: ScoringModel
    baseline: ScoringModel | None
    as_of: dt.date
    before: list[tuple[str, int]]
    after: list[tuple[str, int]]
    matrix: dict[tuple[str, str], int]
    changed_count: int
    changes: list[Change] = field(default_factory=list)
    subject_count: int = 0


def _ordered(counter: Counter[str], order: tuple[str, ...]) -> list[tuple[str, int]]:
    names = list(order) + sorted(g for g in counter if g not in order)
    return [(g, counter[g]) for g in names if counter[g]]


def what_if(*, draft: ScoringModel, as_of: dt.date | None = None, actor: Any = None,
            limit: int = 50) -> WhatIf:
    """Run a draft against the data as of a date without publishing it or touching any batch.

    One SQL statement evaluates the category's model in effect ("before") and the draft
    ("after") in the same scan and returns only the before→after matrix and the first `limit`
    subjects whose grade changes; those few are then explained by the plain evaluator under
    both models. Nothing is written except the audit line saying who simulated what.
    """
    if actor is not None:
        _require_manager(actor, _("simulate scoring models"))
    as_of = as_of or clock.today()
    spec_after = engine.spec_of(draft)
    baseline = engine.model_in_effect(category=draft.category, as_of=as_of)
    if baseline is not None and baseline.pk == draft.pk:
        baseline = None
    spec_before = engine.spec_of(baseline) if baseline is not None else None
    sql = grade_changes_sql(after=spec_after, before=spec_before, catalogue=load_catalogue(),
                            as_of=as_of, vendor=connection.vendor, limit=limit)
    matrix: dict[tuple[str, str], int] = {}
    changed_ids: list[tuple[int, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for kind, before_grade, after_grade, number in cursor.fetchall():
            if kind == "m":
                matrix[(before_grade or "", after_grade)] = int(number)
            else:
                changed_ids.append((int(number), before_grade or "", after_grade))
    before, after = Counter[str](), Counter[str]()
    for (b, a), n in matrix.items():
        before[b] += n
        after[a] += n
    order_before = spec_before.all_grade_names if spec_before else ()
    result = WhatIf(
        draft=draft, baseline=baseline, as_of=as_of,
        before=_ordered(before, order_before) if spec_before else [],
        after=_ordered(after, spec_after.all_grade_names), matrix=matrix,
        changed_count=sum(n for (b, a), n in matrix.items() if b != a),
        subject_count=sum(matrix.values()),
    )
    ids = [sid for sid, _b, _a in changed_ids]
    subjects = subject_facts_for(ids)
    records = record_facts_for(ids)
    from subjects.models import Subject

    names = dict(Subject.objects.filter(pk__in=ids).values_list("pk", "name"))
    for sid, _b, _a in changed_ids:
        after_result = evaluate_subject(spec=spec_after, subject_facts=subjects[sid],
                                        records=records.get(sid, []), as_of=as_of)
        before_result = (
            evaluate_subject(spec=spec_before, subject_facts=subjects[sid],
                             records=records.get(sid, []), as_of=as_of)
            if spec_before is not None else None
        )
        result.changes.append(Change(
            subject_id=sid, subject_name=names.get(sid, ""),
            before_grade=before_result.grade if before_result else "",
            before_score=before_result.score if before_result else None,
            after_grade=after_result.grade, after_score=after_result.score,
            before_lines=before_result.contributions if before_result else (),
            after_lines=after_result.contributions,
        ))
    if actor is not None:
        with transaction.atomic():
            record_event(actor=actor, action="scoring.what_if", target=draft,
                         after={"as_of": as_of, "baseline": getattr(baseline, "label", None),
                                "subjects": result.subject_count,
                                "changed": result.changed_count})
    return result
