"""Monitoring's background jobs: the daily statistics snapshot (scheduled) and the issue of a
numbered report (started from the reports page), both logged on the jobs page.

A report reads every statistic, draws its charts and renders a PDF: far too long for a web
request at a province's size. The page queues the job and returns at once; the job reports its
progress (the same bar as the full re-grade) and the report appears in the list when it is
done. One report job at a time (lock `monitoring.report`): numbers are given in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common import jobs
from common.models import JobRun
from monitoring import services


def issue_report(*, run: JobRun, kind: str, period: str, actor_id: int) -> int:
    """The job: issue the report and name it in the run (the page links to it)."""
    actor = User.objects.get(pk=actor_id)
    report = services.report_generate(actor=actor, kind=kind,
                                      day=dt.date.fromisoformat(period),
                                      progress=lambda pct: jobs.report(run, progress=pct))
    jobs.report(run, report_id=report.pk, number=report.number)
    return 1


def start_report(*, actor: Any, kind: str, day: dt.date) -> JobRun:
    """Queue the issue of a report; returns its run at once.

    Whether `actor` may issue it and whether the period has begun are checked now (the page
    answers at once) and again when the job runs. Refused (`Conflict`) while another report is
    queued or being generated.
    """
    services.report_check(actor=actor, kind=kind, day=day)
    return jobs.enqueue("monitoring.report", actor=actor, kind=kind, period=day.isoformat(),
                        actor_id=actor.pk)


jobs.register_command("snapshot_statistics", command="snapshot_statistics",
                      label=_("Statistics snapshot"), every=24 * 3600)
jobs.register("monitoring.report", label=_("Statistics report"), func=issue_report,
              lock="monitoring.report")
