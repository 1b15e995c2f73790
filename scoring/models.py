"""Versioned scoring models (评价模型), evaluation batches and the grades they hold.

A grade is never typed in: it is derived from records by a *published* model version
(DESIGN.md "A grade is always derived from records plus a published model version"). A model
version is a TOML document (`source`) plus its validated, parsed form (`spec`); once published,
neither changes again, so a grade can always be traced to the exact rules that produced it.

Re-grading writes a whole new `EvaluationBatch` and then moves the category's `CurrentBatch`
pointer in one short transaction: readers follow the pointer, so they see the old grades or the
new ones, never a mix, and a crash while a batch is building leaves the old pointer in force.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from subjects.models import Category, Subject


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class PublishedModelChanged(Exception):
    """Raised by `ScoringModel.save` when a published version's rules would change."""


# Fields that define what a version computes; frozen once the version is published.
FROZEN_FIELDS = ("code", "version", "category", "effective_from", "source", "spec")


class ScoringModel(FSMModelMixin, models.Model):
    """One version of a scoring model for one subject category."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = FSMField(_("status"), default=ModelStatus.DRAFT, choices=ModelStatus.choices,
                      protected=True)
    effective_from = models.DateField(_("effective from"))
    source = models.TextField(_("source (TOML)"))
    spec = models.JSONField(_("validated specification"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("uploaded by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("last edited by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        ordering = ["category", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="scoringmodel_code_version"),
            # published_by may be empty only for shipped models installed by the system
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="scoringmodel_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse any change to the rules of a version that is already published or retired.

        The services check this first with a translated message; this is the last line of
        defence for any other code path (shell, admin, a future import).
        """
        if self.pk is not None:
            stored = (
                ScoringModel.objects.filter(pk=self.pk)
                .exclude(status=ModelStatus.DRAFT)
                .values(*FROZEN_FIELDS)
                .first()
            )
            if stored is not None and any(stored[f] != getattr(self, f) for f in FROZEN_FIELDS):
                raise PublishedModelChanged(f"{self} is published; its rules cannot change")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.code}:{self.version}"

    # --- transitions: bodies stay empty; services own who/when/audit -------------------------
    @transition(field=status, source=ModelStatus.DRAFT, target=ModelStatus.PUBLISHED)
    def publish(self) -> None: ...

    @transition(field=status, source=ModelStatus.PUBLISHED, target=ModelStatus.RETIRED)
    def retire(self) -> None: ...

class BatchStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    COMPLETE = "complete", _("Complete")
    FAILED = "failed", _("Failed")
    # rows removed by the retention rule (scoring.retention); the batch row stays for the record
    PRUNED = "pruned", _("Pruned")


class EvaluationBatch(models.Model):
    """All grades of one category computed by one model version as of one date.

    A simulation batch (what-if) is never pointed at by `CurrentBatch`.
    """

    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="batches",
                              verbose_name=_("scoring model"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    as_of = models.DateField(pgettext_lazy("evaluation", "as of"))
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices,
                              default=BatchStatus.BUILDING)
    is_simulation = models.BooleanField(_("simulation"), default=False)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    subject_count = models.PositiveIntegerField(_("subjects"), default=0)
    error = models.TextField(_("error"), blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("triggered by"),
    )

    class Meta:
        verbose_name = _("evaluation batch")
        verbose_name_plural = _("evaluation batches")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["category", "status"], name="batch_category_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.model} @ {self.as_of}"


class Evaluation(models.Model):
    """One subject's score and grade in one batch.

    `as_of` is empty for rows written by the full re-grade (they share the batch's date) and
    set on rows rewritten by the incremental re-grade, which evaluates at the day of the change.
    """

    # Derived rows, a million per batch, written only by the engine from a join on subjects
    # and a batch it has just created: no database-level foreign-key checks (a trigger per
    # row on PostgreSQL) and no single-column indexes, which the two composite indexes below
    # already cover. Django still cascades deletes.
    batch = models.ForeignKey(EvaluationBatch, on_delete=models.CASCADE,
                              related_name="evaluations", db_index=False, db_constraint=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="evaluations",
                                db_index=False, db_constraint=False)
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20)
    veto = models.CharField(_("veto rule"), max_length=60, blank=True)
    as_of = models.DateField(_("evaluated as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["batch", "subject"], name="evaluation_batch_subject"),
        ]
        indexes = [models.Index(fields=["subject", "batch"], name="evaluation_subject_batch_idx")]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.grade} ({self.score})"

    @property
    def effective_as_of(self) -> Any:
        return self.as_of or self.batch.as_of


class CurrentBatch(models.Model):
    """The pointer readers follow: the batch in force for a category."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                unique=True)
    batch = models.ForeignKey(EvaluationBatch, on_delete=models.PROTECT, related_name="+")
    switched_at = models.DateTimeField(_("switched at"))

    class Meta:
        verbose_name = _("current batch")
        verbose_name_plural = _("current batches")

    def __str__(self) -> str:
        return f"{self.category} → {self.batch_id}"


class RecordChange(models.Model):
    """The scoring change feed: one row per record change that can move a grade (an outbox).

    Written by `scoring.receivers.note_record_change` when `records.signals.record_state_changed`
    fires, inside the reviewing transaction, so a row exists exactly when the change committed. A
    full re-grade notes the feed's position when it starts and, at the switch, re-grades the
    subjects of the rows that arrived while its batch was building. Scoring reads this table,
    never the audit log (whose shape is the audit app's business).
    """

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    record_id = models.BigIntegerField(_("record"))
    changed_at = models.DateTimeField(_("changed at"), db_index=True)

    class Meta:
        verbose_name = _("record change (scoring feed)")
        verbose_name_plural = _("record changes (scoring feed)")

    def __str__(self) -> str:
        return f"{self.pk}: subject {self.subject_id}, record {self.record_id}"


class RetirementState(models.TextChoices):
    REQUESTED = "requested", _("Awaiting a second administrator")
    CONFIRMED = "confirmed", _("Retired")
    REFUSED = "refused", _("Retirement refused")


class ModelRetirement(models.Model):
    """A request to take a published model out of use, decided by a second person.

    Retiring changes every grade of a category, so it takes four eyes and a written reason, and
    names the published model that takes over: a category is never left without a model in
    force, and its current grades are re-computed by the successor when the retirement is
    confirmed (so no check quotes a retired model).
    """

    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT,
                              related_name="retirements", verbose_name=_("model"))
    successor = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("model that takes over"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=12, choices=RetirementState.choices,
                             default=RetirementState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("model retirement")
        verbose_name_plural = _("model retirements")
        constraints = [
            models.UniqueConstraint(fields=["model"], condition=models.Q(state="requested"),
                                    name="one_open_retirement_per_model"),
        ]

    def __str__(self) -> str:
        return f"{self.model} → {self.successor} ({self.state})"
