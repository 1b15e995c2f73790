"""Pages of the public site (/public/, no sign-in) and the staff's credit-report download.

Views stay thin: every "may the public see this" decision is in `portal.selectors`. A page that
takes a code, a number or a token answers the same 404 for "malformed", "unknown" and "not
public", so nothing can be learnt about who exists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
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
#: What a verification token looks like (`portal.services.new_token`: URL-safe base64).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


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


@dataclass(frozen=True)
class Filters:
    """What a visitor narrowed a public list by (`q` and `category` as typed; `kind` only when
    it is one of the list's kinds)."""

    q: str
    category: str
    kind: str


@dataclass(frozen=True)
class PublicList:
    """One public list: where its rows come from, how a row reads in the XLSX/CSV download,
    and its page. Every public list is this table's row, served by `public_list`."""

    name: str  # URL-safe: the download's file name
    title: Any  # lazy text
    template: str
    header: Callable[[], list[Any]]  # called per request, in the visitor's language
    rows: Callable[[Filters], QuerySet[Any]]
    row: Callable[[Any], Sequence[Any]]
    kinds: Sequence[tuple[str, Any]] = ()  # the `?kind=` filter's choices, if any
    extra: Callable[[], dict[str, Any]] | None = None
    shown: Callable[[], bool] | None = None  # the county may keep a list off the site


def public_list(request: HttpRequest, *, spec: PublicList) -> HttpResponse:
    """A public list, paginated, or downloaded whole with `?format=xlsx|csv`."""
    if spec.shown is not None and not spec.shown():
        raise _not_found()
    kind = request.GET.get("kind", "")
    filters = Filters(q=request.GET.get("q", ""), category=request.GET.get("category", ""),
                      kind=kind if kind in {k for k, _label in spec.kinds} else "")
    if filters.q:  # filtering a list by name or code is a search
        refused = refusal(request, "search")
        if refused is not None:
            return refused
    qs = spec.rows(filters)
    title = str(spec.title)
    download = _download(request, name=spec.name, title=title,
                         header=[str(h) for h in spec.header()],
                         rows=(spec.row(item) for item in qs[:EXPORT_MAX_ROWS]))
    if download is not None:
        return download
    page = Paginator(qs, conf.page_size()).get_page(request.GET.get("page"))
    context = {"page": page, "title": title, "q": filters.q, "category": filters.category,
               "list_name": spec.name, **(spec.extra() if spec.extra else {})}
    if spec.kinds:
        context |= {"kind": filters.kind, "kinds": spec.kinds}
    return _public(request, spec.template, context)


def _list_view(spec: PublicList) -> Callable[..., HttpResponse]:
    @public
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return public_list(request, spec=spec)

    view.__name__ = view.__qualname__ = spec.name.replace("-", "_")
    return view


def _detail_view(find: Callable[..., Any], template: str, name: str,
                 context: Callable[[Any], dict[str, Any]] | None = None
                 ) -> Callable[..., HttpResponse]:
    """A public page of one published thing: 404 alike for unknown and not public."""

    @public
    @require_GET
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        try:
            found = find(pk=pk)
        except NotFound:
            raise _not_found() from None
        return _public(request, template, {name: found, **(context(found) if context else {})})

    view.__name__ = view.__qualname__ = f"{name}_detail"
    return view


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


def _with_subject(*more: Any) -> Callable[[], list[Any]]:
    return lambda: [_(h) for h in SUBJECT_HEADER] + [str(h) for h in more]


def _key_reason(entry: Any) -> str:
    """Why a subject is under key supervision; "the lowest grade" would disclose the grade, so
    it is left blank where the county does not publish grades."""
    if entry.rule == "lowest_grade" and not conf.publish_grades():
        return ""
    return str(entry.get_rule_display())


BLACK_LIST = PublicList(
    name="black-list", title=gettext_lazy("Black list"), template="portal/black_list.html",
    header=_with_subject(
        gettext_lazy("Ground"), gettext_lazy("Legal basis"), gettext_lazy("Decision number"),
        gettext_lazy("Decided on"), gettext_lazy("Published on"),
        gettext_lazy("In force from"), gettext_lazy("In force until"),
        pgettext_lazy("public site", "Measures"), gettext_lazy("Department"),
        gettext_lazy("State")),
    rows=lambda f: selectors.black_list(q=f.q, category=f.category),
    row=lambda e: [*_subject_cells(e.subject), e.ground.name, selectors.scrub(e.decision_basis),
                   e.decision_number, _d(e.decided_on), _d(e.published_on),
                   _d(e.effective_from), _d(e.effective_until), selectors.scrub(e.measures),
                   e.department.name, str(e.get_state_display())])

RED_LIST = PublicList(
    name="red-list", title=gettext_lazy("Red list"), template="portal/red_list.html",
    header=_with_subject(
        gettext_lazy("Commendation"), gettext_lazy("Decision number"),
        gettext_lazy("Decided on"), gettext_lazy("Publicity from"),
        gettext_lazy("Publicity until"), gettext_lazy("Valid from"), gettext_lazy("Valid until"),
        gettext_lazy("Department"), gettext_lazy("State")),
    rows=lambda f: selectors.red_list(q=f.q, category=f.category),
    row=lambda e: [*_subject_cells(e.subject), str(e.get_commendation_display()),
                   e.decision_number, _d(e.decided_on), _d(e.publicity_started_on),
                   _d(e.publicity_ends_on), _d(e.effective_from), _d(e.effective_until),
                   e.department.name, str(e.get_state_display())])

KEY_LIST = PublicList(
    name="key-supervision", title=gettext_lazy("Key supervision"),
    template="portal/key_list.html",
    header=_with_subject(gettext_lazy("Why"), gettext_lazy("Entered on")),
    rows=lambda f: selectors.key_list(q=f.q, category=f.category),
    row=lambda e: [*_subject_cells(e.subject), _key_reason(e), _d(e.entered_on)],
    extra=lambda: {"publish_grades": conf.publish_grades()},
    shown=conf.publish_key_supervision)

SANCTION_LIST = PublicList(
    name="sanctions", title=gettext_lazy("Industry sanctions"),
    template="portal/sanction_list.html",
    header=_with_subject(
        gettext_lazy("Sanction"), gettext_lazy("Grounds"), gettext_lazy("Legal basis"),
        gettext_lazy("Document number"), gettext_lazy("Decided on"),
        gettext_lazy("Publicity until"), gettext_lazy("Department")),
    rows=lambda f: selectors.sanctions(q=f.q, kind=f.kind, category=f.category),
    row=lambda s: [*_subject_cells(s.subject), str(s.get_kind_display()),
                   selectors.scrub(s.grounds), s.legal_basis, s.document_number,
                   _d(s.decided_on), _d(s.record.publicity_ends_on), s.department.name],
    kinds=IndustrySanction.Kind.choices)

CASE_LIST = PublicList(
    name="typical-cases", title=gettext_lazy("Typical cases"),
    template="portal/case_list.html",
    header=lambda: [_("Title"), pgettext("public site", "Kind"), _("Published on"),
                    _("Subjects"), _("Department")],
    rows=lambda f: selectors.typical_cases(q=f.q, kind=f.kind).select_related(
        "department").prefetch_related("subjects"),
    row=lambda c: [selectors.scrub(c.title), str(c.get_kind_display()), _d(c.published_on),
                   "、".join(selectors.public_name(s) for s in c.subjects.all()),
                   c.department.name],
    kinds=TypicalCase.Kind.choices)

PLAN_LIST = PublicList(
    name="inspection-plans", title=gettext_lazy("Random-inspection plans"),
    template="portal/plan_list.html",
    header=lambda: [_("Plan"), _("Category"), _("Inspection from"), _("Inspection until"),
                    _("Published on"), _("Note")],
    rows=lambda f: selectors.inspection_plans(
        category=f.category if f.category in Category.values else ""),
    row=lambda p: [selectors.scrub(p.name), str(p.get_category_display()), _d(p.date_from),
                   _d(p.date_to),
                   _d(p.published_at.date() if p.published_at else None),
                   selectors.scrub(p.public_note)])

RESULT_LIST = PublicList(
    name="inspection-results", title=gettext_lazy("Inspection results"),
    template="portal/result_list.html",
    header=_with_subject(
        gettext_lazy("Plan"), gettext_lazy("Result"), gettext_lazy("Document number"),
        gettext_lazy("Decided on"), gettext_lazy("Legal basis")),
    rows=lambda f: selectors.inspection_results(q=f.q, category=f.category),
    row=lambda i: [*_subject_cells(i.subject), selectors.scrub(i.plan.name),
                   i.result_record.record_type.name, i.result_record.document_number,
                   _d(i.result_record.decided_on), i.result_record.record_type.legal_basis])

black_list = _list_view(BLACK_LIST)
red_list = _list_view(RED_LIST)
key_list = _list_view(KEY_LIST)
sanction_list = _list_view(SANCTION_LIST)
case_list = _list_view(CASE_LIST)
plan_list = _list_view(PLAN_LIST)
result_list = _list_view(RESULT_LIST)

black_detail = _detail_view(selectors.black_entry, "portal/black_detail.html", "entry")
red_detail = _detail_view(selectors.red_entry, "portal/red_detail.html", "entry")
case_detail = _detail_view(
    selectors.typical_case, "portal/case_detail.html", "case",
    lambda case: {"body": selectors.scrub(case.body),
                  "case_subjects": list(case.subjects.all())})
model_detail = _detail_view(selectors.published_model, "portal/model_detail.html", "model")


# --- random inspections -----------------------------------------------------------------------
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
    download = _download(request, name=f"inspection-plan-{plan.pk}",
                         title=selectors.scrub(plan.name), header=header,
                         rows=([i.position, *_subject_cells(i.subject), inspectors(i)]
                               for i in items))
    if download is not None:
        return download
    page = Paginator(items, conf.page_size() * 5).get_page(request.GET.get("page"))
    rows = [(i, inspectors(i)) for i in page.object_list]
    return _public(request, "portal/plan_detail.html", {"plan": plan, "page": page,
                                                        "rows": rows})


# --- scoring models ---------------------------------------------------------------------------
@public
@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    return _public(request, "portal/model_list.html", {"models": selectors.published_models()})


# --- verification -----------------------------------------------------------------------------
@public
@require_GET
@throttled("verify")
def verify(request: HttpRequest, token: str) -> HttpResponse:
    # a token is `secrets.token_urlsafe` text; anything else (a NUL, which PostgreSQL refuses
    # in any string) is unknown without asking the database
    document = (VerifiableDocument.objects.filter(token=token).first()
                if TOKEN_SHAPE.fullmatch(token) else None)
    if document is None:
        raise _not_found()
    response = _public(request, "portal/verify.html", {
        "document": document, "status": reports.document_status(document=document),
        "content": document.content})
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


# --- staff: credit report ---------------------------------------------------------------------
def _report_download(request: HttpRequest, document: VerifiableDocument) -> HttpResponse:
    """The issued credit report as a PDF download, with the address that verifies it."""
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
    return _report_download(request, document)


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
    return _report_download(request, document)
