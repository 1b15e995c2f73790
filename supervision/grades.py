"""The one place supervision reads grades from `scoring` (the app to its left in the flow).

The grade of a subject is its `Evaluation` row in the batch its category's `CurrentBatch`
points to. Rows of the current batch can be rewritten by the incremental re-grade, so a plan
never relies on reading a batch again later: `plan_draw` copies the snapshot it read into the
plan (see `supervision.draw`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import FilteredRelation, Q
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch
from scoring.selectors import batch_in_force_on
from subjects.models import Category, Subject
from supervision.models import UNGRADED


def batch_for(*, category: str, as_of: dt.date | None = None) -> EvaluationBatch | None:
    """The batch whose grades a plan uses.

    Without `as_of`: the category's current batch (None if the category was never graded, in
    which case every subject is UNGRADED). With `as_of`: the latest complete, non-simulation
    batch computed as of that date or earlier; refused if there is none, since a plan "as of"
    a date nobody graded would silently sample everyone as ungraded, and refused if the batch
    in force that day was since pruned (`scoring.retention`).
    """
    if as_of is None:
        pointer = CurrentBatch.objects.filter(category=category).select_related("batch").first()
        return pointer.batch if pointer else None
    in_force = batch_in_force_on(category=category, as_of=as_of)
    if in_force is not None and in_force.status == BatchStatus.PRUNED:
        # an older batch would sample by grades that were no longer in force that day
        raise ValidationFailed(
            "batch_pruned",
            _("The grades of %(category)s in force on %(date)s (computed as of %(computed)s) "
              "were pruned under the retention rule for old batches; choose a later date.")
            % {"category": Category(category).label, "date": as_of,
               "computed": in_force.as_of}, field="as_of")
    batch = (
        EvaluationBatch.objects.filter(category=category, status=BatchStatus.COMPLETE,
                                       is_simulation=False, as_of__lte=as_of)
        .order_by("-as_of", "-finished_at", "-id").first()
    )
    if batch is None:
        raise ValidationFailed(
            "no_batch", _("%(category)s has no grades computed as of %(date)s or earlier.")
            % {"category": Category(category).label, "date": as_of}, field="as_of")
    return batch


def grade_snapshot(*, category: str, batch: EvaluationBatch | None) -> list[tuple[int, str]]:
    """(subject id, grade) for every active subject of the category, UNGRADED if the batch has
    no row for it; one LEFT JOIN, sorted by subject id."""
    rows = (
        Subject.objects.filter(category=category, status=Subject.Status.ACTIVE)
        .annotate(ev=FilteredRelation("evaluations",
                                      condition=Q(evaluations__batch_id=getattr(batch, "pk", -1))))
        .order_by("pk").values_list("pk", "ev__grade")
    )
    return [(pk, grade or UNGRADED) for pk, grade in rows.iterator(chunk_size=5000)]


def current_grade(*, subject: Subject) -> str | None:
    """The subject's grade in its category's current batch, or None if it has none."""
    pointer = CurrentBatch.objects.filter(category=subject.category).first()
    if pointer is None:
        return None
    return (Evaluation.objects.filter(batch_id=pointer.batch_id, subject=subject)
            .values_list("grade", flat=True).first())
