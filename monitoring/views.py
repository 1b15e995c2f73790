"""Dashboards, drill-down lists, exports and reports (read-only pages for leaders).

Thin: parse the filter form, ask `monitoring.access`, call `monitoring.tables` / selectors /
services. Chart data leave as `<script type="application/json">` (Django's `json_script`);
the chart code is the static `monitoring/dashboard.js`, so no inline script is needed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from common.errors import ServiceError
from common.models import JobStatus
from common.pages import apply_service_error, deny_unless
from common.spreadsheets import Sheet, csv_response, xlsx_response
from monitoring import access, drilldowns, selectors, tables
from monitoring.forms import FilterForm, ReportForm
from monitoring.models import Report
from monitoring.tasks import start_report

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[FilterForm, selectors.Filters]:
    form = FilterForm(request.GET or None)
    return form, selectors.resolve(form.filters() if request.GET else selectors.Filters())


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every statistic of the centre on one page: chart, table, export and drill-down each."""
    deny_unless(access.can_read_statistics(request.user))
    form, filters = _filters(request)
    built = {t.key: t for t in tables.all_tables(filters)}
    sections = [(name, [built[key] for key in keys]) for name, keys in tables.SECTIONS]
    charts = {t.key: t.chart for t in built.values() if t.chart}
    return render(request, "monitoring/dashboard.html", {
        "form": form, "filters": filters, "sections": sections, "charts": charts,
        "query": request.GET.urlencode(), "run": selectors.latest_run(),
        "snapshot_day": filters.snapshot,
        "totals": selectors.records_totals(filters=filters),
        "feedback": selectors.feedback_totals(filters=filters),
        "silent": selectors.silent_departments(filters=filters),
        "steps": selectors.due_steps(user=request.user),
        "cell": tables.cell_text,
        "can_generate": access.can_generate_reports(request.user),
    })


@staff_required
def export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """One table (or, with key "all", every table) as XLSX or CSV, with the page's filters."""
    deny_unless(access.can_read_statistics(request.user))
    _form, filters = _filters(request)
    if key == "all":
        if fmt != "xlsx":
            raise Http404
        sheets = [Sheet(tables.sheet_title(i, t.title), t.header, t.rows)
                  for i, t in enumerate(tables.all_tables(filters), start=1)]
        return xlsx_response("statistics.xlsx", *sheets)
    build = tables.BUILDERS.get(key)
    if build is None:
        raise Http404
    table = build(filters)
    if fmt == "csv":
        return csv_response(f"{key}.csv", table.header, table.rows)
    if fmt == "xlsx":
        return xlsx_response(f"{key}.xlsx", Sheet(tables.sheet_title(1, table.title),
                                                  table.header, table.rows))
    raise Http404


def _page(request: HttpRequest, items: Any, count: int | None = None) -> Any:
    """A page of `items`; with `count` (the snapshot's number) no COUNT(*) runs on the list."""
    paginator = Paginator(items, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: the instance value stands in for it
    return paginator.get_page(request.GET.get("page"))


@staff_required
def subjects(request: HttpRequest) -> HttpResponse:
    """Drill-down: the subjects behind one (category, grade) count."""
    deny_unless(access.can_read_statistics(request.user))
    form, filters = _filters(request)
    category = request.GET.get("category", "")
    grade = request.GET.get("grade", "")
    items = selectors.subjects_behind(category=category, grade=grade, day=filters.as_of)
    count = selectors.subjects_count_behind(category=category, grade=grade, day=filters.as_of)
    return render(request, "monitoring/drill_subjects.html", {
        "page": _page(request, items, count), "category": selectors.category_label(category),
        "grade": grade, "query": request.GET.urlencode()})


@staff_required
def records(request: HttpRequest) -> HttpResponse:
    """Drill-down: the records behind one number of the records charts."""
    deny_unless(access.can_read_statistics(request.user))
    form, filters = _filters(request)
    record_type = request.GET.get("record_type", "")
    cell = {"source": request.GET.get("source") or None,
            "record_type_id": int(record_type) if record_type.isdigit() else None,
            "late": request.GET.get("late") == "1", "pending": request.GET.get("pending") == "1"}
    items = selectors.records_behind(filters=filters, **cell)
    count = selectors.records_count_behind(filters=filters, **cell)
    return render(request, "monitoring/drill_records.html", {
        "form": form, "page": _page(request, items, count), "query": request.GET.urlencode()})


def _with_kind(runs: list[Any]) -> list[Any]:
    kinds = dict(Report.Kind.choices)
    for run in runs:
        run.kind_label = kinds.get(run.args.get("kind"), "")
    return runs


def _reports_page(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    can_generate = access.can_generate_reports(request.user)   # they follow the report jobs
    return render(request, "monitoring/reports.html", {
        "reports": Report.objects.select_related("created_by").defer("pdf", "xlsx", "data"),
        "runs": _with_kind(selectors.report_runs()) if can_generate else [], "form": form,
        "can_generate": can_generate}, status=status)


@staff_required
def entries(request: HttpRequest, what: str) -> HttpResponse:
    """Drill-down: the list entries, measures returned, commitments or inspected subjects behind
    one number of the dashboard, with its filters; paged, or whole as CSV/XLSX (`?export=`)."""
    deny_unless(access.can_read_statistics(request.user))
    drill = drilldowns.DRILLS.get(what)
    if drill is None:
        raise Http404
    form, filters = _filters(request)
    params = {k: request.GET.get(k, "") for k in drilldowns.PARAMS}
    try:
        items = drill.queryset(filters, params)
    except LookupError:
        raise Http404 from None
    title, described = str(drill.title), drill.describe(params)
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        rows = [drill.row(obj) for obj in items[:drilldowns.EXPORT_MAX]]
        if export == "csv":
            return csv_response(f"{what}.csv", drill.header(), rows)
        return xlsx_response(f"{what}.xlsx", Sheet(tables.sheet_title(1, title), drill.header(),
                                                   rows, preface=[title, described]))
    page = _page(request, items)
    return render(request, "monitoring/drill_entries.html", {
        "title": title, "described": described, "header": drill.header(),
        "rows": [(drill.subject_of(obj), [tables.cell_text(v) for v in drill.row(obj)])
                 for obj in page.object_list],
        "page": page, "query": request.GET.urlencode(), "form": form,
        "dashboard_query": _dashboard_query(request), "export_max": drilldowns.EXPORT_MAX})


def _dashboard_query(request: HttpRequest) -> str:
    """The dashboard's own filters from a drill-down's query (back to the same view)."""
    query = request.GET.copy()
    for key in (*drilldowns.PARAMS, "page", "export"):
        if key != "category":
            query.pop(key, None)
    return query.urlencode()


@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    """The reports issued, and those being generated with their progress."""
    deny_unless(access.can_read_statistics(request.user))
    return _reports_page(request, ReportForm())


@staff_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    """Queue the report as a background job and return at once (issue 13): the reports page
    shows its progress bar, and the report in the list once the job is done."""
    deny_unless(access.can_generate_reports(request.user))
    form = ReportForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            run = start_report(actor=request.user, kind=form.cleaned_data["kind"],
                               day=form.cleaned_data["period"])
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            if run.status == JobStatus.SUCCEEDED:   # a backend that ran it inline
                messages.success(request, _("Report %(n)s issued.")
                                 % {"n": run.summary.get("number", "")})
            elif run.status == JobStatus.FAILED:
                messages.error(request, _("The report could not be generated: %(error)s")
                               % {"error": (run.error.strip().splitlines() or [""])[-1]})
            else:
                messages.success(request, _("The report is being generated; it appears in "
                                            "the list when it is done."))
            return redirect("monitoring:reports")
    return _reports_page(request, form, status=status)


@staff_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    deny_unless(access.can_read_statistics(request.user))
    report = get_object_or_404(Report, pk=pk)
    if fmt == "pdf":
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    elif fmt == "xlsx":
        response = HttpResponse(
            bytes(report.xlsx),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{report.number}.{fmt}"'
    return response
