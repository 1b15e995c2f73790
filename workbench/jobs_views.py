"""The jobs page (`/monitoring/jobs/`): every background run with its outcome, a run's progress
(polled as JSON by `common/job_progress.js`, no inline script under the CSP), and an
administrator's retry of a failed run.

Leaders, administrators and auditors see every run; whoever started a run (e.g. a lead reviewer
who clicked "Re-grade now") sees that run's progress too.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import Role
from common import jobs
from common.errors import ServiceError
from common.models import JobRun, JobStatus
from common.pages import deny_unless

JOB_READERS = {Role.ADMIN, Role.LEADER, Role.AUDITOR}


def can_read_jobs(user: object) -> bool:
    return getattr(user, "role", None) in JOB_READERS


def can_read_run(user: object, run: JobRun) -> bool:
    return can_read_jobs(user) or (run.triggered_by_id is not None
                                   and run.triggered_by_id == getattr(user, "pk", None))


def can_retry(user: object) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


def _label(name: str) -> str:
    spec = jobs.registered().get(name)
    return str(spec.label) if spec else name


@staff_required
def job_list(request: HttpRequest) -> HttpResponse:
    deny_unless(can_read_jobs(request.user))
    jobs.recover_stale()
    runs = JobRun.objects.select_related("triggered_by")
    job = request.GET.get("job", "").strip()
    status = request.GET.get("status", "").strip()
    if job:
        runs = runs.filter(job=job)
    if status in JobStatus.values:
        runs = runs.filter(status=status)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.label = _label(run.job)
    return render(request, "workbench/jobs_list.html", {
        "page": page, "filters": {"job": job, "status": status},
        "job_names": sorted(jobs.registered()), "statuses": JobStatus.choices,
        "can_retry": can_retry(request.user),
    })


@staff_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(JobRun.objects.select_related("triggered_by"), pk=pk)
    deny_unless(can_read_run(request.user, run))
    run.label = _label(run.job)
    return render(request, "workbench/job_detail.html", {
        "run": run, "can_retry": can_retry(request.user),
        "can_list": can_read_jobs(request.user)})


@staff_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls: state, percent, rows and, once over, the error."""
    run = get_object_or_404(JobRun, pk=pk)
    deny_unless(can_read_run(request.user, run))
    if run.status == JobStatus.RUNNING:
        jobs.recover_stale()
        run.refresh_from_db()
    return JsonResponse({
        "id": run.pk, "job": run.job, "status": run.status,
        "status_label": str(run.get_status_display()), "progress": run.progress,
        "rows": run.rows, "finished": run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        "error": run.error[:2000] if run.status == JobStatus.FAILED else "",
    })


@require_POST
@staff_required
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    deny_unless(can_retry(request.user))
    try:
        new = jobs.retry(run=run, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("jobs:list")
    messages.success(request, _("Run #%(old)d queued again as #%(new)d.")
                     % {"old": run.pk, "new": new.pk})
    return redirect("jobs:detail", pk=new.pk)
