"""/my/ (an enterprise's own door) and the lead department's queues under /appeals/.

Thin: each page reads through `appeals.selectors`, writes through `appeals.services`, and
refuses a service error under the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from accounts.decorators import staff_required
from appeals import forms, oidc, permissions, selectors, services
from appeals.models import Appeal, AppealEvidence, AppealTarget, CreditCommitment, EnterpriseAccount
from common import clock
from common.errors import ServiceError
from common.pages import apply_service_error, deny_unless
from common.pdf import render_pdf
from common.throttle import throttled
from lists.models import BlackListEntry, RedListEntry
from records.models import CreditRecord

View = Callable[..., HttpResponse]


def enterprise_required(view: View) -> View:
    """Signed in as an enterprise user; the view gets the one subject it acts for. An account
    not yet verified sees a waiting page, a staff member is refused."""

    @login_required(login_url=reverse_lazy("appeals:login"))
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.is_enterprise(request.user):
            raise PermissionDenied(_("This page is for enterprise accounts."))
        subject = permissions.enterprise_subject(request.user)
        if subject is None:
            account = EnterpriseAccount.objects.filter(user=request.user).first()
            return render(request, "appeals/my_waiting.html", {"account": account}, status=403)
        return view(request, subject, *args, **kwargs)

    return wrapped


@method_decorator(throttled("appeals.login", methods={"POST"}), name="dispatch")
class MyLoginView(LoginView):
    """The enterprises' sign-in: each submission counts against the address's limit
    (`PORTAL_RATE_LIMIT`), on top of django-axes' lock-out of a user name after failures."""

    template_name = "appeals/my_login.html"
    next_page = reverse_lazy("appeals:my")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc.enabled()
        return context


@throttled("appeals.register", methods={"POST"})
def register(request: HttpRequest) -> HttpResponse:
    """Registration answers the same page whether or not the code is known (see
    `services.account_register`); each submission counts against the address's limit."""
    form = forms.RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.account_register(**form.cleaned_data)
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            # nothing of the account in the answer: it must not differ with the code
            return render(request, "appeals/my_registered.html", {})
    return render(request, "appeals/my_register.html", {"form": form}, status=status)


@enterprise_required
def my_home(request: HttpRequest, subject: Any) -> HttpResponse:
    explanation = selectors.grade(subject=subject)
    grade_deadline = services.filing_deadline(target=AppealTarget.GRADE, subject=subject)
    return render(request, "appeals/my_home.html", {
        "subject": subject, "records": selectors.archive(subject=subject),
        "explanation": explanation, "grade_deadline": grade_deadline,
        "entries": selectors.list_entries(subject=subject),
        "sanctions": selectors.sanctions(subject=subject),
        "notices": selectors.notices(subject=subject),
        "commitments": selectors.commitments(subject=subject),
        "credit_commitments": selectors.credit_commitments(subject=subject),
        "appeals": selectors.appeals(subject=subject),
        "repairs": selectors.repairs(subject=subject), "today": clock.today(),
    })


@enterprise_required
def my_notice(request: HttpRequest, subject: Any, pk: int) -> FileResponse:
    notice = selectors.notice(subject=subject, pk=pk)
    if notice is None:
        raise Http404
    return FileResponse(notice.file.open("rb"), content_type="application/pdf",
                        filename=f"notice-{notice.issued_on}-{notice.pk}.pdf")


def _target(subject: Any, target: str, pk: int) -> dict[str, Any]:
    """The object of a filing, the subject's own or 404 (never another's existence)."""
    if target == AppealTarget.RECORD:  # a record of its archive: never a draft or a refused entry
        return {"record": get_object_or_404(
            CreditRecord.objects.exclude(state__in=selectors.NOT_IN_ARCHIVE), pk=pk,
            subject=subject)}
    if target == AppealTarget.BLACK:
        return {"black_entry": get_object_or_404(BlackListEntry, pk=pk, subject=subject)}
    if target == AppealTarget.RED:
        return {"red_entry": get_object_or_404(RedListEntry, pk=pk, subject=subject)}
    if target == AppealTarget.GRADE:
        return {}
    raise Http404


@enterprise_required
def my_objection_new(request: HttpRequest, subject: Any, target: str, pk: int) -> HttpResponse:
    objects = _target(subject, target, pk)
    form = forms.ObjectionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_file(
                actor=request.user, target=target, ground=form.cleaned_data["ground"],
                reasons=form.cleaned_data["reasons"], evidence=form.cleaned_data["evidence"],
                **objects)
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            return redirect("appeals:my_objection", pk=appeal.pk)
    target_obj = next(iter(objects.values()), None)
    deadline = services.filing_deadline(
        target=target, subject=subject, record=objects.get("record"),
        entry=objects.get("black_entry") or objects.get("red_entry"))
    return render(request, "appeals/my_objection_form.html", {
        "form": form, "target": AppealTarget(target), "target_obj": target_obj,
        "deadline": deadline, "subject": subject}, status=status)


@enterprise_required
def my_objection(request: HttpRequest, subject: Any, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=pk, subject=subject)
    return render(request, "appeals/my_objection.html", {"appeal": appeal, "subject": subject})


def _answer_pdf(appeal: Appeal) -> HttpResponse:
    pdf = render_pdf("appeals/pdf/answer_notice.html", {"appeal": appeal,
                                                         "subject": appeal.subject})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="objection-answer-{appeal.pk}.pdf"'
    return response


@enterprise_required
def my_objection_notice(request: HttpRequest, subject: Any, pk: int) -> HttpResponse:
    """The answer notice (异议答复告知书), served back to the subject once answered."""
    appeal = get_object_or_404(Appeal, pk=pk, subject=subject)
    if appeal.state == Appeal.State.PENDING:
        raise Http404
    return _answer_pdf(appeal)


@enterprise_required
def my_repair_new(request: HttpRequest, subject: Any, target: str, pk: int) -> HttpResponse:
    if target not in (AppealTarget.RECORD, AppealTarget.BLACK):
        raise Http404
    objects = _target(subject, target, pk)
    form = forms.RepairForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.repair_apply(actor=request.user, **form.cleaned_data, **objects)
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            return redirect(reverse_lazy("appeals:my") + "#repairs")
    return render(request, "appeals/my_repair_form.html", {
        "form": form, "target_obj": next(iter(objects.values())), "subject": subject},
        status=status)


@enterprise_required
def my_commitment(request: HttpRequest, subject: Any) -> HttpResponse:
    form = forms.CommitmentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_sign(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            return redirect(reverse_lazy("appeals:my") + "#commitments")
    return render(request, "appeals/my_commitment.html", {
        "form": form, "text": services.commitment_text(subject=subject), "subject": subject},
        status=status)


@enterprise_required
def my_commitment_pdf(request: HttpRequest, subject: Any, pk: int = 0) -> HttpResponse:
    """Print a signed commitment, or (pk 0) the blank one to sign on paper."""
    commitment = None
    if pk:
        commitment = get_object_or_404(CreditCommitment, pk=pk, subject=subject)
    pdf = render_pdf("appeals/pdf/commitment.html", {
        "subject": subject, "commitment": commitment,
        "text": commitment.text if commitment else services.commitment_text(subject=subject)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-commitment-{pk}.pdf"'
    return response


@enterprise_required
def my_evidence(request: HttpRequest, subject: Any, pk: int) -> FileResponse:
    evidence = get_object_or_404(AppealEvidence, pk=pk, appeal__subject=subject)
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                        filename=evidence.original_name)


# --- staff queues -----------------------------------------------------------------------------
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    deny_unless(permissions.can_view_queue(request.user))
    return render(request, "appeals/queue.html", {
        "objections": selectors.objection_queue(),
        "accounts": selectors.pending_accounts(),
        "repairs": selectors.pending_repairs(),
        "can_answer": permissions.can_answer(request.user),
        "can_verify": permissions.can_verify_accounts(request.user),
    })


@staff_required
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(permissions.can_view_queue(request.user))
    appeal = get_object_or_404(Appeal.objects.select_related("subject", "record"), pk=pk)
    form = forms.AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        deny_unless(permissions.can_answer(request.user))
        if form.is_valid():
            try:
                services.appeal_answer(
                    actor=request.user, appeal=appeal, accept=form.cleaned_data["accept"] == "yes",
                    answer=form.cleaned_data["answer"],
                    corrected_description=form.cleaned_data["corrected_description"])
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                # back to the objection itself: the answer as recorded and its notice to print
                # (the queue no longer lists it, so the reviewer lost sight of what was sent)
                messages.success(request, _("The objection is answered; print the answer notice "
                                            "for the subject."))
                return redirect("appeals:answer", pk=appeal.pk)
    return render(request, "appeals/answer.html", {
        "appeal": appeal, "form": form, "today": clock.today(),
        "days_left": (appeal.answer_due_on - clock.today()).days,
        "can_answer": permissions.can_answer(request.user)}, status=status)


@staff_required
def staff_evidence(request: HttpRequest, pk: int) -> FileResponse:
    deny_unless(permissions.can_view_queue(request.user))
    evidence = get_object_or_404(AppealEvidence, pk=pk)
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                        filename=evidence.original_name)


@staff_required
def staff_answer_notice(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(permissions.can_view_queue(request.user))
    appeal = get_object_or_404(Appeal, pk=pk)
    if appeal.state == Appeal.State.PENDING:
        raise Http404
    return _answer_pdf(appeal)


@staff_required
def account_decide(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(permissions.can_verify_accounts(request.user))
    account = get_object_or_404(EnterpriseAccount.objects.select_related("subject", "user"),
                                pk=pk)
    form = forms.AccountDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.account_decide(actor=request.user, account=account,
                                    verify=form.cleaned_data["verify"] == "yes",
                                    reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            return redirect("appeals:queue")
    return render(request, "appeals/account.html", {"account": account, "form": form},
                  status=status)
