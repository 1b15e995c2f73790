"""Workbench pages of classified supervision: measures, inspector pool, plans, results.

Thin, like every workbench view: parse a form, ask the same permission question the service
asks again, call one service, and put a `ServiceError` back under its field. Everyone on the
staff may read; administrators and lead reviewers draw and publish (see `supervision.access`).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from common.errors import ServiceError
from common.exports import Column, export_response, requested_format
from common.pages import apply_service_error, deny_unless
from common.spreadsheets import XLSX_CONTENT_TYPE
from subjects.models import Category
from supervision import access, selectors, services
from supervision.export import internal_workbook, public_workbook
from supervision.forms import (
    ConflictForm,
    DrawForm,
    InspectorForm,
    MeasureForm,
    PoolForm,
    PublishForm,
    ReasonForm,
    ResultForm,
)
from supervision.models import (
    ConflictRule,
    InspectionPlan,
    Inspector,
    PlanItem,
    PlanStatus,
    SupervisionMeasure,
)

PAGE_SIZE = 30


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- measures --------------------------------------------------------------------------------

@staff_required
def measures(request: HttpRequest) -> HttpResponse:
    """Every category's grades with their inspection frequency, ratio, incentives, restrictions."""
    by_category = selectors.measures_by_category()
    sections = [(value, label, by_category.get(value, [])) for value, label in Category.choices]
    return render(request, "supervision/measures.html", {
        "sections": sections, "can_edit": access.can_manage_measures(request.user),
    })


@staff_required
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(access.can_manage_measures(request.user))
    measure = get_object_or_404(SupervisionMeasure, pk=pk)
    status = 200
    if request.method == "POST":
        form = MeasureForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.measure_update(actor=request.user, measure=measure, reason=reason,
                                        **data)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The measure was changed."))
                return redirect("supervision:measures")
        else:
            status = 400
    else:
        form = MeasureForm(initial={
            "inspection_per_year": measure.inspection_per_year,
            "sampling_ratio": measure.sampling_ratio, "incentives": measure.incentives,
            "restrictions": measure.restrictions, "legal_basis": measure.legal_basis,
        })
    return render(request, "supervision/measure_edit.html",
                  {"form": form, "measure": measure}, status=status)


# --- inspector pool and avoidance rules ------------------------------------------------------

def _inspectors_page(request: HttpRequest, status: int = 200, **forms: object) -> HttpResponse:
    may = access.can_plan_inspections(request.user)
    context = {
        "pools": selectors.pools(),
        "inspectors": selectors.inspectors(),
        "rules": selectors.conflict_rules(),
        "can_edit": may,
        "pool_form": forms.get("pool_form") or PoolForm(),
        "inspector_form": forms.get("inspector_form") or InspectorForm(),
        "conflict_form": forms.get("conflict_form") or ConflictForm(),
    }
    return render(request, "supervision/inspectors.html", context, status=status)


@staff_required
def inspectors(request: HttpRequest) -> HttpResponse:
    return _inspectors_page(request)


@staff_required
@require_POST
def pool_add(request: HttpRequest) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    form = PoolForm(request.POST)
    if form.is_valid():
        try:
            services.pool_create(actor=request.user, name=form.cleaned_data["name"])
        except ServiceError as exc:
            return _inspectors_page(request, apply_service_error(form, exc), pool_form=form)
        messages.success(request, _("The pool was added."))
        return redirect("supervision:inspectors")
    return _inspectors_page(request, 400, pool_form=form)


@staff_required
@require_POST
def inspector_add(request: HttpRequest) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    form = InspectorForm(request.POST)
    if form.is_valid():
        try:
            services.inspector_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            return _inspectors_page(request, apply_service_error(form, exc), inspector_form=form)
        messages.success(request, _("The inspector was added."))
        return redirect("supervision:inspectors")
    return _inspectors_page(request, 400, inspector_form=form)


@staff_required
@require_POST
def inspector_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    inspector = get_object_or_404(Inspector, pk=pk)
    services.inspector_set_active(actor=request.user, inspector=inspector,
                                  active=not inspector.is_active)
    return redirect("supervision:inspectors")


@staff_required
@require_POST
def conflict_add(request: HttpRequest) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    form = ConflictForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.conflict_rule_create(
                actor=request.user, kind=data["kind"], subject=data["subject_code"],
                reason=data["reason"], unit_name=data["unit_name"], inspector=data["inspector"])
        except ServiceError as exc:
            return _inspectors_page(request, apply_service_error(form, exc), conflict_form=form)
        messages.success(request, _("The avoidance rule was added."))
        return redirect("supervision:inspectors")
    return _inspectors_page(request, 400, conflict_form=form)


@staff_required
@require_POST
def conflict_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    rule = get_object_or_404(ConflictRule, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
    else:
        services.conflict_rule_deactivate(actor=request.user, rule=rule,
                                          reason=form.cleaned_data["reason"])
        messages.success(request, _("The avoidance rule was lifted."))
    return redirect("supervision:inspectors")


# --- plans -----------------------------------------------------------------------------------

PLAN_COLUMNS = (
    Column(gettext_lazy("Plan"), lambda p: p.name, 36),
    Column(gettext_lazy("Category"), lambda p: p.get_category_display(), 14),
    Column(gettext_lazy("Period"), lambda p: f"{p.date_from:%Y-%m-%d} – {p.date_to:%Y-%m-%d}",
           24),
    Column(pgettext_lazy("count column", "Subjects"), lambda p: p.item_count, 8),
    Column(pgettext_lazy("count column", "Results"), lambda p: p.result_count, 8),
    Column(gettext_lazy("Status"), lambda p: p.get_status_display(), 10),
    Column(gettext_lazy("Drawn by"), lambda p: str(p.created_by), 14),
    Column(gettext_lazy("Drawn at"), lambda p: p.created_at, 18),
)


def _result(item: PlanItem) -> str:
    """The result column as the plan page shows it: passed or failed, and the record's state."""
    record = item.result_record
    if record is None:
        return ""
    verdict = (_("Passed") if record.record_type.code == "inspection_good"
               else pgettext("inspection result", "Failed"))
    return f"{verdict} · {record.get_state_display()}"


ITEM_COLUMNS = (
    Column(gettext_lazy("No."), lambda i: i.position, 6),
    Column(gettext_lazy("Subject"), lambda i: i.subject.name, 32),
    Column(gettext_lazy("Code"), lambda i: i.subject.display_code, 22),
    Column(gettext_lazy("Grade"), lambda i: _("Ungraded") if i.grade == "UNGRADED" else i.grade,
           8),
    Column(gettext_lazy("Inspectors"), lambda i: [
        f"{a.inspector.name}（{a.inspector.unit_name}）" for a in i.assignments.all()], 40),
    Column(gettext_lazy("Result"), _result, 18),
)


@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    status = request.GET.get("status", "")
    qs = selectors.plans(category=category if category in Category.values else "",
                         status=status if status in PlanStatus.values else "")
    fmt = requested_format(request)
    if fmt:  # every plan the filters keep, not one page
        return export_response(request, fmt=fmt, rows=qs, columns=PLAN_COLUMNS,
                               title=_("Random inspection plans"), name="inspection-plans")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/plan_list.html", {
        "page": page, "category": category, "status": status,
        "categories": Category.choices, "statuses": PlanStatus.choices,
        "can_draw": access.can_plan_inspections(request.user),
    })


@staff_required
def plan_draw(request: HttpRequest) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    status = 200
    if request.method == "POST":
        form = DrawForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_draw(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The plan was drawn with seed %(seed)s.")
                                 % {"seed": plan.seed})
                return redirect("supervision:plan_detail", pk=plan.pk)
        else:
            status = 400
    else:
        form = DrawForm()
    return render(request, "supervision/plan_draw.html", {"form": form}, status=status)


def _plan_page(request: HttpRequest, plan: InspectionPlan, status: int = 200,
               **extra: object) -> HttpResponse:
    user = request.user
    context = {
        "plan": plan,
        "items": selectors.plan_items(plan=plan),
        "public_rows": selectors.public_plan_rows(plan=plan),
        "summary": [{**row, "percent": format((Decimal(row["ratio"]) * 100).normalize(), "f")}
                    for row in plan.summary],
        "key_supervision_count": len((plan.draw_input or {}).get("key_supervision", [])),
        "can_publish": access.can_plan_inspections(user) and plan.status == PlanStatus.DRAFT,
        "can_record": access.can_record_results(user) and plan.is_published,
        "publish_form": extra.pop("publish_form", None) or PublishForm(),
        **extra,
    }
    return render(request, "supervision/plan_detail.html", context, status=status)


@staff_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan; `?export=xlsx|csv` gives its inspections table as shown (the working list with
    how it was drawn stays `plan_export`)."""
    plan = get_object_or_404(InspectionPlan, pk=pk)
    fmt = requested_format(request)
    if fmt:
        return export_response(request, fmt=fmt, rows=selectors.plan_items(plan=plan),
                               columns=ITEM_COLUMNS, title=plan.name,
                               name=f"inspection-plan-{plan.pk}-items")
    return _plan_page(request, plan)


@staff_required
@require_POST
def plan_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-run the draw from its seed now and show whether it reproduces the plan."""
    plan = get_object_or_404(InspectionPlan, pk=pk)
    return _plan_page(request, plan, verification=services.plan_verify(plan=plan))


@staff_required
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(access.can_plan_inspections(request.user))
    plan = get_object_or_404(InspectionPlan, pk=pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.plan_publish(actor=request.user, plan=plan,
                                  public_note=form.cleaned_data["public_note"])
        except ServiceError as exc:
            return _plan_page(request, plan, apply_service_error(form, exc), publish_form=form)
        messages.success(request, _("The plan was published."))
        return redirect("supervision:plan_detail", pk=plan.pk)
    return _plan_page(request, plan, 400, publish_form=form)


@staff_required
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The internal working list (grades, units, results, how it was drawn)."""
    plan = get_object_or_404(InspectionPlan, pk=pk)
    return _xlsx(internal_workbook(plan=plan), f"inspection-plan-{plan.pk}.xlsx")


@staff_required
def plan_export_public(request: HttpRequest, pk: int) -> HttpResponse:
    """The public part only, for a published plan (what 一公开 discloses)."""
    plan = get_object_or_404(InspectionPlan, pk=pk, status=PlanStatus.PUBLISHED)
    return _xlsx(public_workbook(plan=plan), f"inspection-plan-{plan.pk}-public.xlsx")


@staff_required
def item_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter an inspection's result; it becomes a credit record that goes to review."""
    deny_unless(access.can_record_results(request.user))
    item = get_object_or_404(PlanItem.objects.select_related("plan", "subject"), pk=pk)
    status = 200
    if request.method == "POST":
        form = ResultForm(request.POST)
        if form.is_valid():
            try:
                services.plan_record_result(actor=request.user, item=item, **form.cleaned_data)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The result was recorded and submitted for review."))
                return redirect("supervision:plan_detail", pk=item.plan_id)
        else:
            status = 400
    else:
        form = ResultForm()
    return render(request, "supervision/item_result.html",
                  {"form": form, "item": item, "plan": item.plan}, status=status)
