"""Reads of classified supervision: measures per grade, plans and their items, the public part.

Later capabilities (credit check at approval, lists, monitoring) ask `measures_for` /
`measures_for_subject` rather than reading grades themselves, so "grade → measures" lives in
one place (DESIGN: a measure is always derived from grade, lists and rules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from subjects.models import Category, Subject
from supervision.grades import current_grade
from supervision.models import (
    UNGRADED,
    ConflictRule,
    InspectionPlan,
    Inspector,
    InspectorPool,
    PlanAssignment,
    PlanItem,
    PlanStatus,
    SupervisionMeasure,
)


def measures_for(*, category: str, grade: str) -> SupervisionMeasure | None:
    """The measure row for a grade of a category, or None if none is configured."""
    return SupervisionMeasure.objects.filter(category=category, grade=grade).first()


def measures_for_subject(*, subject: Subject) -> tuple[str, SupervisionMeasure | None]:
    """The subject's current grade (UNGRADED if none) and the measure that grade carries."""
    grade = current_grade(subject=subject) or UNGRADED
    return grade, measures_for(category=subject.category, grade=grade)


def measures_by_category() -> dict[str, list[SupervisionMeasure]]:
    """Every category (in the catalogue's order) with its measures, best grade first."""
    out: dict[str, list[SupervisionMeasure]] = {c: [] for c in Category.values}
    for measure in SupervisionMeasure.objects.order_by("category", "position", "grade"):
        out.setdefault(measure.category, []).append(measure)
    return out


def plans(*, category: str = "", status: str = "") -> QuerySet[InspectionPlan]:
    """Plans newest first, with item and result counts for the list page."""
    qs = InspectionPlan.objects.select_related("created_by", "batch").annotate(
        item_count=Count("items", distinct=True),
        result_count=Count("items", filter=Q(items__result_record__isnull=False),
                           distinct=True),
    )
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def plan_items(*, plan: InspectionPlan) -> QuerySet[PlanItem]:
    """A plan's items in draw order, with subject, result and inspectors (in order) loaded."""
    return (
        PlanItem.objects.filter(plan=plan)
        .select_related("subject", "result_record", "result_record__record_type")
        .prefetch_related(Prefetch(
            "assignments", queryset=PlanAssignment.objects.select_related("inspector")
            .order_by("position"),
        ))
        .order_by("position")
    )


def public_plans() -> QuerySet[InspectionPlan]:
    """Published plans only: what the public site (portal) may list."""
    return InspectionPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by(
        "-published_at", "-id")


@dataclass(frozen=True)
class PublicRow:
    """One line of a plan's public part (一公开). Deliberately without grade, internal notes or
    any individual's ID number: grades of the risk classification are not published
    (山东 2025 "不公开"), and ID numbers never leave the back office (DESIGN, privacy)."""

    position: int
    subject_name: str
    subject_code: str  # USCC for enterprises; empty for individuals
    date_from: dt.date
    date_to: dt.date
    inspectors: str


def public_code(subject: Subject) -> str:
    """An enterprise's USCC is public information; an individual's ID number never is."""
    return subject.code if subject.kind == Subject.Kind.ENTERPRISE else ""


def public_plan_rows(*, plan: InspectionPlan) -> list[PublicRow]:
    return [
        PublicRow(
            position=item.position, subject_name=item.subject.name,
            subject_code=public_code(item.subject), date_from=plan.date_from,
            date_to=plan.date_to,
            inspectors="、".join(a.inspector.name for a in item.assignments.all()),
        )
        for item in plan_items(plan=plan)
    ]


def pools() -> QuerySet[InspectorPool]:
    return InspectorPool.objects.annotate(
        active_count=Count("inspectors", filter=Q(inspectors__is_active=True))
    ).order_by("name")


def inspectors(*, pool: InspectorPool | None = None) -> QuerySet[Inspector]:
    qs = Inspector.objects.select_related("pool", "department")
    return (qs.filter(pool=pool) if pool else qs).order_by("pool__name", "name", "id")


def conflict_rules(*, active_only: bool = True) -> QuerySet[ConflictRule]:
    qs = ConflictRule.objects.select_related("subject", "inspector", "created_by")
    return (qs.filter(is_active=True) if active_only else qs).order_by("-created_at", "-id")
