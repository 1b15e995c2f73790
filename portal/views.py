"""Pages of the public site (/public/, no sign-in) and the staff's credit-report download.

Views stay thin: every "may the public see this" decision is in `portal.selectors`. A page that
takes a code, a number or a token answers the same 404 for "malformed", "unknown" and "not
public", so nothing can be learnt about who exists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from appeals.views import enterprise_required
from common import clock
from common.errors import NotFound, ServiceError
from common.spreadsheets import Sheet, csv_response, xlsx_response
from lists.models import IndustrySanction, TypicalCase
from portal import conf, reports, selectors, services
from portal.forms import ReportForm
from portal.models import VerifiableDocument
from portal.throttle import refusal, throttled
from subjects.models import Category, Subject

EXPORT_MAX_ROWS = 20000


class _NotPublic(Http404):
    """Raised where a page is not public; answered by `not_found`, never by the site's 404
    page, which would echo the path (and with it a typed ID number)."""


def _not_found() -> Http404:
    return _NotPublic()


def not_found(request: HttpRequest) -> HttpResponse:
    """The one answer for malformed, unknown and non-public alike (same body, same status)."""
    return _public(request, "portal/404.html", {}, status=404)


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the public site: anything not public is answered by `not_found`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (_NotPublic, NotFound):
            return not_found(request)

    return wrapped


def _public(request: HttpRequest, template: str, context: dict[str, Any],
            status: int = 200) -> HttpResponse:
    context.setdefault("categories", [c for c in Category.choices])
    context.setdefault("today", clock.today())
    context.setdefault("key_public", conf.publish_key_supervision())
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store" if status != 200 else "public, max-age=60"
    return response


def _download(request: HttpRequest, *, name: str, title: str, header: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> HttpResponse | None:
    """The list as XLSX or CSV when `?format=` asks for it (formula cells neutralised)."""
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv"):  # a whole list in one request: counted like a search
        refused = refusal(request, "download")
        if refused is not None:
            return refused
    filename = f"{name}-{clock.today():%Y%m%d}"
    if fmt == "xlsx":
        # a sheet title holds no backslash, slash, ?, *, [, ] or colon, and 31 characters at most
        sheet_title = re.sub(r"[\\/?*\[\]:]", " ", title)[:31] or name
        return xlsx_response(f"{filename}.xlsx", Sheet(sheet_title, header, rows))
    if fmt == "csv":
        return csv_response(f"{filename}.csv", header, rows)
    return None


def _listing(request: HttpRequest, *, qs: QuerySet[Any], name: str, title: str,
             template: str, header: Sequence[str], row: Callable[[Any], Sequence[Any]],
             extra: dict[str, Any] | None = None) -> HttpResponse:
    if request.GET.get("q"):  # filtering a list by name or code is a search
        refused = refusal(request, "search")
        if refused is not None:
            return refused
    download = _download(request, name=name, title=title, header=header,
                         rows=(row(item) for item in qs[:EXPORT_MAX_ROWS]))
    if download is not None:
        return download
    page = Paginator(qs, conf.page_size()).get_page(request.GET.get("page"))
    context = {"page": page, "title": title, "q": request.GET.get("q", ""),
               "category": request.GET.get("category", ""), "list_name": name,
               **(extra or {})}
    return _public(request, template, context)


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _category(subject: Subject) -> str:
    return str(subject.get_category_display())


# --- home, search, subject ------------------------------------------------------------------
@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _public(request, "portal/home.html", selectors.home())


@public
@require_GET
@throttled("search")
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    results, total = selectors.search(q=q, category=category, offset=offset, limit=20)
    return _public(request, "portal/search.html", {
        "q": q, "category": category, "results": results, "total": total, "offset": offset,
        "next_offset": offset + 20 if len(results) == 20 else None,
        "prev_offset": max(0, offset - 20) if offset else None,
    })


@public
@require_GET
@throttled("subject")
def subject(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = selectors.public_subject(code=code)
    except NotFound:
        raise _not_found() from None
    return _public(request, "portal/subject.html", {
        "subject": found,
        "former_names": selectors.former_names(subject=found),
        "grade": selectors.public_grade(subject=found),
        "publish_grades": conf.publish_grades(),
        "records": list(selectors.public_records(subject=found)),
        "lists": selectors.subject_lists(subject=found),
    })


# --- lists --------------------------------------------------------------------------------
def _subject_cells(subject: Subject) -> list[str]:
    return [selectors.public_name(subject), selectors.public_code(subject), _category(subject)]


SUBJECT_HEADER = ["Subject", "Code", "Category"]


@public
@require_GET
def black_list(request: HttpRequest) -> HttpResponse:
    header = [_(h) for h in SUBJECT_HEADER] + [
        _("Ground"), _("Legal basis"), _("Decision number"), _("Decided on"),
        _("Published on"), _("In force from"), _("In force until"),
        pgettext("public site", "Measures"), _("Department"), _("State")]
    return _listing(
        request, qs=selectors.black_list(q=request.GET.get("q", ""),
                                         category=request.GET.get("category", "")),
        name="black-list", title=_("Black list"), template="portal/black_list.html",
        header=header,
        row=lambda e: [*_subject_cells(e.subject), e.ground.name, e.decision_basis,
                       e.decision_number, _d(e.decided_on), _d(e.published_on),
                       _d(e.effective_from), _d(e.effective_until), selectors.scrub(e.measures),
                       e.department.name, str(e.get_state_display())])


@public
@require_GET
def black_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.black_entry(pk=pk)
    except NotFound:
        raise _not_found() from None
    return _public(request, "portal/black_detail.html", {"entry": entry})


@public
@require_GET
def red_list(request: HttpRequest) -> HttpResponse:
    header = [_(h) for h in SUBJECT_HEADER] + [
        _("Commendation"), _("Decision number"), _("Decided on"), _("Publicity from"),
        _("Publicity until"), _("Valid from"), _("Valid until"), _("Department"), _("State")]
    return _listing(
        request, qs=selectors.red_list(q=request.GET.get("q", ""),
                                       category=request.GET.get("category", "")),
        name="red-list", title=_("Red list"), template="portal/red_list.html", header=header,
        row=lambda e: [*_subject_cells(e.subject), str(e.get_commendation_display()),
                       e.decision_number, _d(e.decided_on), _d(e.publicity_started_on),
                       _d(e.publicity_ends_on), _d(e.effective_from), _d(e.effective_until),
                       e.department.name, str(e.get_state_display())])


@public
@require_GET
def red_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.red_entry(pk=pk)
    except NotFound:
        raise _not_found() from None
    return _public(request, "portal/red_detail.html", {"entry": entry})


@public
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    if not conf.publish_key_supervision():
        raise _not_found()
    header = [_(h) for h in SUBJECT_HEADER] + [_("Why"), _("Entered on")]
    return _listing(
        request, qs=selectors.key_list(q=request.GET.get("q", ""),
                                       category=request.GET.get("category", "")),
        name="key-supervision", title=_("Key supervision"), template="portal/key_list.html",
        header=header,
        row=lambda e: [*_subject_cells(e.subject), _key_reason(e), _d(e.entered_on)],
        extra={"publish_grades": conf.publish_grades()})


def _key_reason(entry: Any) -> str:
    """Why a subject is under key supervision; "the lowest grade" would disclose the grade, so
    it is left blank where the county does not publish grades."""
    if entry.rule == "lowest_grade" and not conf.publish_grades():
        return ""
    return str(entry.get_rule_display())


@public
@require_GET
def sanction_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in IndustrySanction.Kind.values:
        kind = ""
    header = [_(h) for h in SUBJECT_HEADER] + [
        _("Sanction"), _("Grounds"), _("Legal basis"), _("Document number"), _("Decided on"),
        _("Publicity until"), _("Department")]
    return _listing(
        request, qs=selectors.sanctions(q=request.GET.get("q", ""), kind=kind,
                                        category=request.GET.get("category", "")),
        name="sanctions", title=_("Industry sanctions"), template="portal/sanction_list.html",
        header=header,
        row=lambda s: [*_subject_cells(s.subject), str(s.get_kind_display()),
                       selectors.scrub(s.grounds), s.legal_basis, s.document_number,
                       _d(s.decided_on), _d(s.record.publicity_ends_on), s.department.name],
        extra={"kind": kind, "kinds": IndustrySanction.Kind.choices})


@public
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in TypicalCase.Kind.values:
        kind = ""
    header = [_("Title"), pgettext("public site", "Kind"), _("Published on"), _("Subjects"),
              _("Department")]
    qs = selectors.typical_cases(q=request.GET.get("q", ""), kind=kind).select_related(
        "department").prefetch_related("subjects")
    return _listing(
        request, qs=qs, name="typical-cases", title=_("Typical cases"),
        template="portal/case_list.html", header=header,
        row=lambda c: [c.title, str(c.get_kind_display()), _d(c.published_on),
                       "、".join(selectors.public_name(s) for s in c.subjects.all()),
                       c.department.name],
        extra={"kind": kind, "kinds": TypicalCase.Kind.choices})


@public
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.typical_case(pk=pk)
    except NotFound:
        raise _not_found() from None
    return _public(request, "portal/case_detail.html", {
        "case": case, "body": selectors.scrub(case.body),
        "case_subjects": [s for s in case.subjects.all()]})


# --- random inspections -----------------------------------------------------------------------
@public
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    header = [_("Plan"), _("Category"), _("Inspection from"), _("Inspection until"),
              _("Published on"), _("Note")]
    return _listing(
        request, qs=selectors.inspection_plans(category=category), name="inspection-plans",
        title=_("Random-inspection plans"), template="portal/plan_list.html", header=header,
        row=lambda p: [p.name, str(p.get_category_display()), _d(p.date_from), _d(p.date_to),
                       _d(p.published_at.date() if p.published_at else None),
                       selectors.scrub(p.public_note)])


@public
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = selectors.inspection_plan(pk=pk)
    except NotFound:
        raise _not_found() from None
    items = selectors.plan_items(plan=plan)

    def inspectors(item: Any) -> str:
        return "、".join(a.inspector.name for a in
                        sorted(item.assignments.all(), key=lambda a: a.position))

    header = [_("No."), *[_(h) for h in SUBJECT_HEADER], _("Inspectors")]
    download = _download(request, name=f"inspection-plan-{plan.pk}", title=plan.name,
                         header=header,
                         rows=([i.position, *_subject_cells(i.subject), inspectors(i)]
                               for i in items))
    if download is not None:
        return download
    page = Paginator(items, conf.page_size() * 5).get_page(request.GET.get("page"))
    rows = [(i, inspectors(i)) for i in page.object_list]
    return _public(request, "portal/plan_detail.html", {"plan": plan, "page": page,
                                                        "rows": rows})


@public
@require_GET
def result_list(request: HttpRequest) -> HttpResponse:
    header = [_(h) for h in SUBJECT_HEADER] + [
        _("Plan"), _("Result"), _("Document number"), _("Decided on"), _("Legal basis")]
    return _listing(
        request, qs=selectors.inspection_results(q=request.GET.get("q", ""),
                                                 category=request.GET.get("category", "")),
        name="inspection-results", title=_("Inspection results"),
        template="portal/result_list.html", header=header,
        row=lambda i: [*_subject_cells(i.subject), i.plan.name,
                       i.result_record.record_type.name, i.result_record.document_number,
                       _d(i.result_record.decided_on), i.result_record.record_type.legal_basis])


# --- scoring models ---------------------------------------------------------------------------
@public
@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    return _public(request, "portal/model_list.html", {"models": selectors.published_models()})


@public
@require_GET
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        model = selectors.published_model(pk=pk)
    except NotFound:
        raise _not_found() from None
    return _public(request, "portal/model_detail.html", {"model": model})


# --- verification -----------------------------------------------------------------------------
@public
@require_GET
@throttled("verify")
def verify(request: HttpRequest, token: str) -> HttpResponse:
    document = VerifiableDocument.objects.filter(token=token[:64]).first()
    if document is None:
        raise _not_found()
    response = _public(request, "portal/verify.html", {
        "document": document, "status": reports.document_status(document=document),
        "content": document.content})
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


# --- staff: credit report ---------------------------------------------------------------------
@staff_required
@require_POST
def report(request: HttpRequest, subject_id: int) -> HttpResponse:
    """Issue and download a credit report of a subject (staff, on the subject's behalf)."""
    target = get_object_or_404(Subject, pk=subject_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(form.errors.get("as_of", [])), status=400)
    as_of = form.cleaned_data["as_of"] or clock.today()
    try:
        document = services.issue_credit_report(actor=request.user, subject=target, as_of=as_of)
    except ServiceError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    pdf = reports.credit_report_pdf(
        document=document,
        verify_url=request.build_absolute_uri(reverse("portal:verify", args=[document.token])))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="credit-report-{document.as_of:%Y%m%d}-{document.pk}.pdf"')
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke an issued document (lead department); the verification page then says so."""
    document = get_object_or_404(VerifiableDocument, pk=pk)
    try:
        services.revoke_document(actor=request.user, document=document,
                                 reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The document has been revoked."))
    return redirect(reverse("subjects:detail", args=[document.subject_id]) + "#credit-report")


# --- an enterprise's own credit report (/my/report/, mounted by config/urls.py) ---------------
@enterprise_required
@require_POST
def my_report(request: HttpRequest, subject: Subject) -> HttpResponse:
    """An enterprise issues and downloads its own credit report, as of today."""
    try:
        document = services.issue_credit_report(actor=request.user, subject=subject)
    except ServiceError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    pdf = reports.credit_report_pdf(
        document=document,
        verify_url=request.build_absolute_uri(reverse("portal:verify", args=[document.token])))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="credit-report-{document.as_of:%Y%m%d}-{document.pk}.pdf"')
    response["Cache-Control"] = "no-store"
    return response
