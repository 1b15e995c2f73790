"""Workbench pages of the scoring app: models (upload, edit, publish), what-if, batches.

Thin, like every workbench view: parse a form, ask the permission question the service asks
again, call one service or selector, and put a `ServiceError` back on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from common.errors import ServiceError
from common.pages import apply_service_error, deny_unless
from scoring import selectors, services
from scoring.engine import spec_of
from scoring.forms import AsOfForm, ModelSourceForm, RegradeForm, RetireDecisionForm, RetireForm
from scoring.models import (
    BatchStatus,
    EvaluationBatch,
    ModelRetirement,
    ModelStatus,
    RetirementState,
    ScoringModel,
)
from scoring.permissions import can_manage_models
from scoring.tasks import start_full_regrade


def _source_error(form: ModelSourceForm, exc: ServiceError) -> int:
    problems = getattr(exc, "problems", None)
    if problems:
        for problem in problems:
            form.add_error("source", str(problem))
        return exc.status
    return apply_service_error(form, exc)


@staff_required
def model_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scoring/model_list.html", {
        "models": selectors.models_list(category=request.GET.get("category") or None),
        "can_manage": can_manage_models(request.user),
    })


@staff_required
def model_upload(request: HttpRequest) -> HttpResponse:
    deny_unless(can_manage_models(request.user))
    form = ModelSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            model = services.model_upload_draft(actor=request.user,
                                                source=form.cleaned_data["source"])
        except ServiceError as exc:
            _source_error(form, exc)
        else:
            messages.success(request, _("Draft %(model)s saved.") % {"model": model.label})
            return redirect("scoring:model_detail", pk=model.pk)
    return render(request, "scoring/model_form.html", {"form": form, "model": None},
                  status=422 if request.method == "POST" and form.errors else 200)


@staff_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(ScoringModel.objects.select_related(
        "created_by", "updated_by", "published_by"), pk=pk)
    user = request.user
    return render(request, "scoring/model_detail.html", {
        "model": model, "spec": spec_of(model) if model.spec else None,
        "can_manage": can_manage_models(user),
        "may_publish": can_manage_models(user) and model.status == ModelStatus.DRAFT
        and user.pk not in (model.created_by_id, model.updated_by_id),
        "retire_form": RetireForm(model=model) if model.status == ModelStatus.PUBLISHED else None,
        "retirements": model.retirements.select_related("successor", "requested_by",
                                                        "decided_by").order_by("-requested_at"),
        "open_state": RetirementState.REQUESTED,
    })


@staff_required
def model_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(can_manage_models(request.user))
    model = get_object_or_404(ScoringModel, pk=pk)
    if model.status != ModelStatus.DRAFT:
        messages.error(request, _("Only drafts can be edited; upload a new version instead."))
        return redirect("scoring:model_detail", pk=model.pk)
    form = ModelSourceForm(request.POST or None, request.FILES or None,
                           initial={"source": model.source})
    if request.method == "POST" and form.is_valid():
        try:
            services.model_update_draft(actor=request.user, model=model,
                                        source=form.cleaned_data["source"])
        except ServiceError as exc:
            _source_error(form, exc)
        else:
            messages.success(request, _("Draft %(model)s updated.") % {"model": model.label})
            return redirect("scoring:model_detail", pk=model.pk)
    return render(request, "scoring/model_form.html", {"form": form, "model": model},
                  status=422 if request.method == "POST" and form.errors else 200)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    deny_unless(can_manage_models(request.user))
    model = get_object_or_404(ScoringModel, pk=pk)
    try:
        action(actor=request.user, model=model)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done % {"model": model.label})
    return redirect("scoring:model_detail", pk=model.pk)


@require_POST
@staff_required
def model_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.model_publish, _("%(model)s published."))


@require_POST
@staff_required
def model_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a retirement (successor and reason); a second administrator decides."""
    deny_unless(can_manage_models(request.user))
    model = get_object_or_404(ScoringModel, pk=pk)
    form = RetireForm(request.POST, model=model)
    if form.is_valid():
        try:
            services.model_retire_request(actor=request.user, model=model,
                                          successor=form.cleaned_data["successor"],
                                          reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Retirement of %(model)s requested; another "
                                        "administrator must confirm it.") % {"model": model.label})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
    return redirect("scoring:model_detail", pk=model.pk)


@require_POST
@staff_required
def model_retire_decide(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(can_manage_models(request.user))
    retirement = get_object_or_404(ModelRetirement, pk=pk)
    form = RetireDecisionForm(request.POST)
    form.is_valid()
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.model_retire_decide(actor=request.user, request=retirement, confirm=confirm,
                                     note=form.cleaned_data.get("note", ""))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(model)s retired.") % {"model": retirement.model.label}
                         if confirm else _("The retirement was refused."))
    return redirect("scoring:model_detail", pk=retirement.model_id)


@staff_required
def what_if(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a model (usually a draft) against the data as of a date; nothing is stored."""
    deny_unless(can_manage_models(request.user))
    model = get_object_or_404(ScoringModel, pk=pk)
    form = AsOfForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        result = services.what_if(draft=model, as_of=form.cleaned_data["as_of"],
                                  actor=request.user)
    matrix_rows: list[tuple[str, list[int]]] = []
    columns: list[str] = []
    if result is not None:
        rows = [g for g, _n in result.before] or [""]
        columns = [g for g, _n in result.after]
        matrix_rows = [(g, [result.matrix.get((g, c), 0) for c in columns]) for g in rows]
    return render(request, "scoring/what_if.html", {
        "model": model, "form": form, "result": result, "columns": columns,
        "matrix_rows": matrix_rows,
    })


@staff_required
def batch_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") or None
    form = RegradeForm()
    return render(request, "scoring/batch_list.html", {
        "batches": selectors.batches(category=category)[:100], "form": form,
        "can_manage": can_manage_models(request.user),
    })


@require_POST
@staff_required
def regrade(request: HttpRequest) -> HttpResponse:
    """Start a full re-grade as a background job and show its progress at once (issue 13): the
    job runs in the worker, survives the browser closing, and a second one is refused while it
    is queued or running."""
    deny_unless(can_manage_models(request.user))
    form = RegradeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date and category."))
        return redirect("scoring:batches")
    try:
        run = start_full_regrade(actor=request.user, as_of=form.cleaned_data["as_of"],
                                 category=form.cleaned_data["category"] or None)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("scoring:batches")
    messages.success(request, _("The re-grade has started; this page follows its progress."))
    return redirect("jobs:detail", pk=run.pk)


@staff_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(EvaluationBatch.objects.select_related("model"), pk=pk)
    previous = selectors.previous_batch(batch=batch)
    distribution = selectors.grade_distribution(batch=batch)
    columns = [g for g, _n in distribution]
    matrix_rows: list[tuple[str, list[int]]] = []
    if previous is not None and previous.status == BatchStatus.COMPLETE:
        matrix = selectors.migration_matrix(from_batch=previous, to_batch=batch)
        before = [g for g, _n in selectors.grade_distribution(batch=previous)]
        rows = before + sorted({f for f, _t in matrix} - set(before))
        matrix_rows = [(g, [matrix.get((g, c), 0) for c in columns]) for g in rows]
    return render(request, "scoring/batch_detail.html", {
        "batch": batch, "previous": previous, "distribution": distribution,
        "columns": columns, "matrix_rows": matrix_rows,
    })
