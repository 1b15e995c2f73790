"""Daily statistics snapshots (统计监测) and the kept monthly / quarterly reports.

The dashboards never aggregate the operational tables while a leader waits: the command
`snapshot_statistics` (one `INSERT … SELECT … GROUP BY` per table, see `monitoring.snapshots`)
writes small pre-aggregated rows per day, and every chart is a GROUP BY over those rows.
A day's snapshot is replaced as a whole (delete then insert, in one transaction), so running
the command twice for a day gives the same rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotRun(models.Model):
    """One day's snapshot: when it was taken and how many rows it wrote."""

    day = models.DateField(_("day"), unique=True)
    taken_at = models.DateTimeField(_("taken at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class WorkdayOrdinal(models.Model):
    """Working days counted from the first day of the table up to and including `day`.

    Working days between two dates are the difference of their ordinals, which lets the
    snapshot compute "decision to entry in working days" for ten million records in SQL
    (one join) instead of calling `common.workdays` per record. Filled from `common.workdays`.
    """

    day = models.DateField(primary_key=True)
    ordinal = models.IntegerField()

    class Meta:
        verbose_name = _("working-day ordinal")
        verbose_name_plural = _("working-day ordinals")

    def __str__(self) -> str:
        return f"{self.day}: {self.ordinal}"


class GradeCount(models.Model):
    """How many subjects an evaluation batch put in each grade: one history point per batch."""

    batch_id = models.BigIntegerField(_("evaluation batch"))
    category = models.CharField(_("category"), max_length=20)
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=20)
    count = models.PositiveIntegerField(_("subjects"))
    counted_on = models.DateField(_("counted on"))

    class Meta:
        verbose_name = _("grade count")
        verbose_name_plural = _("grade counts")
        constraints = [models.UniqueConstraint(fields=["batch_id", "grade"],
                                               name="gradecount_batch_grade")]
        indexes = [models.Index(fields=["category", "as_of"], name="gradecount_cat_asof_idx")]

    def __str__(self) -> str:
        return f"#{self.batch_id} {self.grade}: {self.count}"


class SnapshotRow(models.Model):
    """A pre-aggregated row of one day's snapshot: every snapshot table has its `day` (a day is
    replaced as a whole) and reads, in the admin and in logs, as "day, what, month: how many".

    Subclasses name the fields that say what the row counts (`label_fields`) and the one that
    says how many (`count_field`); monthly tables add the month they fall in (`MonthlyRow`).
    """

    label_fields: tuple[str, ...] = ()
    count_field = "count"

    day = models.DateField(_("day"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        parts = [str(self.day), *(str(getattr(self, f)) for f in self.label_fields)]
        month = getattr(self, "month", None)
        if month is not None:
            parts.append(f"{month:%Y-%m}")
        return f"{' '.join(parts)}: {getattr(self, self.count_field)}"


class MonthlyRow(SnapshotRow):
    """A snapshot row of one month (of decision, acceptance, plan, …)."""

    month = models.DateField(_("month"))

    class Meta:
        abstract = True


class PerDepartment(models.Model):
    """A snapshot row counted for one department (its id: the row outlives a renamed or
    merged department, and the dashboards join the name when they show it)."""

    department_id = models.BigIntegerField(_("department"))

    class Meta:
        abstract = True


class RecordCount(MonthlyRow, PerDepartment):
    """Credit records (not drafts) per department, source, type, category and decision month."""

    count_field = "total"

    class Source(models.TextChoices):
        FORM = "form", _("Workbench form")
        API = "api", _("API")
        THIRD_PARTY = "third_party", _("Third party (external department)")

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    record_type_id = models.BigIntegerField(_("record type"))
    category = models.CharField(_("category"), max_length=20)
    total = models.PositiveIntegerField(_("records"))
    effective = models.PositiveIntegerField(_("effective"))
    pending = models.PositiveIntegerField(_("awaiting review"))
    rejected = models.PositiveIntegerField(_("rejected"))
    late = models.PositiveIntegerField(_("entered late"))
    entry_workdays = models.BigIntegerField(_("working days from decision to entry (sum)"))

    class Meta:
        verbose_name = _("record count")
        verbose_name_plural = _("record counts")
        indexes = [models.Index(fields=["day", "month"], name="recordcount_day_month_idx")]


class QueueCount(SnapshotRow, PerDepartment):
    """Records awaiting review per department and age band (calendar days since submission)."""

    label_fields = ("band",)

    band = models.PositiveSmallIntegerField(_("age band"))
    count = models.PositiveIntegerField(_("records"))
    oldest_days = models.PositiveIntegerField(_("oldest (days)"))

    class Meta:
        verbose_name = _("review queue count")
        verbose_name_plural = _("review queue counts")
        indexes = [models.Index(fields=["day"], name="queuecount_day_idx")]


class ListEventCount(MonthlyRow):
    """Entries, exits, objections and repairs per list kind, month and outcome."""

    label_fields = ("kind", "event")

    kind = models.CharField(_("kind"), max_length=12)
    event = models.CharField(_("event"), max_length=12)
    department_id = models.BigIntegerField(_("department"), null=True)
    outcome = models.CharField(_("outcome"), max_length=20)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("list event count")
        verbose_name_plural = _("list event counts")
        indexes = [models.Index(fields=["day", "month"], name="listcount_day_month_idx")]


class MeasureCount(MonthlyRow, PerDepartment):
    """Measures credit checks returned, and the departments' feedback on them (跟踪问效)."""

    label_fields = ("code",)
    count_field = "returned"

    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12)
    returned = models.PositiveIntegerField(_("returned"))
    applied = models.PositiveIntegerField(_("applied"))
    not_applied = models.PositiveIntegerField(_("not applied"))
    overdue = models.PositiveIntegerField(_("feedback overdue"))

    class Meta:
        verbose_name = _("measure count")
        verbose_name_plural = _("measure counts")
        indexes = [models.Index(fields=["day", "month"], name="measurecount_day_month_idx")]


class CommitmentCount(MonthlyRow, PerDepartment):
    """Commitments (容缺受理) per department, acceptance month and state."""

    label_fields = ("state",)

    state = models.CharField(_("state"), max_length=10)
    count = models.PositiveIntegerField(_("commitments"))
    overdue = models.PositiveIntegerField(_("open past the deadline"))

    class Meta:
        verbose_name = _("commitment count")
        verbose_name_plural = _("commitment counts")
        indexes = [models.Index(fields=["day"], name="commitmentcount_day_idx")]


class InspectionCount(MonthlyRow):
    """Random-inspection items per category, drawn grade and plan month: drawn, with a result,
    with findings (a failed inspection)."""

    label_fields = ("category", "grade")
    count_field = "drawn"

    category = models.CharField(_("category"), max_length=20)
    grade = models.CharField(_("grade"), max_length=20)
    drawn = models.PositiveIntegerField(_("drawn"))
    with_result = models.PositiveIntegerField(_("with a result"))
    with_findings = models.PositiveIntegerField(_("with findings"))

    class Meta:
        verbose_name = _("inspection count")
        verbose_name_plural = _("inspection counts")
        indexes = [models.Index(fields=["day"], name="inspectioncount_day_idx")]


class Report(models.Model):
    """A monthly or quarterly 统计监测报告, kept as issued: number, period, files and figures."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    as_of = models.DateField(_("statistics as of"))
    snapshot_day = models.DateField(_("snapshot used"))
    data = models.JSONField(_("figures"))
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("XLSX"))
    pdf_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("generated by"))
    created_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("statistics report")
        verbose_name_plural = _("statistics reports")
        ordering = ["-period_end", "-created_at"]

    def __str__(self) -> str:
        return self.number
