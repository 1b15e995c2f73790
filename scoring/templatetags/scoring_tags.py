"""`{% subject_evaluation subject %}`: the grade panel any page can include.

Self-contained (it reads through scoring.selectors), so the subject page needs only
`{% load scoring_tags %}{% subject_evaluation subject %}`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from scoring import selectors
from scoring.engine import spec_of

register = template.Library()


@register.inclusion_tag("scoring/_subject_evaluation.html")
def subject_evaluation(subject: Any, history_limit: int = 12) -> dict[str, Any]:
    explained = selectors.explanation(subject=subject)
    veto_name = ""
    if explained is not None and explained.evaluation.veto:
        veto_name = spec_of(explained.model).rule_name(explained.evaluation.veto)
    return {
        "explanation": explained,
        "veto_name": veto_name,
        "history": selectors.grade_history(subject=subject)[:history_limit],
    }


@register.filter
def cents(value: int | None) -> str:
    """A spec's integer cents shown as points: 5990 → "59.90"."""
    if value is None:
        return ""
    return str((Decimal(value) / 100).quantize(Decimal("0.01")))
