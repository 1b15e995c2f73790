"""Batch retention: old evaluation batches give their rows back (issue 14).

Every full re-grade writes a new batch per category (on PostgreSQL a partition of
`scoring_evaluation` each), and nothing else ever removes one; a nightly re-grade would add
365 partitions a year per category. `prune_old_batches` keeps, per category, the batch in force
(`CurrentBatch`) and the `keep_previous` complete batches before it (newest `as_of` first, the
order in which `lists` and `supervision` look back), and prunes every older complete batch:
its rows are removed (on PostgreSQL its partition is dropped, which is instant) and its status
becomes *pruned*, so the batch row itself, its model, date and subject count stay for the
record. A batch that a row of another table still names (a supervision plan's draw, the
pointer) is never pruned: those rows re-read its grades. A table whose rows keep their own copy
of what they quote (a credit check's snapshot holds the grade, score and model label) says so with
`register_self_contained_reference`, and its references keep the batch row, not its grades:
otherwise, where checks are made every day, nearly every batch that was ever current would stay
whole and the evaluation table would grow by a full batch a day.

Apps further along the flow may need more history than the setting gives (a red-list criterion
asking for the top grade in N consecutive evaluations): they say so with
`register_minimum_history`, and the larger number wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import ForeignKey, OneToOneField

from audit.services import record_event
from scoring.models import BatchStatus, CurrentBatch, Evaluation, EvaluationBatch
from scoring.sqlcompile import partition_name

logger = logging.getLogger(__name__)

# How long the drop may wait for the evaluation table's lock (PostgreSQL) before it gives up
# for this run: dropping a partition locks the whole table, and a lock request waiting behind
# a long report would stall every reader queued after it. What was not pruned is pruned next time.
LOCK_TIMEOUT = "5s"

#: Callables `() -> {category: batches needed}` (the current one included), see the module
#: docstring; one query each, whatever the number of categories.
_minimum_history: list[Callable[[], dict[str, int]]] = []


def register_minimum_history(func: Callable[[], dict[str, int]]) -> None:
    """Let an app say how many batches of each category (the current one included) it reads."""
    if func not in _minimum_history:
        _minimum_history.append(func)


#: (model, foreign-key field name) of references to a batch that do not keep its grades.
_self_contained: set[tuple[type, str]] = set()


def register_self_contained_reference(model: type, field_name: str) -> None:
    """Say that `model.field_name` names a batch for provenance only: its rows store what they
    quote from it, so the batch's grades may be pruned (its row always stays)."""
    _self_contained.add((model, field_name))


def keep_counts(*, keep_previous: int) -> dict[str, int]:
    """Previous batches to keep per category where an app reads more than the setting keeps
    (other categories keep `keep_previous`)."""
    out: dict[str, int] = {}
    for func in _minimum_history:
        for category, needed in func().items():
            out[category] = max(out.get(category, keep_previous), needed - 1)
    return out


def referenced_batch_ids() -> set[int]:
    """Batches named by a foreign key of any table but the evaluation rows themselves and the
    references registered as self-contained (`register_self_contained_reference`).

    Found through the model graph (`_meta.related_objects`), so a table added later by another
    app protects its batches without this module knowing it (scoring imports no app to its
    right).
    """
    ids: set[int] = set()
    # include_hidden: the referring keys are declared with related_name="+"
    for relation in EvaluationBatch._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete
                and isinstance(getattr(relation, "field", None), ForeignKey | OneToOneField)):
            continue
        if relation.related_model is Evaluation or (
                relation.related_model, relation.field.name) in _self_contained:
            continue
        column = relation.field.attname
        ids.update(relation.related_model._base_manager.filter(**{f"{column}__isnull": False})
                   .order_by().values_list(column, flat=True).distinct())
    return ids


def batches_to_prune(*, keep_previous: int) -> list[EvaluationBatch]:
    """The complete batches older than each category's current batch and its kept previous
    ones, and named by no other table (a constant number of queries)."""
    current = dict(CurrentBatch.objects.values_list("category", "batch_id"))
    if not current:
        return []
    protected = referenced_batch_ids() | set(current.values())
    keep = keep_counts(keep_previous=keep_previous)
    seen: dict[str, int] = {}
    out: list[EvaluationBatch] = []
    complete = (EvaluationBatch.objects.filter(category__in=list(current),
                                               status=BatchStatus.COMPLETE)
                .exclude(pk__in=list(current.values())).order_by("category", "-as_of", "-id")
                .only("pk", "category", "as_of", "subject_count"))
    for batch in complete:
        seen[batch.category] = rank = seen.get(batch.category, 0) + 1
        if rank > max(keep.get(batch.category, keep_previous), 0) and batch.pk not in protected:
            out.append(batch)
    return out


def prune_old_batches(*, keep_previous: int | None = None, actor: object = None) -> int:
    """Prune old complete batches (see the module docstring); returns how many were pruned.

    Regulation: none requires the platform to keep every superseded evaluation row; the record
    kept is the batch row (model, date, subject count), its audit event `scoring.regrade`, the
    grades every supervision plan re-reads (their batches are never pruned) and the grade each
    credit check copied into its snapshot. One transaction with its audit event
    `scoring.prune_batches`. On PostgreSQL the pruned batches' partitions are dropped; if the
    table's lock is not granted within `LOCK_TIMEOUT` nothing is pruned this time (logged) and
    the next run tries again.
    """
    if keep_previous is None:
        keep_previous = int(getattr(settings, "SCORING_KEEP_PREVIOUS_BATCHES", 2))
    candidates = batches_to_prune(keep_previous=keep_previous)
    if not candidates:
        return 0
    ids = [b.pk for b in candidates]
    try:
        with transaction.atomic():
            # re-checked under lock: a batch named by a row written meanwhile stays
            locked = list(EvaluationBatch.objects.select_for_update()
                          .filter(pk__in=ids, status=BatchStatus.COMPLETE)
                          .values_list("pk", flat=True))
            ids = sorted(set(locked) - referenced_batch_ids()
                         - set(CurrentBatch.objects.values_list("batch_id", flat=True)))
            if not ids:
                return 0
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    for batch_id in ids:
                        cursor.execute(f"DROP TABLE IF EXISTS {partition_name(batch_id)}")
            # rows outside a partition of their own (SQLite; the DEFAULT partition)
            Evaluation.objects.filter(batch_id__in=ids).delete()
            EvaluationBatch.objects.filter(pk__in=ids).update(status=BatchStatus.PRUNED)
            pruned = [b for b in candidates if b.pk in ids]
            record_event(
                actor=actor, action="scoring.prune_batches", target_type="scoring.evaluationbatch",
                target_id=",".join(str(i) for i in ids),
                after={"batches": [{"batch": b.pk, "category": b.category, "as_of": b.as_of,
                                    "subjects": b.subject_count} for b in pruned],
                       "keep_previous": keep_previous},
            )
    except OperationalError:
        logger.exception("pruning batches %s failed; the next run tries again", ids)
        return 0
    logger.info("pruned %d evaluation batch(es): %s", len(ids), ids)
    return len(ids)
