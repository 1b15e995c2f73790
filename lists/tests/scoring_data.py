"""Evaluation rows written straight into scoring's tables (read-only use by lists)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from scoring.models import CurrentBatch, Evaluation, EvaluationBatch, ScoringModel
from subjects.models import Subject

GRADES = ["A", "B", "C", "D"]


def scoring_model(category: str = "builder") -> ScoringModel:
    model, _ = ScoringModel.objects.get_or_create(
        code=f"test-{category}", version=1,
        defaults={"name": "test", "category": category, "effective_from": dt.date(2025, 1, 1),
                  "source": "", "spec": {"grades": [{"name": g, "min": None,
                                                      "or_no_bad_record": False}
                                                     for g in GRADES]}},
    )
    return model


def batch(grades: dict[Subject, str], *, as_of: dt.date, category: str = "builder",
          current: bool = True) -> EvaluationBatch:
    """A complete batch with the given grades; made the category's current batch."""
    b = EvaluationBatch.objects.create(model=scoring_model(category), category=category,
                                       as_of=as_of, status="complete",
                                       started_at=timezone.now(), finished_at=timezone.now(),
                                       subject_count=len(grades))
    Evaluation.objects.bulk_create(
        Evaluation(batch=b, subject=s, score=Decimal("90"), grade=g) for s, g in grades.items())
    if current:
        CurrentBatch.objects.update_or_create(category=category, defaults={
            "batch": b, "switched_at": timezone.now()})
    return b
