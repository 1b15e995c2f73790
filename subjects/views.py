"""Subject pages: search, registration with live code checking, the one-screen archive, edit.

Subjects are addressed by primary key, never by code, so an individual's ID number never
appears in a URL, a server log or browser history.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.decorators import staff_required
from common import limits
from common.errors import ServiceError
from common.exports import Column, export_response, requested_format
from common.pages import apply_service_error, deny_unless
from subjects import masking, panels, services
from subjects.forms import SubjectCreateForm, SubjectEditForm, SubjectSearchForm
from subjects.identifiers import normalise, validate_subject_code
from subjects.models import Category, Subject
from subjects.selectors import SEARCH_MAX_LIMIT, former_names, get_subject, search_subjects

PAGE_SIZE = 20
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")

#: The list's columns, exported as shown: an individual's ID number masked for every role.
SUBJECT_COLUMNS = (
    Column(gettext_lazy("Name"), lambda s: s.name, 36),
    Column(gettext_lazy("Code"), lambda s: s.display_code, 22),
    Column(gettext_lazy("Category"), lambda s: s.category, 16, choices=Category.choices),
    Column(gettext_lazy("Status"), lambda s: s.status, 10, choices=Subject.Status.choices),
)


def _every_match(q: str, category: str | None) -> list[Subject]:
    """Every subject the search matches, in the page's order (page after page of the same
    search, so the export and the pages cannot disagree), one more than an export may hold."""
    found: list[Subject] = []
    while len(found) <= limits.EXPORT_ROWS:
        chunk, _total = search_subjects(q=q, category=category, limit=SEARCH_MAX_LIMIT,
                                        offset=len(found))
        found += chunk
        if len(chunk) < SEARCH_MAX_LIMIT:
            break
    return found


@staff_required
@require_http_methods(["GET", "POST"])
def subject_list(request: HttpRequest) -> HttpResponse:
    """Search by whole code or any part of a current or former name; recent ones when empty.

    The search form posts (with or without JavaScript), and its pager posts too, so that an ID
    number searched for never lands in a URL, a server log or browser history. GET with `q`
    still answers, for links to a name search.
    """
    data = request.POST if request.method == "POST" else request.GET
    form = SubjectSearchForm(data)
    form.is_valid()
    q = form.cleaned_data.get("q", "")
    category = form.cleaned_data.get("category") or None
    fmt = requested_format(request)
    if fmt:  # every match of the same search, not one page
        recent = Subject.objects.order_by("-created_at", "-pk")
        rows: Any = (_every_match(q, category) if q else
                     recent.filter(category=category) if category else recent)
        return export_response(request, fmt=fmt, rows=rows, columns=SUBJECT_COLUMNS,
                               title=_("Subjects"), name="subjects")
    try:
        page_no = max(1, int(data.get("page", "1")))
    except ValueError:
        page_no = 1
    if q:
        subjects, total = search_subjects(q=q, category=category, limit=PAGE_SIZE,
                                          offset=(page_no - 1) * PAGE_SIZE)
    else:
        recent = Subject.objects.order_by("-created_at", "-pk")
        if category:
            recent = recent.filter(category=category)
        subjects, total = list(recent[:PAGE_SIZE]), None
        page_no = 1
    has_next = len(subjects) == PAGE_SIZE and (total is None or total > page_no * PAGE_SIZE)
    context = {
        "form": form, "q": q, "category": category or "", "subjects": subjects,
        "total": total, "page_no": page_no, "prev_page": page_no - 1, "next_page": page_no + 1,
        "has_prev": page_no > 1 and bool(q), "has_next": has_next and bool(q),
        "posted": request.method == "POST",
        # a whole ID number searched for is not echoed into the page either
        "hide_query": bool(ID_NUMBER.match(normalise(q))),
        "can_edit": permissions.can_edit_subjects(request.user),
        # exported by POST like the search itself: a searched ID number stays out of URLs
        "export_form": {"action": reverse("subjects:list"),
                        "fields": [("q", q), ("category", category or "")]},
    }
    return render(request, "subjects/list.html", context)


def _resolve_employer(form: Any) -> tuple[bool, Subject | None]:
    """The employer named by code, or a form error; (ok, employer)."""
    code = form.cleaned_data.get("employer_code", "")
    if not code:
        return True, None
    try:
        employer = get_subject(code=code)
    except ServiceError as exc:
        form.add_error("employer_code", str(exc.message))
        return False, None
    if employer.kind != Subject.Kind.ENTERPRISE:
        form.add_error("employer_code", _("The employer must be an enterprise."))
        return False, None
    return True, employer


@staff_required
def subject_create(request: HttpRequest) -> HttpResponse:
    deny_unless(permissions.can_edit_subjects(request.user))
    form = SubjectCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            ok, employer = _resolve_employer(form)
            data = {k: v for k, v in form.cleaned_data.items() if k != "employer_code"}
            if ok:
                try:
                    subject = services.subject_create(actor=request.user, employer=employer,
                                                      **data)
                except ServiceError as exc:
                    status = apply_service_error(form, exc)
                else:
                    messages.success(request, _("The subject has been registered."))
                    if subject.code_warning:
                        messages.warning(request, subject.code_warning)
                    return redirect("subjects:detail", pk=subject.pk)
    return render(request, "subjects/form.html", {"form": form, "creating": True}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def check_code(request: HttpRequest) -> JsonResponse:
    """Validate a code as the registration form will, for the inline check before submitting.

    Answers {ok, code, message, warnings} with the service's exact wording. The page's script
    asks by POST so that an ID number typed in never lands in a URL or an access log; GET is
    kept for ad-hoc use with enterprise codes.
    """
    deny_unless(permissions.can_edit_subjects(request.user))
    data = request.POST if request.method == "POST" else request.GET
    raw, kind = data.get("code", ""), data.get("kind", "")
    if kind not in Subject.Kind.values:
        return JsonResponse({"ok": False, "code": normalise(raw), "warnings": [],
                             "message": _("Choose whether the subject is an enterprise or an "
                                          "individual.")})
    try:
        checked = validate_subject_code(raw, kind=kind)
    except ServiceError as exc:
        return JsonResponse({"ok": False, "code": normalise(raw), "message": str(exc.message),
                             "warnings": []})
    if Subject.objects.filter(code=checked.code).exists():
        return JsonResponse({
            "ok": False, "code": checked.code, "warnings": [],
            "message": _("A subject with code %(code)s is already registered.")
            % {"code": checked.code},
        })
    return JsonResponse({"ok": True, "code": checked.code, "message": "",
                         "warnings": [str(w) for w in checked.warnings]})


def _detail(request: HttpRequest, subject: Subject, *, status: int = 200,
            revealed: dict[str, str] | None = None, **extra: Any) -> HttpResponse:
    user = request.user
    context = {
        "subject": subject,
        "former_names": former_names(subject=subject),
        "practitioners": subject.practitioners.order_by("name")[:50],
        "can_edit": permissions.can_edit_subjects(user),
        "can_add_record": permissions.can_submit_records(user),
        # personal fields as this viewer sees them: masked unless just revealed (and audited)
        "shown": revealed or masking.mask_subject(subject),
        "revealed": bool(revealed),
        "can_unmask": bool(masking.masked_fields(subject))
        and permissions.can_unmask_personal_data(user),
        "can_confirm": subject.needs_code_confirmation and permissions.can_review_records(user),
        "subject_panels": panels.templates(),
        **panels.context(subject=subject, user=user),
        **extra,
    }
    return render(request, "subjects/detail.html", context, status=status)


@staff_required
def subject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(Subject.objects.select_related("employer", "code_confirmed_by"),
                                pk=pk)
    return _detail(request, subject)


@never_cache
@staff_required
@require_POST
def reveal_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the subject's personal data (ID number, address, phone) in full once, after
    auditing who asked and why."""
    deny_unless(permissions.can_unmask_personal_data(request.user))
    subject = get_object_or_404(Subject, pk=pk)
    purpose = request.POST.get("purpose", "").strip()[:200]
    try:
        full = services.subject_reveal_personal_data(actor=request.user, subject=subject,
                                                     purpose=purpose)
    except ServiceError as exc:
        return _detail(request, subject, status=exc.status, action_error=exc.message)
    return _detail(request, subject, revealed=full)


@staff_required
@require_POST
def confirm_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer accepts a code whose embedded organisation code failed its own check."""
    deny_unless(permissions.can_review_records(request.user))
    subject = get_object_or_404(Subject, pk=pk)
    try:
        services.subject_confirm_code(actor=request.user, subject=subject)
    except ServiceError as exc:
        return _detail(request, subject, status=exc.status, action_error=exc.message)
    messages.success(request, _("The code has been confirmed."))
    return redirect("subjects:detail", pk=subject.pk)


@staff_required
def subject_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit details; a new name is kept in the name history by the service."""
    deny_unless(permissions.can_edit_subjects(request.user))
    subject = get_object_or_404(Subject.objects.select_related("employer"), pk=pk)
    form = SubjectEditForm(request.POST or None, subject=subject,
                           unmask=permissions.can_unmask_personal_data(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            ok, employer = _resolve_employer(form) if "employer_code" in form.fields else (
                True, None)
            changes = {k: form.cleaned_data[k] for k in form.changed_data
                       if k in services.EDITABLE_FIELDS}
            if "employer_code" in form.changed_data:
                changes["employer"] = employer
            if ok and not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("subjects:detail", pk=subject.pk)
            if ok:
                try:
                    services.subject_update(actor=request.user, subject=subject, **changes)
                except ServiceError as exc:
                    status = apply_service_error(form, exc)
                else:
                    messages.success(request, _("The subject has been updated."))
                    return redirect("subjects:detail", pk=subject.pk)
    return render(request, "subjects/form.html",
                  {"form": form, "subject": subject, "creating": False}, status=status)

