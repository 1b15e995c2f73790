"""Workbench pages of the credit check, commitments and feedback; the public verification page.

Checks are addressed by their number (never by a subject code, so ID numbers stay out of URLs).
Views stay thin: parse a form, call one service, show the stored snapshot.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from approvals import permissions, public_urls, selectors, services
from approvals.forms import (
    CheckForm,
    CommitmentForm,
    FeedbackForm,
    FulfilForm,
    LicenceCorrectionForm,
    LicenceRevokeForm,
    VerifyForm,
)
from approvals.models import (
    Commitment,
    CommitmentState,
    CreditCheck,
    LicenceDecision,
    LicenceState,
)
from approvals.pdf import certificate_pdf
from approvals.rules import commitment_deadline, commitment_limit
from audit.services import record_event
from common import clock
from common.errors import ServiceError
from common.exports import Column, export_response, requested_format
from common.pages import apply_service_error, deny_unless
from subjects.models import Subject


def _feedback_state(check: CreditCheck) -> str:
    """The feedback column as the workbench table shows it."""
    if not check.needs_feedback:
        return "—"
    if check.feedback_at:
        return str(_("Recorded"))
    return f"{pgettext('feedback', 'Due')} {check.feedback_due_on:%Y-%m-%d}"


CHECK_COLUMNS = (
    Column(gettext_lazy("Number"), lambda c: c.number, 22),
    Column(gettext_lazy("Time"), lambda c: c.checked_at, 18),
    Column(gettext_lazy("Subject"), lambda c: c.subject.name, 32),
    Column(gettext_lazy("Code"), lambda c: c.subject.display_code, 22),
    Column(gettext_lazy("Matter"), lambda c: c.matter.name, 28),
    Column(gettext_lazy("Grade"), lambda c: c.grade or "—", 8),
    Column(gettext_lazy("Accept with missing materials"),
           lambda c: str(_("Yes") if c.accept_with_missing else _("No")), 10),
    Column(gettext_lazy("Feedback"), _feedback_state, 18),
    Column(gettext_lazy("Asked by"), lambda c: str(c.asked_by or ""), 14),
    Column(gettext_lazy("Department"), lambda c: c.department.name, 20),
)


def _recent_checks(user: Any) -> QuerySet[CreditCheck]:
    """The workbench's checks: every visible one for an overseer, else the officer's own."""
    recent = selectors.visible_checks(user=user)
    if not permissions.can_oversee(user):
        recent = recent.filter(asked_by=user)
    return recent


def _workbench_context(request: HttpRequest, form: CheckForm) -> dict[str, Any]:
    user = request.user
    board = selectors.commitment_board(user=user)
    recent = _recent_checks(user)
    return {
        "form": form, "board": board, "recent": recent[:15],
        "feedback_overdue": selectors.feedback_overdue(user=user)[:20],
        "feedback_overdue_count": selectors.feedback_overdue(user=user).count(),
        "can_check": permissions.can_run_checks(user),
        "oversees": permissions.can_oversee(user),
    }


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    """Run a check; see commitments due and feedback owed; export the checks listed."""
    fmt = requested_format(request)
    if fmt:  # every check the table draws from, not only the 15 most recent
        return export_response(request, fmt=fmt, rows=_recent_checks(request.user),
                               columns=CHECK_COLUMNS, title=_("Credit checks"),
                               name="credit-checks")
    form = CheckForm(initial={"matter": request.GET.get("matter", "")})
    return render(request, "approvals/workbench.html", _workbench_context(request, form))


@staff_required
@require_POST
def run_check(request: HttpRequest) -> HttpResponse:
    """POST only, so a code typed in (possibly an ID number) never lands in a URL."""
    deny_unless(permissions.can_run_checks(request.user))
    form = CheckForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        subject = None
        if data.get("subject"):
            subject = get_object_or_404(Subject, pk=data["subject"])
        try:
            check = services.credit_check(actor=request.user, code_or_name=data["q"],
                                          subject=subject, matter_code=data["matter"])
        except selectors.SubjectChoiceRequired as choice:
            return render(request, "approvals/choose_subject.html", {
                "form": form, "candidates": choice.candidates, "q": data["q"],
                "matter": data["matter"]})
        except ServiceError as exc:
            status = apply_service_error(form, exc, {"code": "q"})
        else:
            return redirect("approvals:check", number=check.number)
    return render(request, "approvals/workbench.html", _workbench_context(request, form),
                  status=status)


def _check_or_404(request: HttpRequest, number: str) -> CreditCheck:
    try:
        return selectors.check_by_number(user=request.user, number=number)
    except ServiceError:
        raise Http404(_("No credit check with this number was found.")) from None


@staff_required
def check_detail(request: HttpRequest, number: str) -> HttpResponse:
    check = _check_or_404(request, number)
    commitment = Commitment.objects.filter(credit_check=check).first()
    may_handle = permissions.can_handle(request.user, check.department_id)
    feedback_form = None
    if may_handle and check.needs_feedback and check.feedback_at is None:
        feedback_form = FeedbackForm(check=check)
    previous, changes = selectors.changes_since_previous(check=check)
    return render(request, "approvals/check_detail.html", {
        "check": check, "r": selectors.check_payload(check=check), "commitment": commitment,
        "previous": previous, "changes": changes,
        "may_handle": may_handle, "feedback_form": feedback_form,
        "check_measures": list(check.measures.all()),
        "may_commit": (may_handle and check.accept_with_missing and commitment is None
                       and check.as_of == clock.today()),
        "verify_url": public_urls.verify_url(request, check),
        **_licence_context(check, may_handle=may_handle),
    })


def _licence_context(check: CreditCheck, *, may_handle: bool, **forms_: Any) -> dict[str, Any]:
    """The licence decision's versions on the check page, and the correction and revocation
    forms for the version in force."""
    versions = list(check.licence_decisions.select_related("recorded_by", "revoked_by")
                    .order_by("-version"))
    in_force = next((d for d in versions if d.state == LicenceState.IN_FORCE), None)
    context: dict[str, Any] = {"licence_versions": versions, "licence_in_force": in_force}
    if may_handle and in_force is not None:
        context["licence_correction_form"] = (forms_.get("correction")
                                              or LicenceCorrectionForm(decision=in_force))
        context["licence_revoke_form"] = forms_.get("revoke") or LicenceRevokeForm()
    return context


@staff_required
@require_GET
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    check = _check_or_404(request, number)
    pdf = certificate_pdf(check=check, verify_url=public_urls.verify_url(request, check))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{check.number}.pdf"'
    return response


@staff_required
@require_POST
def feedback(request: HttpRequest, number: str) -> HttpResponse:
    check = _check_or_404(request, number)
    deny_unless(permissions.can_handle(request.user, check.department_id))
    form = FeedbackForm(request.POST, check=check)
    status = 400
    if form.is_valid():
        try:
            services.feedback_record(actor=request.user, credit_check=check,
                                     decisions=form.decisions(),
                                     note=form.cleaned_data.get("note", ""),
                                     licence=form.licence())
        except ServiceError as exc:
            field = f"reason_{exc.field}" if exc.field in form.codes else exc.field
            form.add_error(field if field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            messages.success(request, _("The feedback has been recorded."))
            return redirect("approvals:check", number=check.number)
    return _check_page_refused(request, check, status, feedback_form=form)


def _licence_in_force(request: HttpRequest, number: str) -> tuple[CreditCheck, LicenceDecision]:
    check = _check_or_404(request, number)
    deny_unless(permissions.can_handle(request.user, check.department_id))
    decision = check.licence_decisions.filter(state=LicenceState.IN_FORCE).first()
    if decision is None:
        raise Http404(_("This check has no licence decision in force."))
    return check, decision


def _check_page_refused(request: HttpRequest, check: CreditCheck, status: int, *,
                        feedback_form: FeedbackForm | None = None,
                        **forms_: Any) -> HttpResponse:
    """The check page again, for a handler whose feedback, correction or revocation was
    refused: the refused form with its errors in place."""
    return render(request, "approvals/check_detail.html", {
        "check": check, "r": selectors.check_payload(check=check),
        "commitment": Commitment.objects.filter(credit_check=check).first(),
        "may_handle": True, "feedback_form": feedback_form,
        "check_measures": list(check.measures.all()),
        "may_commit": False, "verify_url": public_urls.verify_url(request, check),
        **_licence_context(check, may_handle=True, **forms_),
    }, status=status)


@staff_required
@require_POST
def licence_correct(request: HttpRequest, number: str) -> HttpResponse:
    """Correct the licence decision recorded with the feedback: a new version."""
    check, decision = _licence_in_force(request, number)
    form = LicenceCorrectionForm(request.POST, decision=decision)
    status = 400
    if form.is_valid():
        try:
            services.licence_correct(actor=request.user, decision=decision,
                                     reason=form.cleaned_data["reason"], **form.changes())
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            messages.success(request, _("The licence decision has been corrected."))
            return redirect("approvals:check", number=check.number)
    return _check_page_refused(request, check, status, correction=form)


@staff_required
@require_POST
def licence_revoke(request: HttpRequest, number: str) -> HttpResponse:
    """Revoke the licence decision in force (撤销), with the reason."""
    check, decision = _licence_in_force(request, number)
    form = LicenceRevokeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.licence_revoke(actor=request.user, decision=decision,
                                    reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            messages.success(request, _("The licence decision has been revoked."))
            return redirect("approvals:check", number=check.number)
    return _check_page_refused(request, check, status, revoke=form)


@staff_required
@require_http_methods(["GET", "POST"])
def commitment_new(request: HttpRequest, number: str) -> HttpResponse:
    """Record the missing materials, the signed commitment and its deadline (容缺受理)."""
    check = _check_or_404(request, number)
    deny_unless(permissions.can_handle(request.user, check.department_id))
    today = clock.today()
    limit = commitment_limit(matter=check.matter, accepted_on=today)
    default = min(commitment_deadline(matter=check.matter, accepted_on=today), limit)
    form = CommitmentForm(request.POST or None, request.FILES or None, check=check,
                          initial={"deadline": default})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                commitment = services.commitment_record(
                    actor=request.user, credit_check=check, missing=data["missing"],
                    signer=data["signer"], scan=data["scan"], deadline=data["deadline"])
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The commitment has been recorded; materials are "
                                            "due by %(date)s.") % {"date": commitment.deadline})
                return redirect("approvals:commitment", pk=commitment.pk)
    return render(request, "approvals/commitment_form.html", {
        "check": check, "r": check.result, "form": form, "limit": limit,
        "essential": [m for m in check.matter.materials.all() if m.essential],
    }, status=status)


def _commitment_or_404(request: HttpRequest, pk: int) -> Commitment:
    commitment = selectors.visible_commitments(user=request.user).filter(pk=pk).first()
    if commitment is None:
        raise Http404(_("No such commitment."))
    return commitment


@staff_required
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment_or_404(request, pk)
    may_handle = permissions.can_handle(request.user, commitment.department_id)
    form = None
    if may_handle and commitment.state == CommitmentState.OPEN:
        form = FulfilForm(request.POST or None, initial={"supplied_on": clock.today()})
    status = 200
    if request.method == "POST":
        deny_unless(form is not None)
        status = 400
        if form.is_valid():
            try:
                services.commitment_fulfil(actor=request.user, commitment=commitment,
                                           supplied_on=form.cleaned_data["supplied_on"],
                                           note=form.cleaned_data.get("note", ""))
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The materials have been recorded as supplied; the "
                                            "commitment is kept."))
                return redirect("approvals:commitment", pk=commitment.pk)
    return render(request, "approvals/commitment_detail.html", {
        "commitment": commitment, "form": form, "today": clock.today()}, status=status)


@staff_required
@require_GET
def commitment_scan(request: HttpRequest, pk: int) -> FileResponse:
    """The signed scan, to staff who may see the commitment; every opening is audited."""
    commitment = _commitment_or_404(request, pk)
    with transaction.atomic():
        record_event(actor=request.user, action="approvals.commitment_scan_view",
                     target=commitment, after={"sha256": commitment.scan_sha256})
    response = FileResponse(commitment.scan.open("rb"), content_type=commitment.scan_content_type)
    name = f"{commitment.scan_sha256}{commitment.scan_ext}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@staff_required
def commitments(request: HttpRequest) -> HttpResponse:
    """Commitments due soon and overdue, for the officer's department (all for the lead)."""
    return render(request, "approvals/commitments.html", {
        "board": selectors.commitment_board(user=request.user),
        "oversees": permissions.can_oversee(request.user)})


@staff_required
def feedback_overview(request: HttpRequest) -> HttpResponse:
    """The lead department's table: per department and measure, what was due, applied, not
    applied (with the reasons below) and still missing; checks whose feedback is overdue."""
    user = request.user
    return render(request, "approvals/feedback.html", {
        "rows": selectors.feedback_table(user=user),
        "reasons": selectors.not_applied_reasons(user=user),
        "overdue": selectors.feedback_overdue(user=user)[:100],
        "oversees": permissions.can_oversee(user),
    })


@staff_required
def matters(request: HttpRequest) -> HttpResponse:
    return render(request, "approvals/matters.html", {
        "matters": selectors.active_matters()})


# --- public verification -----------------------------------------------------------------------
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a certificate by its number (no sign-in)."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("approvals_public:detail",
                        number=form.cleaned_data["number"].strip().upper())
    return render(request, "approvals/verify.html", {"form": form, "summary": None})


def verify_detail(request: HttpRequest, number: str) -> HttpResponse:
    summary = selectors.public_summary(number=number)
    status = 200 if summary else 404
    response = render(request, "approvals/verify.html", {
        "form": VerifyForm(initial={"number": number}), "summary": summary, "number": number,
        "not_found": summary is None}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
