"""Workbench pages for lists: pending steps, list pages, case pages with their next actions.

Thin: each action parses one form and calls one service; a `ServiceError` is shown on the page
with the status it carries. Which actions are offered is only a convenience: the services check
state, role and four eyes again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions as account_permissions
from accounts.decorators import staff_required
from accounts.models import User
from common import clock
from common.errors import ServiceError
from common.exports import Column, export_response, requested_format
from common.pages import deny_unless
from lists import forms, selectors, services, workflows
from lists import permissions as p
from lists.models import (
    BLACK_OPEN_STATES,
    RED_OPEN_STATES,
    BlackListEntry,
    BlackState,
    CaseState,
    IndustrySanction,
    KeyRule,
    KeyState,
    KeySupervisionEntry,
    NoticeDocument,
    Objection,
    RedListEntry,
    RedState,
    RepairRequest,
    SanctionState,
    TypicalCase,
)
from records.models import CreditRecord
from records.selectors import visible_records
from records.services import repair_refusal
from subjects.models import Subject


@dataclass(frozen=True)
class Action:
    label: Any
    form: type[django_forms.Form]
    run: Callable[[Any, User, dict[str, Any]], Any]
    #: the FSM transition the action fires, or (with `who`) the step it records something in
    step: str
    danger: bool = False
    #: for an action that fires no transition: who may take it (replaces the step's predicate)
    who: Callable[[Any, User | None], bool] | None = None
    #: a condition beyond state and role, e.g. "an objection is pending"
    when: Callable[[Any], bool] | None = None


def _pending(entry: Any, model: type[Model]) -> Any:
    found = model.objects.filter(**{("entry" if model is RepairRequest else
                                     f"{entry.kind}_entry"): entry},
                                 state="pending").first()
    if found is None:
        raise ServiceError("nothing_pending", _("Nothing is pending."))
    return found


def _objection_pending(entry: Any) -> bool:
    return entry.objections.filter(state=Objection.State.PENDING).exists()


def _no_objection_pending(entry: Any) -> bool:
    """One objection is handled at a time (`services.objection_file`)."""
    return not _objection_pending(entry)


def _repair_pending(entry: Any) -> bool:
    return entry.repair_requests.filter(state=RepairRequest.State.PENDING).exists()


def _no_repair_pending(entry: Any) -> bool:
    return not _repair_pending(entry)


ACTIONS: dict[str, dict[str, Action]] = {
    "black": {
        "notify": Action(gettext_lazy("Serve the notice of intended listing"), forms.EmptyForm,
                         lambda e, u, d: services.black_notify(actor=u, entry=e),
                         step="notify"),
        "statement": Action(gettext_lazy("Record the statement and defence"),
                            forms.StatementForm,
                            lambda e, u, d: services.black_record_statement(
                                actor=u, entry=e, statement=d["statement"], final=d["final"]),
                            step="begin_review", who=p.can_handle),
        "begin_review": Action(gettext_lazy("Start the review"), forms.EmptyForm,
                               lambda e, u, d: services.black_begin_review(actor=u, entry=e),
                               step="begin_review"),
        "decide": Action(gettext_lazy("Decide to list"), forms.BlackDecideForm,
                         lambda e, u, d: services.black_decide(actor=u, entry=e, **d),
                         step="decide"),
        "dismiss": Action(gettext_lazy("Decide not to list"), forms.ReasonsForm,
                          lambda e, u, d: services.black_dismiss(actor=u, entry=e, **d),
                          step="dismiss"),
        "withdraw": Action(gettext_lazy("Withdraw the proposal"), forms.ReasonForm,
                           lambda e, u, d: services.black_withdraw(actor=u, entry=e, **d),
                           danger=True,
                           step="withdraw"),
        "publish": Action(pgettext_lazy("publicity", "Publish"), forms.EmptyForm,
                          lambda e, u, d: services.black_publish(actor=u, entry=e),
                          step="publish"),
        "objection": Action(gettext_lazy("Register an objection"), forms.ObjectionForm,
                            lambda e, u, d: services.objection_file(actor=u, entry=e, **d),
                            step="suspend", when=_no_objection_pending),
        "objection_answer": Action(
            gettext_lazy("Answer the objection"), forms.ObjectionAnswerForm,
            lambda e, u, d: services.objection_decide(
                actor=u, objection=_pending(e, Objection), upheld=d["upheld"] == "yes",
                reply=d["reply"]),
            step="void", when=_objection_pending),
        "repair": Action(gettext_lazy("Register a credit-repair request"),
                         forms.RepairRequestForm,
                         lambda e, u, d: services.repair_request(actor=u, entry=e, **d),
                         step="repair", who=p.can_handle, when=_no_repair_pending),
        "repair_decide": Action(
            gettext_lazy("Decide the credit-repair request"), forms.RepairDecideForm,
            lambda e, u, d: services.repair_decide(
                actor=u, request=_pending(e, RepairRequest), approve=d["approve"] == "yes",
                reasons=d["reasons"]),
            step="repair", when=_repair_pending),
    },
    "red": {
        "review": Action(gettext_lazy("Review the nomination"), forms.RedReviewForm,
                         lambda e, u, d: services.red_review(
                             actor=u, entry=e, admit=d["admit"] == "yes",
                             comment=d["comment"]),
                         step="admit"),
        "objection": Action(gettext_lazy("Register an objection"), forms.ObjectionForm,
                            lambda e, u, d: services.objection_file(actor=u, entry=e, **d),
                            step="suspend", when=_no_objection_pending),
        "objection_answer": Action(
            gettext_lazy("Answer the objection"), forms.ObjectionAnswerForm,
            lambda e, u, d: services.objection_decide(
                actor=u, objection=_pending(e, Objection), upheld=d["upheld"] == "yes",
                reply=d["reply"]),
            step="void", when=_objection_pending),
        "decide": Action(gettext_lazy("Decide on the commendation"), forms.RedDecideForm,
                         lambda e, u, d: services.red_decide(
                             actor=u, entry=e, commend=d["commend"] == "yes",
                             commendation=d["commendation"],
                             commendation_text=d["commendation_text"],
                             decision_number=d["decision_number"], reasons=d["reasons"]),
                         step="decide"),
        "publish": Action(pgettext_lazy("publicity", "Publish"), forms.EmptyForm,
                          lambda e, u, d: services.red_publish(actor=u, entry=e),
                          step="publish"),
        "release": Action(gettext_lazy("Lift the suspension"), forms.ReasonForm,
                          lambda e, u, d: services.red_release(actor=u, entry=e, **d),
                          step="release"),
        "remove": Action(gettext_lazy("Remove from the red list"), forms.ReasonForm,
                         lambda e, u, d: services.red_remove(actor=u, entry=e, **d),
                         danger=True,
                         step="remove"),
    },
    "sanction": {
        "notify": Action(gettext_lazy("Serve the notice of intended sanction"), forms.EmptyForm,
                         lambda e, u, d: services.sanction_notify(actor=u, sanction=e),
                         step="notify"),
        "statement": Action(gettext_lazy("Record the statement and defence"),
                            forms.StatementForm,
                            lambda e, u, d: services.sanction_record_statement(
                                actor=u, sanction=e, statement=d["statement"],
                                final=d["final"]),
                            step="decide", who=p.can_handle),
        "decide": Action(gettext_lazy("Decide the sanction"), forms.CommentForm,
                         lambda e, u, d: services.sanction_decide(actor=u, sanction=e, **d),
                         step="decide"),
        "reject": Action(pgettext_lazy("sanction proposal", "Reject"), forms.CommentForm,
                         lambda e, u, d: services.sanction_reject(actor=u, sanction=e, **d),
                         danger=True,
                         step="reject"),
        "revoke": Action(gettext_lazy("Revoke"), forms.ReasonForm,
                         lambda e, u, d: services.sanction_revoke(actor=u, sanction=e, **d),
                         danger=True,
                         step="revoke"),
    },
    "case": {
        name: Action(label, forms.CommentForm,
                     lambda e, u, d, name=name: services.case_transition(
                         actor=u, case=e, action=name, comment=d["comment"]),
                     step=name, danger=name == "withdraw")
        for name, label in (
            ("submit", gettext_lazy("Submit for review")),
            ("return_to_author", gettext_lazy("Return to the author")),
            ("publish", gettext_lazy("Publish")),
            ("withdraw", gettext_lazy("Withdraw")),
        )
    },
}

MODELS: dict[str, type[Model]] = {"black": BlackListEntry, "red": RedListEntry,
                                  "sanction": IndustrySanction, "case": TypicalCase}


def available_actions(kind: str, entry: Any, user: User) -> list[str]:
    """The actions to offer `user` on `entry` now: those whose step the state machine allows
    (`lists.workflows.offers`) and whose pending-request condition holds. Only a convenience:
    the services decide for real."""
    return [name for name, spec in ACTIONS[kind].items()
            if workflows.offers(entry, user, spec.step, spec.who)
            and (spec.when is None or spec.when(entry))]


def _detail_url(kind: str, pk: int) -> str:
    return reverse(f"lists:{kind}_detail", args=[pk])


def _detail(request: HttpRequest, kind: str, entry: Any, *, failed: str = "",
            failed_form: django_forms.Form | None = None, status: int = 200) -> HttpResponse:
    actions = []
    for name in available_actions(kind, entry, request.user):
        spec = ACTIONS[kind][name]
        form = failed_form if name == failed and failed_form is not None else spec.form(
            prefix=name, initial=_initial(kind, name, entry))
        actions.append({"name": name, "label": spec.label, "form": form, "danger": spec.danger,
                        "open": name == failed})
    context: dict[str, Any] = {"kind": kind, "entry": entry, "actions": actions}
    if kind in ("black", "red"):
        context["step"] = selectors.next_step(entry)
        context["objections"] = entry.objections.all()
        context["notices"] = entry.notices.all()
    if kind == "black":
        context["repairs"] = entry.repair_requests.all()
    if kind == "sanction":
        context["notices"] = entry.notices.all()
    return render(request, f"lists/{kind}_detail.html", context, status=status)


def _initial(kind: str, name: str, entry: Any) -> dict[str, Any]:
    if kind == "black" and name == "decide":
        return {"legal_basis": entry.ground.legal_basis,
                "measures": str(selectors.DEFAULT_BLACK_MEASURES)}
    return {}


def _entry(kind: str, pk: int) -> Any:
    if kind not in MODELS:
        raise Http404
    return get_object_or_404(MODELS[kind], pk=pk)


@staff_required
def detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    return _detail(request, kind, _entry(kind, pk))


@staff_required
@require_POST
def action(request: HttpRequest, kind: str, pk: int, name: str) -> HttpResponse:
    entry = _entry(kind, pk)
    spec = ACTIONS[kind].get(name)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, prefix=name)
    if not form.is_valid():
        return _detail(request, kind, entry, failed=name, failed_form=form, status=422)
    try:
        spec.run(entry, request.user, form.cleaned_data)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return _detail(request, kind, _entry(kind, pk), failed=name, failed_form=form,
                       status=exc.status)
    messages.success(request, _("Done: %(a)s.") % {"a": spec.label})
    return redirect(_detail_url(kind, pk))


# --- pages ------------------------------------------------------------------------------------
#: entries (steps) on one page of a list (the pager under the table reaches the rest)
LIST_PAGE_SIZE = 50


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    # soonest deadline first, a page at a time: thousands of open steps drawn at once took
    # seconds (issue 14); only the page's entries are read, the overdue count covers every step
    steps, page, overdue = selectors.pending_steps_page(
        user=request.user, page=request.GET.get("page"), per_page=LIST_PAGE_SIZE)
    return render(request, "lists/workbench.html", {
        "steps": steps, "page": page, "overdue": overdue,
        "counts": {"black": selectors.black_in_force().count(),
                   "red": selectors.red_in_force().count(),
                   "key": selectors.key_in_force().count()},
    })


TABS = {
    "black": {"in_force": [BlackState.IN_FORCE], "open": BLACK_OPEN_STATES,
              "ended": [BlackState.EXPIRED, BlackState.REPAIRED, BlackState.VOID,
                        BlackState.DISMISSED, BlackState.WITHDRAWN]},
    "red": {"in_force": [RedState.IN_FORCE], "open": RED_OPEN_STATES,
            "ended": [RedState.EXPIRED, RedState.REMOVED, RedState.REJECTED, RedState.VOID]},
}


def _tabbed(request: HttpRequest, kind: str, qs: QuerySet[Any]) -> tuple[str, QuerySet[Any]]:
    tab = request.GET.get("tab", "in_force")
    if tab not in TABS[kind]:
        tab = "in_force"
    return tab, qs.filter(state__in=TABS[kind][tab])


def _period(start: Any, end: Any) -> str:
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if start else ""


BLACK_COLUMNS = (
    Column("#", lambda e: e.pk, 8),
    Column(gettext_lazy("Subject"), lambda e: e.subject.name, 32),
    Column(gettext_lazy("Code"), lambda e: e.subject.display_code, 22),
    Column(gettext_lazy("Ground"), lambda e: e.ground.name, 28),
    Column(gettext_lazy("Department"), lambda e: e.department.name, 20),
    Column(gettext_lazy("Decided on"), lambda e: e.decided_on, 12),
    Column(gettext_lazy("Valid"), lambda e: _period(e.effective_from, e.effective_until), 24),
    Column(gettext_lazy("State"), lambda e: e.state, 12, choices=BlackState.choices),
)
RED_COLUMNS = (
    Column("#", lambda e: e.pk, 8),
    Column(gettext_lazy("Subject"), lambda e: e.subject.name, 32),
    Column(gettext_lazy("Code"), lambda e: e.subject.display_code, 22),
    Column(gettext_lazy("Nominated"), lambda e: " · ".join(
        str(v) for v in (e.get_source_display(), e.criterion.name if e.criterion else "") if v),
        28),
    Column(gettext_lazy("Commendation"), lambda e: e.commendation, 14,
           choices=RedListEntry._meta.get_field("commendation").choices),
    Column(gettext_lazy("Valid"), lambda e: _period(e.effective_from, e.effective_until), 24),
    Column(gettext_lazy("State"), lambda e: e.state, 12, choices=RedState.choices),
)
KEY_COLUMNS = (
    Column(gettext_lazy("Subject"), lambda e: e.subject.name, 32),
    Column(gettext_lazy("Code"), lambda e: e.subject.display_code, 22),
    Column(gettext_lazy("Rule"), lambda e: e.rule, 20, choices=KeyRule.choices),
    Column(gettext_lazy("Why"), lambda e: e.reason, 40),
    Column(gettext_lazy("Entered on"), lambda e: e.entered_on, 12),
    Column(gettext_lazy("Ended on"), lambda e: e.ended_on, 12),
    Column(gettext_lazy("Reason for ending"), lambda e: e.end_reason, 30),
)
SANCTION_COLUMNS = (
    Column("#", lambda e: e.pk, 8),
    Column(gettext_lazy("Subject"), lambda e: e.subject.name, 32),
    Column(gettext_lazy("Code"), lambda e: e.subject.display_code, 22),
    Column(gettext_lazy("Sanction"), lambda e: e.kind, 16, choices=IndustrySanction.Kind.choices),
    Column(gettext_lazy("Scope"), lambda e: e.scope, 14, choices=IndustrySanction.Scope.choices),
    Column(gettext_lazy("Decided on"), lambda e: e.decided_on, 12),
    Column(gettext_lazy("State"), lambda e: e.state, 12, choices=SanctionState.choices),
)
CASE_COLUMNS = (
    Column("#", lambda e: e.pk, 8),
    Column(gettext_lazy("Title"), lambda e: e.title, 40),
    Column(pgettext_lazy("typical case", "Kind"), lambda e: e.kind, 14,
           choices=TypicalCase.Kind.choices),
    Column(gettext_lazy("Subjects"), lambda e: [s.name for s in e.subjects.all()], 40),
    Column(gettext_lazy("Published on"), lambda e: e.published_on, 12),
    Column(gettext_lazy("State"), lambda e: e.state, 12, choices=CaseState.choices),
)


def _list_page(request: HttpRequest, template: str, entries: QuerySet[Any], *,
               columns: tuple[Column, ...], title: str, name: str,
               **context: Any) -> HttpResponse:
    """A list page, LIST_PAGE_SIZE entries a page, or its export (every entry under the same
    filter). Paged, not cut at a fixed number: drawing hundreds of rows is what made a long list
    slow (issue 14), and a cut hid the rest."""
    fmt = requested_format(request)
    if fmt:
        return export_response(request, fmt=fmt, rows=entries, columns=columns, title=title,
                               name=name)
    page = Paginator(entries, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    # the "propose" button only for those `_new` lets in: read-only roles were offered a 403
    may_propose = p.can_propose(request.user, request.user.department)
    return render(request, template, {"entries": page.object_list, "page": page,
                                      "can_propose": may_propose, **context})


@staff_required
def black_list(request: HttpRequest) -> HttpResponse:
    tab, entries = _tabbed(request, "black", BlackListEntry.objects.select_related(
        "subject", "ground", "department"))
    return _list_page(request, "lists/black_list.html", entries, columns=BLACK_COLUMNS,
                      title=_("Black list"), name=f"black-list-{tab}", tab=tab)


@staff_required
def red_list(request: HttpRequest) -> HttpResponse:
    tab, entries = _tabbed(request, "red", RedListEntry.objects.select_related(
        "subject", "department", "criterion"))
    return _list_page(request, "lists/red_list.html", entries, columns=RED_COLUMNS,
                      title=_("Red list"), name=f"red-list-{tab}", tab=tab)


@staff_required
def key_list(request: HttpRequest) -> HttpResponse:
    ended = request.GET.get("tab") == "ended"
    entries = KeySupervisionEntry.objects.filter(
        state=KeyState.ENDED if ended else KeyState.IN_FORCE).select_related("subject")
    tab = "ended" if ended else "in_force"
    return _list_page(request, "lists/key_list.html", entries, columns=KEY_COLUMNS,
                      title=_("Key supervision"), name=f"key-supervision-{tab}", tab=tab,
                      measures=selectors.key_measures())


@staff_required
def sanction_list(request: HttpRequest) -> HttpResponse:
    entries = IndustrySanction.objects.select_related("subject", "department")
    return _list_page(request, "lists/sanction_list.html", entries, columns=SANCTION_COLUMNS,
                      title=_("Industry sanctions"), name="industry-sanctions")


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    entries = TypicalCase.objects.prefetch_related("subjects")
    return _list_page(request, "lists/case_list.html", entries, columns=CASE_COLUMNS,
                      title=_("Typical cases"), name="typical-cases")


def _subject_from_query(request: HttpRequest) -> tuple[Subject | None, forms.SubjectPickForm]:
    pick = forms.SubjectPickForm(request.GET or None)
    if "subject" in request.GET:
        # a hand-edited link (subject=abc) is "no such subject", not a server error
        subject_pk = request.GET["subject"]
        if not subject_pk.isdigit():
            raise Http404
        return get_object_or_404(Subject, pk=int(subject_pk)), pick
    if pick.is_bound and pick.is_valid():
        return pick.cleaned_data["code"], pick
    return None, pick


def _new(request: HttpRequest, *, kind: str, form_class: type[django_forms.Form],
         create: Callable[[Subject, dict[str, Any]], Any], title: Any,
         form_kwargs: Callable[[Subject], dict[str, Any]] | None = None) -> HttpResponse:
    deny_unless(p.can_propose(request.user, request.user.department))
    subject, pick = _subject_from_query(request)
    if subject is None:
        return render(request, "lists/new.html", {"pick": pick, "title": title, "kind": kind})
    extra = form_kwargs(subject) if form_kwargs else {}
    form = form_class(request.POST or None, **extra)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            entry = create(subject, form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            messages.success(request, _("Saved."))
            return redirect(_detail_url(kind, entry.pk))
    elif request.method == "POST":
        status = 422
    return render(request, "lists/new.html", {"subject": subject, "form": form, "title": title,
                                              "kind": kind}, status=status)


@staff_required
def black_new(request: HttpRequest) -> HttpResponse:
    return _new(
        request, kind="black", form_class=forms.BlackProposeForm,
        title=gettext_lazy("Propose a black-list entry"),
        form_kwargs=lambda s: {"subject": s},
        create=lambda s, d: services.black_propose(
            actor=request.user, subject=s, ground=d["ground"], records=list(d["records"]),
            facts=d["facts"]))


@staff_required
def red_new(request: HttpRequest) -> HttpResponse:
    return _new(request, kind="red", form_class=forms.RedNominateForm,
                title=gettext_lazy("Nominate for the red list"),
                create=lambda s, d: services.red_nominate(actor=request.user, subject=s,
                                                          reasons=d["reasons"]))


@staff_required
def sanction_new(request: HttpRequest) -> HttpResponse:
    return _new(request, kind="sanction", form_class=forms.SanctionForm,
                title=gettext_lazy("Propose an industry sanction"),
                create=lambda s, d: services.sanction_propose(actor=request.user, subject=s,
                                                              **d))


@staff_required
def case_new(request: HttpRequest) -> HttpResponse:
    deny_unless(p.can_propose(request.user, request.user.department))
    form = forms.CaseForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_create(actor=request.user, title=d["title"], kind=d["kind"],
                                        body=d["body"], subjects=d["subject_codes"],
                                        records=d["records"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            return redirect(_detail_url("case", case.pk))
    elif request.method == "POST":
        status = 422
    return render(request, "lists/new.html", {"form": form, "kind": "case", "subject": True,
                                              "title": gettext_lazy("Write a typical case")},
                  status=status)


@staff_required
def notice_pdf(request: HttpRequest, pk: int) -> FileResponse:
    notice = get_object_or_404(NoticeDocument, pk=pk)
    return FileResponse(notice.file.open("rb"), content_type="application/pdf",
                        filename=f"{notice.get_kind_display()}-{notice.issued_on}.pdf")


# --- credit repair of one record ----------------------------------------------------------------
RECORD_REPAIR_STEPS: dict[str, tuple[type[django_forms.Form], Callable[..., Any]]] = {
    "request": (forms.RepairRequestForm,
                lambda record, u, d, pending, granted: services.repair_request(
                    actor=u, record=record, **d)),
    "decide": (forms.RecordRepairDecideForm,
               lambda record, u, d, pending, granted: services.repair_decide(
                   actor=u, request=pending, approve=d["approve"] == "yes",
                   reasons=d["reasons"])),
    "breach": (forms.BreachForm,
               lambda record, u, d, pending, granted: services.repair_commitment_breach(
                   actor=u, request=granted, **d)),
}


def _may_take_repair_step(user: User, record: CreditRecord, step: str) -> bool:
    """Who registers (`services.repair._can_register_repair`), decides (a reviewer, as for the
    record itself) and records a breach (a new record in the user's own department)."""
    if step == "request":
        return (account_permissions.can_submit_records(user, record.source_department)
                or account_permissions.can_review_records(user))
    if step == "decide":
        return account_permissions.can_review_records(user)
    return account_permissions.can_submit_records(user)


@staff_required
def record_repair(request: HttpRequest, pk: int) -> HttpResponse:
    """Credit repair (信用修复) of one bad record: the application with its commitment, the
    decision, and a breach of the commitment; every refusal comes from the services with the
    rule it applies and, for dates, the day repair becomes possible."""
    # the record as its own page shows it: another department's clerk gets 404 there and here
    record = get_object_or_404(visible_records(user=request.user).select_related("record_type",
                                                                                "subject"), pk=pk)
    requests = list(record.repair_requests.order_by("-filed_on", "-id"))
    pending = next((r for r in requests if r.state == RepairRequest.State.PENDING), None)
    granted = next((r for r in requests if r.state == RepairRequest.State.APPROVED
                    and r.breached_on is None), None)
    step = "decide" if pending else "breach" if granted else "request"
    # only the step this user may take (the services ask the same): read-only roles were
    # offered the request form and clerks the decision, each refused only after filling it in
    offered = [step] if _may_take_repair_step(request.user, record, step) else []
    failed, failed_form, status = "", None, 200
    if request.method == "POST":
        name = request.POST.get("step", "")
        if name not in offered:
            raise Http404
        form_class, run = RECORD_REPAIR_STEPS[name]
        form = form_class(request.POST, prefix=name)
        if form.is_valid():
            try:
                run(record, request.user, form.cleaned_data, pending, granted)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None,
                               str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("Done."))
                return redirect("lists:record_repair", pk=record.pk)
        else:
            status = 422
        failed, failed_form = name, form
    steps = [{"name": n, "form": failed_form if n == failed else
              RECORD_REPAIR_STEPS[n][0](prefix=n)} for n in offered]
    refusal = repair_refusal(record=record, as_of=clock.today()) \
        if not pending and not granted else None
    return render(request, "lists/record_repair.html", {
        "record": record, "requests": requests, "steps": steps, "refusal": refusal,
    }, status=status)
