"""The record catalogue (信用信息目录) and credit records (信用档案) with evidence.

A record's life is a small state machine (django-fsm-2): draft → submitted → effective or
rejected; effective → corrected (a new version replaces it) or revoked. Nothing is deleted.
Transitions are only called from `records.services`, which checks the actor, writes the audit
event and re-validates, in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import Department
from subjects.models import Subject


class Polarity(models.TextChoices):
    GOOD = "good", _("Good (commendable)")
    BAD = "bad", _("Bad (dishonest)")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    SEVERE = "severe", _("Severe")


class RecordType(models.Model):
    """One entry of the catalogue; administrators edit these as data (Django admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    group = models.CharField(_("group"), max_length=40, blank=True)
    polarity = models.CharField(_("polarity"), max_length=4, choices=Polarity.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, blank=True,
        help_text=_("Only for bad records."),
    )
    default_points = models.DecimalField(_("default points"), max_digits=7, decimal_places=2)
    publicity_months = models.PositiveSmallIntegerField(
        _("publicity period (months)"),
        help_text=_("The default period the record is disclosed, counted from the decision "
                    "date; the finding authority may fix another within the legal band."),
    )
    repairable = models.BooleanField(
        _("early repair possible"), default=True,
        help_text=_("Whether credit repair may end the publicity early (not for suspension of "
                    "business, revocation of a licence or a lowered qualification)."),
    )
    is_public = models.BooleanField(_("public"), default=True)
    legal_basis = models.TextField(_("legal basis"))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("record type")
        verbose_name_plural = _("record catalogue")
        ordering = ["polarity", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(polarity="bad") & ~models.Q(severity=""))
                | (models.Q(polarity="good") & models.Q(severity="")),
                name="recordtype_severity_only_for_bad",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RecordState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    EFFECTIVE = "effective", _("Effective")
    REJECTED = "rejected", _("Rejected")
    CORRECTED = "corrected", _("Corrected (superseded)")
    REVOKED = "revoked", _("Revoked")
    REPAIRED = "repaired", _("Repaired (publicity ended early)")


class CreditRecord(models.Model):
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="records"
    )
    record_type = models.ForeignKey(
        RecordType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField(_("occurred on"))
    decided_on = models.DateField(_("decided on"))
    document_number = models.CharField(_("document number"), max_length=100)
    source_department = models.ForeignKey(
        Department, verbose_name=_("source department"), on_delete=models.PROTECT,
        related_name="records",
    )
    description = models.TextField(_("description"), blank=True)
    # A fine's size, an award's level...: what the scoring models read from a record.
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    level = models.CharField(_("level"), max_length=20, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    publicity_ends_on = models.DateField(_("publicity ends on"))
    # The period the finding authority fixed within the legal band (records.rules), and the
    # penalty's own period it may not be shorter than; empty = the catalogue's default.
    publicity_months = models.PositiveSmallIntegerField(
        _("publicity period fixed (months)"), null=True, blank=True)
    penalty_months = models.PositiveSmallIntegerField(
        _("the penalty's own period (months)"), null=True, blank=True,
        help_text=_("E.g. a suspension of 18 months: the publicity is never shorter."))
    # Credit repair (信用修复): the day the publicity ended early, and the original last day.
    repaired_on = models.DateField(_("repaired on"), null=True, blank=True)
    publicity_ended_early_on = models.DateField(
        _("publicity ended early on"), null=True, blank=True,
        help_text=_("Set when the publicity ended before its fixed period: credit repair, or "
                    "the end of the listing the record stands for."))
    state = FSMField(_("state"), default=RecordState.DRAFT, choices=RecordState.choices,
                     protected=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # A ForeignKey, not one-to-one: a rejected correction must not block a later one.
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
        verbose_name=_("corrects"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-decided_on", "-id"]
        constraints = [
            # The same decision arriving twice from the same source is one record; a correction
            # is the next version of it. Rejected submissions do not block a new one.
            models.UniqueConstraint(
                fields=["source_department", "document_number", "version"],
                condition=~models.Q(state="rejected"),
                name="record_unique_per_source_document",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_on__gte=models.F("occurred_on")),
                name="record_decided_after_occurred",
            ),
            models.CheckConstraint(
                condition=models.Q(publicity_ends_on__gte=models.F("decided_on")),
                name="record_publicity_after_decision",
            ),
            models.CheckConstraint(
                condition=~models.Q(document_number=""), name="record_document_number_required"
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "state"], name="record_subject_state_idx"),
            models.Index(fields=["state", "source_department"], name="record_state_dept_idx"),
            # the review queue, oldest submission first: read in order, not sorted; and the top
            # bar's count of it (not entered or submitted by me) from the index alone (issue 14)
            models.Index(fields=["state", "submitted_at", "submitted_by", "created_by"],
                         name="record_review_queue_idx"),
            # the records list, newest decision first: read backwards in order, a page of 30
            # stops after 30 rows instead of joining and sorting every record (issue 14)
            models.Index(fields=["decided_on", "id"], name="record_decided_order_idx"),
            # the deadline job's daily question: whose publicity ended yesterday?
            models.Index(fields=["publicity_ends_on"], name="record_publicity_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} ({self.get_state_display()})"

    # --- transitions: bodies stay empty; services own who/when/audit -------------------------
    @transition(field=state, source=RecordState.DRAFT, target=RecordState.SUBMITTED)
    def submit(self) -> None: ...

    @transition(field=state, source=RecordState.SUBMITTED, target=RecordState.EFFECTIVE)
    def approve(self) -> None: ...

    @transition(field=state, source=RecordState.SUBMITTED, target=RecordState.REJECTED)
    def reject(self) -> None: ...

    @transition(field=state, source=RecordState.EFFECTIVE, target=RecordState.CORRECTED)
    def mark_corrected(self) -> None: ...

    @transition(field=state, source=RecordState.EFFECTIVE, target=RecordState.REVOKED)
    def revoke(self) -> None: ...

    @transition(field=state, source=RecordState.EFFECTIVE, target=RecordState.REPAIRED)
    def repair(self) -> None: ...


def evidence_path(instance: Evidence, filename: str) -> str:
    """Files are named by checksum under the record, never by the uploader's file name."""
    return f"evidence/{instance.record_id}/{instance.sha256}{instance.extension}"


class Evidence(models.Model):
    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(fields=["record", "sha256"], name="evidence_unique_per_record")
        ]

    def __str__(self) -> str:
        return self.original_name
