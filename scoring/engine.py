"""The set-based evaluation engine: full re-grade into a new batch, and one-subject re-grade.

Full re-grade (DESIGN.md "Storage and scale"; issue 3 "The engine"):

1. a batch row is created in state *building* and committed on its own;
2. one scan of the record table computes every subject of every model in the run
   (`scoring.sqlcompile.regrade_statements`); nothing per subject passes through Python.
   SQLite: one `WITH … INSERT INTO scoring_evaluation SELECT …`. PostgreSQL (whose
   `INSERT … SELECT` never runs in parallel): the record pass as a parallel
   `CREATE UNLOGGED TABLE … AS`, the graded subjects joined with it into a second scratch
   table, then per batch its subject pass as a parallel `CREATE TABLE … AS` whose constraints
   and index are built after the data, attached as the batch's partition of the evaluation
   table (partitioned by batch, migration 0005), the scratch tables dropped — all in one
   transaction, so a failure leaves nothing behind;
3. one short transaction marks every batch of the run complete, moves each category's
   `CurrentBatch` pointer (all categories at once, or none), re-grades the few subjects whose
   records changed while the batch was building (so an approval made during the build is not
   lost), and writes the audit event;
4. the retention rule prunes batches older than the kept history (`scoring.retention`).

A crash in step 2 or 3 rolls back and leaves the batches *failed* (their rows deleted) and the
pointers where they were, so readers keep the previous grades. A run killed outright (the
process gone) leaves its batches *building*; `fail_unfinished_batches` marks them failed and
empties them (on PostgreSQL their partitions are dropped) — at worker start for a job
(`scoring.tasks`), and at the next full re-grade for batches older than a day. Readers
follow the pointer, so they see the old batch or the new one, never a mix.

Incremental re-grade (`regrade_subject`) runs the same compiled statement restricted to one
subject (index lookups only) and rewrites that subject's row in the current batch; it is what
the `records.signals.record_state_changed` receiver calls inside the approving transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from scoring.language import Spec
from scoring.models import (
    BatchStatus,
    CurrentBatch,
    Evaluation,
    EvaluationBatch,
    ModelStatus,
    RecordChange,
    ScoringModel,
)
from scoring.retention import prune_old_batches
from scoring.sqlcompile import (
    Plan,
    TypeInfo,
    load_catalogue,
    partition_name,
    regrade_statements,
    scratch_prefix,
    select_sql,
    upsert_sql,
)
from subjects.models import Subject

logger = logging.getLogger(__name__)
# PostgreSQL work_mem for the re-grade statement only (SET LOCAL, this transaction).
WORK_MEM = getattr(settings, "SCORING_WORK_MEM", "256MB")


@dataclass(frozen=True)
class Row:
    """One computed evaluation, as the engine's SELECT returns it."""

    subject_id: int
    score: Decimal
    grade: str
    veto: str


_published_specs: dict[tuple, Spec] = {}


def spec_of(model: ScoringModel) -> Spec:
    """The parsed spec; cached per published or retired version, which never changes."""
    if model.status == ModelStatus.DRAFT or model.pk is None:
        return Spec.from_json(model.spec)
    key = (model.pk, model.code, model.version, model.published_at)
    spec = _published_specs.get(key)
    if spec is None:
        spec = _published_specs[key] = Spec.from_json(model.spec)
    return spec


def model_in_effect(*, category: str, as_of: dt.date) -> ScoringModel | None:
    """The category's published model that applies at `as_of` (latest effective_from wins)."""
    return (
        ScoringModel.objects.filter(category=category, status=ModelStatus.PUBLISHED,
                                    effective_from__lte=as_of)
        .order_by("-effective_from", "-published_at", "-version").first()
    )


def compute_rows(*, specs: list[Spec], as_of: dt.date, subject_id: int | None = None,
                 catalogue: dict[int, TypeInfo] | None = None) -> list[Row]:
    """Evaluate in SQL without writing anything (what-if, one-subject re-grade, tests)."""
    plans = [Plan(spec=spec, batch_id=n) for n, spec in enumerate(specs)]
    sql = select_sql(plans=plans, catalogue=catalogue or load_catalogue(), as_of=as_of,
                     vendor=connection.vendor, subject_id=subject_id)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [Row(subject_id=sid, score=(Decimal(score) / 100).quantize(Decimal("0.01")),
                    grade=grade, veto=veto)
                for _b, sid, score, grade, veto in cursor.fetchall()]


# Writers do not serialise on one row (the audit log appends to parallel streams, ADR 0006), so a
# change whose transaction was in flight when a build started can carry a feed id below the
# build's starting position: changes noted this shortly before the start are caught up too
# (re-grading a subject is idempotent).
IN_FLIGHT_SLACK = dt.timedelta(seconds=10)
# Feed rows older than this can matter to no build still running; each re-grade prunes them.
FEED_KEEP = dt.timedelta(days=7)


def _feed_position() -> int:
    """The change feed's last id: every record change after it is caught up at the switch."""
    return RecordChange.objects.aggregate(last=Max("id"))["last"] or 0


def _changed_subjects(*, category: str, since_seq: int, started: dt.datetime) -> list[int]:
    """Subjects of the category with a record change in the feed after `since_seq` (or during
    the slack before the build started), from scoring's own outbox (`RecordChange`)."""
    return list(
        RecordChange.objects.filter(
            Q(pk__gt=since_seq) | Q(changed_at__gte=started - IN_FLIGHT_SLACK),
            subject__category=category,
        ).order_by().values_list("subject_id", flat=True).distinct()
    )


def _switch(*, batch: EvaluationBatch, actor: object, since_seq: int) -> None:
    """The short transaction that makes a built batch the one readers see."""
    with transaction.atomic():
        batch.status = BatchStatus.COMPLETE
        batch.finished_at = clock.now()
        batch.subject_count = Evaluation.objects.filter(batch=batch).count()
        batch.save(update_fields=["status", "finished_at", "subject_count"])
        if not batch.is_simulation:
            previous = (CurrentBatch.objects.select_for_update()
                        .filter(category=batch.category).first())
            CurrentBatch.objects.update_or_create(
                category=batch.category, defaults={"batch": batch, "switched_at": clock.now()})
            # Records that changed while the batch was building: their subjects' rows may
            # predate the change (the INSERT read a snapshot), so re-grade them now.
            changed = _changed_subjects(category=batch.category, since_seq=since_seq,
                                        started=batch.started_at)
            for subject in Subject.objects.filter(pk__in=changed):
                regrade_subject(subject=subject)
            record_event(
                actor=actor, action="scoring.regrade", target=batch,
                before={"batch": getattr(previous, "batch_id", None)},
                after={"batch": batch.pk, "model": batch.model.label,
                       "as_of": batch.as_of, "subjects": batch.subject_count},
            )


def fail_unfinished_batches(*, batch_ids: list[int] | None = None,
                            started_before: dt.datetime | None = None,
                            reason: str = "") -> int:
    """Mark failed, and empty, batches a killed re-grade left in *building*.

    Either the given batches (a job whose worker died names its own, `scoring.tasks`) or every
    building batch started before `started_before` (the next full re-grade's sweep for runs
    that were not jobs). Their rows are deleted: a failed batch is never read, and a province's
    worth of orphan rows must not accumulate. No pointer ever named a building batch, so
    readers are unaffected. Returns how many batches were failed.
    """
    building = EvaluationBatch.objects.filter(status=BatchStatus.BUILDING)
    if batch_ids is not None:
        building = building.filter(pk__in=batch_ids)
    elif started_before is not None:
        building = building.filter(started_at__lt=started_before)
    else:
        raise ValueError("name the batches or a start time")
    ids = list(building.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        n = EvaluationBatch.objects.filter(pk__in=ids, status=BatchStatus.BUILDING).update(
            status=BatchStatus.FAILED, finished_at=clock.now(),
            error=reason or "interrupted before it was complete")
        Evaluation.objects.filter(batch_id__in=ids).delete()
        if connection.vendor == "postgresql":
            # the batch's own partition (sqlcompile.regrade_statements), now empty
            with connection.cursor() as cursor:
                for batch_id in ids:
                    cursor.execute(f"DROP TABLE IF EXISTS {partition_name(batch_id)}")
    logger.warning("failed %d unfinished batch(es): %s", n, ids)
    return n


def _switch_all(*, batches: list[EvaluationBatch], actor: object, since_seq: int) -> None:
    """Switch every batch of one re-grade in ONE transaction: readers see all the categories on
    the new batches or all on the old ones, never a mix (issue 13)."""
    with transaction.atomic():
        for batch in batches:
            _switch(batch=batch, actor=actor, since_seq=since_seq)


def regrade_many(*, models: list[ScoringModel], as_of: dt.date | None = None,
                 actor: object = None, simulation: bool = False,
                 on_building: Callable[[list[int]], None] | None = None,
                 progress: Callable[[int], None] | None = None) -> list[EvaluationBatch]:
    """Re-grade several categories (one model each) with one scan of the records.

    Returns the new batches, complete and (unless `simulation`) current — all of them or none:
    the switch is one transaction, and a failure anywhere marks every batch of the run failed
    and deletes its rows. `on_building(batch_ids)` is told the new batches as soon as they
    exist (a background job keeps them, to clean up if its worker dies); `progress(percent)`
    is told how far the run got.
    """
    as_of = as_of or clock.today()
    categories = [m.category for m in models]
    if len(set(categories)) != len(categories):
        raise ValidationFailed("one_model_per_category",
                               _("Give at most one model per category in one re-grade."))
    for model in models:
        if model.status == ModelStatus.DRAFT and not simulation:
            raise Conflict("model_not_published",
                           _("%(model)s is a draft; publish it before grading with it, or run "
                             "a what-if simulation.") % {"model": model.label})
    started = clock.now()
    RecordChange.objects.filter(changed_at__lt=started - FEED_KEEP).delete()
    since_seq = _feed_position()
    with transaction.atomic():
        batches = [
            EvaluationBatch.objects.create(
                model=model, category=model.category, as_of=as_of, started_at=started,
                status=BatchStatus.BUILDING, is_simulation=simulation,
                triggered_by=actor if getattr(actor, "pk", None) else None)
            for model in models
        ]
    ids = [b.pk for b in batches]
    if on_building:
        on_building(ids)
    if progress:
        progress(10)
    plans = [Plan(spec=spec_of(m), batch_id=b.pk) for m, b in zip(models, batches, strict=True)]
    try:
        _build(plans=plans, as_of=as_of, scratch=scratch_prefix(batches[0].pk),
               progress=progress)
        _switch_all(batches=batches, actor=actor, since_seq=since_seq)
    except Exception as exc:
        logger.exception("re-grade failed: %s", ids)
        fail_unfinished_batches(batch_ids=ids, reason=str(exc)[:2000])
        raise
    if not simulation:
        # the batches just superseded move down the history; the oldest give their rows back
        # (the new grades are in force already: a failure here is logged, and the deadline
        # job prunes again)
        try:
            prune_old_batches(actor=actor)
        except Exception:
            logger.exception("pruning old batches after the re-grade failed")
    if progress:
        progress(100)
    return batches


RECORD_PASSES = ("leader", "partial")


def record_pass() -> str:
    """How the next PostgreSQL full re-grade sums the records per subject
    (`SCORING_RECORD_PASS`): "leader" (default), the parallel workers compute each record's
    terms and one process sums them; "partial", the workers sum partially and the leader merges
    their sums. Measured against each other in `docs/performance.md` "Full re-grade"."""
    mode = getattr(settings, "SCORING_RECORD_PASS", "leader")
    if mode not in RECORD_PASSES:
        raise ImproperlyConfigured(f"SCORING_RECORD_PASS must be one of {RECORD_PASSES}, "
                                   f"not {mode!r}")
    return mode


def _build(*, plans: list[Plan], as_of: dt.date, scratch: str,
           progress: Callable[[int], None] | None) -> None:
    """The batches' rows in one transaction (`regrade_statements`)."""
    statements = regrade_statements(
        plans=plans, catalogue=load_catalogue(), as_of=as_of, vendor=connection.vendor,
        table=Evaluation._meta.db_table, scratch=scratch,
        records_to_leader=record_pass() == "leader")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one sort of a few million small rows: in memory rather than spilled to disk
            cursor.execute("SET LOCAL work_mem = %s", [WORK_MEM])
        for n, sql in enumerate(statements, start=1):
            cursor.execute(sql)
            if progress:
                progress(10 + 70 * n // len(statements))


def regrade(*, model: ScoringModel, as_of: dt.date | None = None, actor: object = None
            ) -> EvaluationBatch:
    """Re-grade every subject of the model's category into a new batch and make it current."""
    return regrade_many(models=[model], as_of=as_of, actor=actor)[0]


def regrade_in_effect(*, as_of: dt.date | None = None, categories: list[str] | None = None,
                      actor: object = None,
                      on_building: Callable[[list[int]], None] | None = None,
                      progress: Callable[[int], None] | None = None) -> list[EvaluationBatch]:
    """Re-grade each category with its published model in effect at the date (one scan)."""
    as_of = as_of or clock.today()
    wanted = categories or [c for c, _label in Subject._meta.get_field("category").choices]
    models = [m for c in wanted if (m := model_in_effect(category=c, as_of=as_of))]
    if not models:
        return []
    return regrade_many(models=models, as_of=as_of, actor=actor, on_building=on_building,
                        progress=progress)


def regrade_subject(*, subject: Subject, actor: object = None,
                    as_of: dt.date | None = None) -> Evaluation | None:
    """Re-grade one subject into its category's current batch, as of today.

    Called in the request (and transaction) that made a record effective, corrected or
    revoked it, so the grade shown next is already the new one. Does nothing for a category
    that was never graded. The row keeps the date it was evaluated at (`Evaluation.as_of`).
    """
    pointer = (CurrentBatch.objects.select_related("batch__model")
               .filter(category=subject.category).first())
    if pointer is None:
        return None
    batch = pointer.batch
    as_of = as_of or clock.today()
    rows = compute_rows(specs=[spec_of(batch.model)], as_of=as_of, subject_id=subject.pk)
    if not rows:
        return None
    row = rows[0]
    values = {"score": row.score, "grade": row.grade, "veto": row.veto, "as_of": as_of}
    # By the (batch, subject) key, not by id: on PostgreSQL the table is partitioned by batch
    # and only a batch condition lets the planner touch one partition (update_or_create would
    # update by id, probing every batch's partition).
    key = {"batch": batch, "subject_id": subject.pk}
    if Evaluation.objects.filter(**key).update(**values):
        return Evaluation.objects.filter(**key).first()
    evaluation, _created = Evaluation.objects.update_or_create(**key, defaults=values)
    return evaluation


# Subjects per statement of the set-based re-grade: their ids are written into the SQL twice,
# and SQLite refuses a statement over 1,000,000 bytes (SQLITE_MAX_SQL_LENGTH).
SUBJECTS_PER_STATEMENT = 20_000


def regrade_subjects(*, subject_ids: list[int], as_of: dt.date | None = None,
                     actor: object = None) -> int:
    """Re-grade the given subjects into their categories' current batches, as of `as_of`.

    The deadline job's incremental hook (issue 10, "nothing outlives its basis"): a subject
    whose record's publicity ended, whose listing expired or was lifted, or whose record was
    repaired is re-graded the day it happens, not at the next full re-grade. Set-based (issue
    14): one statement evaluates every given subject with its category's current model and
    upserts the rows (`sqlcompile.upsert_sql`; one per `SUBJECTS_PER_STATEMENT` subjects), in
    one transaction with one audit event `scoring.regrade_subjects`; the same rows as
    `regrade_subject` one by one (tested). If that fails (a damaged model), each subject is
    re-graded in its own transaction instead, so one model cannot stop the others. Re-grading
    is a pure function of records and model, so running twice changes nothing. Returns how
    many subjects were re-graded (a subject of a category never graded is not).
    """
    ids = sorted(set(subject_ids))
    if not ids:
        return 0
    as_of = as_of or clock.today()
    try:
        return _regrade_subjects_set(subject_ids=ids, as_of=as_of, actor=actor)
    except Exception:
        logger.exception("set-based re-grade of %d subjects failed; one by one instead", len(ids))
    done = 0
    for subject in Subject.objects.filter(pk__in=ids):
        try:
            with transaction.atomic():
                if regrade_subject(subject=subject, as_of=as_of) is not None:
                    done += 1
        except Exception:
            logger.exception("incremental re-grade failed for subject %s", subject.pk)
    return done


def _regrade_subjects_set(*, subject_ids: list[int], as_of: dt.date, actor: object) -> int:
    """`regrade_subjects` as one upsert per chunk of subjects, audited."""
    pointers = list(CurrentBatch.objects.select_related("batch__model"))
    if not pointers:
        return 0
    plans = [Plan(spec=spec_of(p.batch.model), batch_id=p.batch_id) for p in pointers]
    catalogue = load_catalogue()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(subject_ids), SUBJECTS_PER_STATEMENT):
            cursor.execute(upsert_sql(
                plans=plans, catalogue=catalogue, as_of=as_of, vendor=connection.vendor,
                table=Evaluation._meta.db_table,
                subject_ids=subject_ids[start:start + SUBJECTS_PER_STATEMENT]))
            written = cursor.rowcount
            if written < 0:  # Python's sqlite3 counts no statement that begins with WITH
                cursor.execute("SELECT changes()")
                written = cursor.fetchone()[0]
            done += written
        record_event(
            actor=actor, action="scoring.regrade_subjects",
            target_type=EvaluationBatch._meta.label_lower,
            target_id=",".join(str(p.batch_id) for p in pointers),
            after={"as_of": as_of, "regraded": done, "subjects": subject_ids,
                   "batches": {p.category: p.batch_id for p in pointers}},
        )
    return done
