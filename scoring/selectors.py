"""Reads on grades: the current evaluation, its explanation, history, migration, distribution.

Readers always go through `CurrentBatch` (never "the latest batch"), so a re-grade that is still
building, or failed, is invisible to them (DESIGN.md "switches to it atomically").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count

from records.models import CreditRecord
from scoring.engine import spec_of
from scoring.evaluator import Contribution, Result, evaluate_subject
from scoring.facts import record_facts_for, subject_facts
from scoring.models import (
    BatchStatus,
    CurrentBatch,
    Evaluation,
    EvaluationBatch,
    ModelStatus,
    ScoringModel,
)
from subjects.models import Subject


def current_evaluation(*, subject: Subject
                       ) -> tuple[Evaluation, EvaluationBatch, ScoringModel] | None:
    """The subject's row in its category's current batch, with the batch and model."""
    pointer = (CurrentBatch.objects.select_related("batch__model")
               .filter(category=subject.category).first())
    if pointer is None:
        return None
    evaluation = Evaluation.objects.filter(batch_id=pointer.batch_id, subject=subject).first()
    if evaluation is None:
        return None
    evaluation.batch = pointer.batch
    return evaluation, pointer.batch, pointer.batch.model


@dataclass(frozen=True)
class Line:
    """A contribution with what a reader needs to recognise its record."""

    contribution: Contribution
    document_number: str = ""
    record_type: str = ""
    decided_on: dt.date | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self.contribution, name)


@dataclass(frozen=True)
class Explanation:
    evaluation: Evaluation
    batch: EvaluationBatch
    model: ScoringModel
    as_of: dt.date
    result: Result
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.contribution.points for line in self.lines), Decimal("0.00"))

    @property
    def matches_stored(self) -> bool:
        """False when records changed after this (historical) batch was computed."""
        return (self.result.score == self.evaluation.score
                and self.result.grade == self.evaluation.grade)


def explanation(*, subject: Subject, batch: EvaluationBatch | None = None) -> Explanation | None:
    """The subject's score in a batch (default: current) as contribution lines.

    Recomputed by the plain evaluator from the batch's model and the row's evaluation date;
    the lines sum exactly to the score (tests assert it equals the stored one).
    """
    if batch is None:
        found = current_evaluation(subject=subject)
        if found is None:
            return None
        evaluation, batch, model = found
    else:
        evaluation = Evaluation.objects.filter(batch=batch, subject=subject).first()
        if evaluation is None:
            return None
        model = batch.model
    as_of = evaluation.as_of or batch.as_of
    records = record_facts_for([subject.pk]).get(subject.pk, [])
    result = evaluate_subject(spec=spec_of(model), subject_facts=subject_facts(subject),
                              records=records, as_of=as_of)
    ids = [c.record_id for c in result.contributions if c.record_id]
    info = {
        r["id"]: r for r in CreditRecord.objects.filter(pk__in=ids).values(
            "id", "document_number", "record_type__name", "decided_on")
    }
    lines = tuple(
        Line(c, document_number=info[c.record_id]["document_number"],
             record_type=info[c.record_id]["record_type__name"],
             decided_on=info[c.record_id]["decided_on"])
        if c.record_id in info else Line(c)
        for c in result.contributions
    )
    return Explanation(evaluation=evaluation, batch=batch, model=model, as_of=as_of,
                       result=result, lines=lines)


def grade_history(*, subject: Subject) -> list[Evaluation]:
    """The subject's grade in every complete, non-simulation batch, newest first."""
    return list(
        Evaluation.objects.filter(subject=subject, batch__status=BatchStatus.COMPLETE,
                                  batch__is_simulation=False)
        .select_related("batch__model").order_by("-batch__as_of", "-batch__started_at")
    )


def batch_in_force_on(*, category: str, as_of: dt.date) -> EvaluationBatch | None:
    """The category's batch whose grades were in force on `as_of`: the newest complete or
    pruned (`scoring.retention`) non-simulation batch computed on or before that day. A pruned
    one no longer holds its rows: a page then says so rather than showing an older grade."""
    return (EvaluationBatch.objects.select_related("model")
            .filter(category=category, is_simulation=False, as_of__lte=as_of,
                    status__in=[BatchStatus.COMPLETE, BatchStatus.PRUNED])
            .order_by("-as_of", "-started_at", "-id").first())


def grade_distribution(*, batch: EvaluationBatch) -> list[tuple[str, int]]:
    """(grade, subjects) in the model's grade order, best first, veto grades last."""
    counts = dict(
        Evaluation.objects.filter(batch=batch).values_list("grade").annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    order = list(spec_of(batch.model).all_grade_names)
    names = order + sorted(g for g in counts if g not in order)
    return [(g, counts[g]) for g in names if g in counts]


def migration_matrix(*, from_batch: EvaluationBatch, to_batch: EvaluationBatch
                     ) -> dict[tuple[str, str], int]:
    """How many subjects moved from each grade to each grade (one GROUP BY).

    Subjects new in `to_batch` come from grade "" (not graded before).
    """
    table = Evaluation._meta.db_table
    sql = (f"SELECT COALESCE(f.grade, ''), t.grade, COUNT(*) FROM {table} t "
           f"LEFT JOIN {table} f ON f.subject_id = t.subject_id AND f.batch_id = %s "
           f"WHERE t.batch_id = %s GROUP BY COALESCE(f.grade, ''), t.grade")
    with connection.cursor() as cursor:
        cursor.execute(sql, [from_batch.pk, to_batch.pk])
        return {(f, t): int(n) for f, t, n in cursor.fetchall()}


def batches(*, category: str | None = None, include_simulations: bool = False
            ) -> list[EvaluationBatch]:
    qs = EvaluationBatch.objects.select_related("model", "triggered_by")
    if category:
        qs = qs.filter(category=category)
    if not include_simulations:
        qs = qs.filter(is_simulation=False)
    return list(qs.order_by("-started_at", "-id"))


def previous_batch(*, batch: EvaluationBatch) -> EvaluationBatch | None:
    """The complete (or since pruned) batch of the same category computed before this one (by
    creation); a pruned one has no rows left to compare with, which the page says."""
    return (EvaluationBatch.objects.filter(category=batch.category,
                                           status__in=[BatchStatus.COMPLETE, BatchStatus.PRUNED],
                                           is_simulation=False, pk__lt=batch.pk)
            .order_by("-pk").first())


def models_list(*, category: str | None = None) -> list[ScoringModel]:
    qs = ScoringModel.objects.select_related("created_by", "published_by")
    if category:
        qs = qs.filter(category=category)
    return list(qs.order_by("category", "code", "-version"))


def published_models() -> list[ScoringModel]:
    return list(ScoringModel.objects.filter(status=ModelStatus.PUBLISHED)
                .order_by("category", "-effective_from"))
