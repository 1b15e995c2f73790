"""Shared data: the working-day calendar and the log of scheduled job runs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day whose working status differs from the Monday-Friday default.

    China's official holidays and the adjusted working weekends (调休上班) are published each
    year by the State Council General Office (国务院办公厅关于XXXX年部分节假日安排的通知);
    administrators enter next year's notice here when it appears.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Adjusted working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.get_kind_display()})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


#: States in which a run still holds its lock (two full re-grades never run at once).
LIVE_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobRun(models.Model):
    """One run of a background job (the deadline job, a full re-grade, ...): what it did, how far
    it got, how it ended. Written by `common.jobs` around every task, read by the jobs page.

    `key` makes a job idempotent (the deadline job's key is its day: a second run for the same
    day is refused while one is queued, running or has succeeded); `lock` makes it exclusive
    (only one queued or running run per lock). Both are enforced by partial unique indexes, so
    two schedulers or two clicks racing each other cannot both win.
    """

    job = models.CharField(_("job"), max_length=50, db_index=True)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(_("outcome"), max_length=10, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    ok = models.BooleanField(_("succeeded"), default=False)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.BigIntegerField(_("rows"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict)
    error = models.TextField(_("error"), blank=True)
    key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    lock = models.CharField(_("lock"), max_length=100, blank=True)
    host = models.CharField(_("host"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="retries", verbose_name=_("retry of"))
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("started by"))

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-enqueued_at", "-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], name="jobrun_key_once",
                condition=~models.Q(key="") & ~models.Q(status="failed")),
            models.UniqueConstraint(
                fields=["lock"], name="jobrun_lock_exclusive",
                condition=~models.Q(lock="") & models.Q(status__in=["queued", "running"])),
        ]
        indexes = [models.Index(fields=["status", "job"], name="jobrun_status_job_idx")]

    def __str__(self) -> str:
        return f"{self.job} #{self.pk} ({self.status})"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Heartbeat(models.Model):
    """The last sign of life of a long-running process (a worker, the scheduler): `/healthz`
    reports it, and a job whose worker stopped beating is marked failed."""

    role = models.CharField(_("role"), max_length=20)
    host = models.CharField(_("host"), max_length=100)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last beat"), db_index=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [models.UniqueConstraint(fields=["role", "host", "pid"],
                                               name="heartbeat_process")]

    def __str__(self) -> str:
        return f"{self.role} {self.host}:{self.pid} @ {self.beat_at}"
