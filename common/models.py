"""Shared data: the working-day calendar and the log of scheduled job runs."""

from __future__ import annotations

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


class JobRun(models.Model):
    """One run of a scheduled job (e.g. process_deadlines): what it did, for monitoring."""

    job = models.CharField(_("job"), max_length=50, db_index=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    ok = models.BooleanField(_("succeeded"), default=False)
    summary = models.JSONField(_("summary"), default=dict)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
