"""What the exchange keeps about files that came in and went out.

- `FeedMapping`: the table (data, edited by administrators) that turns a 双公示 row into a record
  type of the catalogue: by 处罚类别/许可类别 and by keywords of the act.
- `ImportBatch` / `ImportedRow`: one imported file and every row of it with its outcome, so the
  counts a data officer was shown can be proved row by row and nothing is silently dropped.
- `ClassificationRequest`: a subject created from a feed with a valid code the registry did not
  know; a clerk must give it its proper category.
- `ExportBatch` / `ExportRow`: a numbered file sent to the public credit platform, each row's
  checksum, and the batch's state (prepared → sent → acknowledged or rejected).

Imported by `exchange.models` so that Django finds the models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import Department


class FeedKind(models.TextChoices):
    PENALTY = "CF", _("Administrative penalty (CF)")
    LICENCE = "XK", _("Administrative licence (XK)")
    SUBJECTS = "subjects", _("Subjects (template)")
    RECORDS = "records", _("Credit records (template)")


class FeedMapping(models.Model):
    """One rule of the mapping table; the first active rule that matches a row wins.

    A rule matches when its category (if any) occurs in the row's 处罚类别/许可类别 and its keyword
    (if any) occurs in the row's act, facts or content. Keyword rules carry a smaller priority
    number so that "罚款" for 挪用维修资金 becomes the specific type, not the general fine.
    The record type's catalogue entry gives polarity and severity; a licence rule with no
    record type keeps the licence as a neutral fact without a credit record.
    """

    kind = models.CharField(_("feed kind"), max_length=2,
                            choices=[(FeedKind.PENALTY, FeedKind.PENALTY.label),
                                     (FeedKind.LICENCE, FeedKind.LICENCE.label)])
    category = models.CharField(_("category contains"), max_length=40, blank=True)
    keyword = models.CharField(_("act or content contains"), max_length=60, blank=True)
    record_type_code = models.CharField(
        _("record type"), max_length=40, blank=True,
        help_text=_("Code of the record type in the catalogue; empty for a licence kept as a "
                    "neutral fact."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Smaller numbers are tried first."))
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("feed mapping rule")
        verbose_name_plural = _("feed mapping table")
        ordering = ["kind", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.category or '*'} / {self.keyword or '*'} → " \
               f"{self.record_type_code or '-'}"


class ImportBatch(models.Model):
    """One file imported (or previewed) from one source department."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Preview (nothing written)")
        RUNNING = "running", _("Importing")
        FINISHED = "finished", _("Finished")

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=FeedKind.choices)
    field_set = models.CharField(_("field set"), max_length=20)
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    source = models.ForeignKey(Department, verbose_name=_("source department"),
                               on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    corrections = models.PositiveIntegerField(_("corrections"), default=0)
    #: rows that revoked what they named: revocation requests opened, licence facts revoked
    revocations = models.PositiveIntegerField(_("revocations"), default=0)
    rejected = models.JSONField(_("rejected rows"), default=list)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def summary(self) -> dict[str, object]:
        """The counts in the one shape the command, the page and the tests share."""
        return {"rows": self.rows, "created": self.created, "duplicates": self.duplicates,
                "corrections": self.corrections, "revocations": self.revocations,
                "rejected": list(self.rejected)}


class RowOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    FACT = "fact", _("Kept as licence fact")
    DUPLICATE = "duplicate", _("Duplicate")
    CORRECTION = "correction", _("Correction")
    REVOCATION = "revocation", _("Revocation requested")
    REVOKED = "revoked", _("Licence fact revoked")
    REJECTED = "rejected", _("Rejected")


class ImportedRow(models.Model):
    """One data row of an imported file, with what became of it.

    `payload` (the row's values) and `content_hash` are kept where the ledger is the only copy
    of what came in: licence facts, corrections, revocations, refused rows (with `_errors`). A
    row that created a record or matched the record in force links to it (`record`) with an
    empty payload: the record holds the content, the chunk's audit event its SHA-256.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="row_set")
    row_number = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=10, choices=FeedKind.choices)
    source = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=10, choices=RowOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    record = models.ForeignKey("records.CreditRecord", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("subjects.Subject", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["source", "kind", "document_number"],
                                name="importedrow_source_doc_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.outcome}"


class ClassificationRequest(models.Model):
    """A subject a feed created from a valid but unknown code: a clerk must classify it."""

    subject = models.OneToOneField("subjects.Subject", on_delete=models.PROTECT,
                                   related_name="classification_request")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subject to classify")
        verbose_name_plural = _("subjects to classify")
        ordering = ["resolved_at", "-created_at"]

    def __str__(self) -> str:
        return str(self.subject)


class RevocationRequest(models.Model):
    """A feed says a penalty decision was revoked (CF_ZT = 2): the matching record is revoked
    only when a reviewer other than the importer agrees (the normal four-eyes review); until
    then it stays as it is. A refused request is kept with the reviewer's reason."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Revoked")
        REFUSED = "refused", _("Refused")

    record = models.ForeignKey("records.CreditRecord", on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("record"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField(_("row"))
    reason = models.TextField(_("reason given by the feed"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        verbose_name = _("revocation request")
        verbose_name_plural = _("revocation requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # one open request per record: the same revocation arriving twice is a duplicate
            models.UniqueConstraint(fields=["record"], condition=models.Q(state="pending"),
                                    name="revocation_one_pending_per_record"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.state}"


class ExportState(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REJECTED = "rejected", _("Rejected")


class ExportBatch(models.Model):
    """One numbered 双公示 file for the public credit platform, kept byte for byte."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=2,
                            choices=[(FeedKind.PENALTY, FeedKind.PENALTY.label),
                                     (FeedKind.LICENCE, FeedKind.LICENCE.label)])
    encoding = models.CharField(_("encoding"), max_length=10)
    content = models.BinaryField(_("file"))
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    state = FSMField(_("state"), default=ExportState.PREPARED, choices=ExportState.choices,
                     protected=True)
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="resends", verbose_name=_("re-sends"))
    receipt_name = models.CharField(_("receipt file"), max_length=200, blank=True)
    receipt = models.BinaryField(_("receipt"), null=True, blank=True)
    rejection_reasons = models.TextField(_("rejection reasons"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export batch")
        verbose_name_plural = _("export batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def file_name(self) -> str:
        return f"{self.number}-{self.kind}-{self.encoding}.csv"

    @transition(field=state, source=ExportState.PREPARED, target=ExportState.SENT)
    def mark_sent(self) -> None: ...

    @transition(field=state, source=ExportState.SENT, target=ExportState.ACKNOWLEDGED)
    def acknowledge(self) -> None: ...

    @transition(field=state, source=ExportState.SENT, target=ExportState.REJECTED)
    def reject(self) -> None: ...


class ExportAction(models.TextChoices):
    NEW = "new", _("New")
    CORRECTION = "correction", _("Correction")
    REVOCATION = "revocation", _("Revocation")


class ExportRow(models.Model):
    """One row of an export batch: which record version (a CF batch) or licence decision
    version (an XK batch), as what, and its row checksum."""

    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="row_set")
    row_number = models.PositiveIntegerField(_("row"))
    record = models.ForeignKey("records.CreditRecord", on_delete=models.PROTECT,
                               related_name="+", null=True, blank=True)
    licence = models.ForeignKey("approvals.LicenceDecision", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=ExportAction.choices)
    checksum = models.CharField(_("SHA-256 of the row"), max_length=64)
    failed = models.BooleanField(_("failed at the receiver"), default=False)

    class Meta:
        verbose_name = _("exported row")
        verbose_name_plural = _("exported rows")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["record", "action"], name="exportrow_record_idx"),
                   models.Index(fields=["licence", "action"], name="exportrow_licence_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(record__isnull=False, licence__isnull=True)
                           | models.Q(record__isnull=True, licence__isnull=False)),
                name="exportrow_record_or_licence"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.action}"
