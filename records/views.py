"""Record pages: entry, the record with its history and evidence, review actions, the queue.

Each action is a POST to its own URL that calls one service; a refusal re-renders the record
page with the service's message next to the action and the status the error carries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.decorators import staff_required
from audit.actions import action_label
from audit.selectors import events_for
from audit.services import record_event
from common.errors import ServiceError
from common.exports import Column, export_response, requested_format
from common.limits import REVIEW_BATCH
from common.pages import apply_service_error, deny_unless
from records import selectors, services
from records.forms import (
    BatchReviewForm,
    CommentForm,
    CorrectionForm,
    EvidenceForm,
    ReasonForm,
    RecordForm,
    RecordListFilterForm,
    ReviewFilterForm,
)
from records.models import CreditRecord, Evidence, Polarity, RecordState, Severity
from records.selectors import visible_records
from subjects.models import Subject


def _visible(request: HttpRequest, pk: int) -> CreditRecord:
    """The record if this user may see it; 404 otherwise (existence is not disclosed)."""
    return get_object_or_404(
        visible_records(user=request.user).select_related("supersedes"), pk=pk
    )


def _detail(request: HttpRequest, record: CreditRecord, *, status: int = 200,
            **forms: Any) -> HttpResponse:
    """The record page with the actions this user may take in this state."""
    user = request.user
    department = record.source_department
    in_department = permissions.can_submit_records(user, department)
    reviewer = permissions.can_review_records(user)
    own = user.pk in (record.created_by_id, record.submitted_by_id)
    correction = (CreditRecord.objects.filter(supersedes=record)
                  .exclude(state=RecordState.REJECTED).order_by("-version").first())
    events = [
        {"event": e, "label": action_label(e.action)}
        for e in events_for(target_type="records.creditrecord", target_id=str(record.pk))
        .order_by("seq")
    ]
    context = {
        "record": record,
        "events": events,
        "evidence": record.evidence.select_related("uploaded_by").order_by("uploaded_at"),
        "correction": correction,
        "can_submit": record.state == RecordState.DRAFT and in_department,
        "can_attach": record.state in (RecordState.DRAFT, RecordState.SUBMITTED)
        and in_department,
        "can_review": record.state == RecordState.SUBMITTED and reviewer,
        "four_eyes": record.state == RecordState.SUBMITTED and reviewer and own,
        "can_correct": record.state == RecordState.EFFECTIVE and in_department
        and correction is None,
        "can_revoke": record.state == RecordState.EFFECTIVE and reviewer,
        "can_reenter": record.state == RecordState.REJECTED and in_department,
        "review_form": forms.get("review_form") or CommentForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "action_error": forms.get("action_error"),
    }
    return render(request, "records/detail.html", context, status=status)


@staff_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


def _save_evidence(request: HttpRequest, form: Any, record: CreditRecord) -> None:
    upload = form.cleaned_data.get("file")
    if upload:
        services.evidence_attach(actor=request.user, record=record, upload=upload)


@staff_required
def record_create(request: HttpRequest) -> HttpResponse:
    """Enter a record for a subject, as a draft or straight into review, with evidence.

    Record and evidence are one transaction: a refused file leaves no half-entered record
    behind (which would otherwise block the retry as a duplicate document number).
    """
    deny_unless(permissions.can_submit_records(request.user))
    subject_pk = request.GET.get("subject", "")
    if not subject_pk.isdigit():
        messages.info(request, _("Choose the subject first, then add the record from its page."))
        return redirect("subjects:list")
    subject = get_object_or_404(Subject, pk=int(subject_pk))
    returned = _returned_record(request, subject)
    initial = {**RecordForm.initial_from(returned),  # its department too, not the user's
               "source_department": returned.source_department_id} if returned else None
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user,
                      initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                with transaction.atomic():
                    record = services.record_create(
                        actor=request.user, subject=subject, submit=submit,
                        source_department=form.cleaned_data.get("source_department"),
                        is_public=form.public_flag(),
                        **{k: v for k, v in form.content().items() if k != "is_public"},
                    )
                    _save_evidence(request, form, record)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("Submitted for review.") if submit
                                 else _("Draft saved."))
                return redirect("records:detail", pk=record.pk)
    context = {"form": form, "subject": subject, "mode": "create", "returned": returned}
    return render(request, "records/form.html", context, status=status)


def _returned_record(request: HttpRequest, subject: Subject) -> CreditRecord | None:
    """`?from=<pk>`: a record returned by its reviewer, whose content pre-fills a new entry.

    A returned record is final (the review decided it); without this the clerk had a page
    with no action and typed the whole record again to correct one field. Only a returned
    record of this subject that the user may see is used; anything else is simply ignored.
    """
    source = request.GET.get("from", "")
    if request.method == "POST" or not source.isdigit():
        return None
    return visible_records(user=request.user).filter(
        pk=int(source), subject=subject, state=RecordState.REJECTED).first()


@staff_required
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft (and optionally submit it); later states change only by correction."""
    record = _visible(request, pk)
    deny_unless(permissions.can_submit_records(request.user, record.source_department)
                and record.state == RecordState.DRAFT)
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user,
                      record=record, initial=RecordForm.initial_from(record))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                with transaction.atomic():
                    changes = form.content(only_changed=True)
                    if changes:
                        record = services.record_update_draft(actor=request.user, record=record,
                                                              **changes)
                    _save_evidence(request, form, record)
                    if submit:
                        record = services.record_submit(actor=request.user, record=record)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("Submitted for review.") if submit
                                 else _("Draft saved."))
                return redirect("records:detail", pk=record.pk)
    context = {"form": form, "subject": record.subject, "record": record, "mode": "edit"}
    return render(request, "records/form.html", context, status=status)


@staff_required
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a corrected version of an effective record; it is reviewed like a new one."""
    record = _visible(request, pk)
    deny_unless(permissions.can_submit_records(request.user, record.source_department))
    form = CorrectionForm(request.POST or None, request.FILES or None, user=request.user,
                          record=record, initial=RecordForm.initial_from(record))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.content(only_changed=True)
            changes.pop("document_number", None)
            try:
                with transaction.atomic():
                    new = services.record_correct(actor=request.user, record=record,
                                                  reason=form.cleaned_data["reason"], **changes)
                    _save_evidence(request, form, new)
            except ServiceError as exc:
                status = apply_service_error(form, exc)
            else:
                messages.success(request, _("The correction has been submitted for review."))
                return redirect("records:detail", pk=new.pk)
    context = {"form": form, "subject": record.subject, "record": record, "mode": "correct"}
    return render(request, "records/form.html", context, status=status)


def _act(request: HttpRequest, record: CreditRecord, call: Any, done: str,
         form_key: str, form: Any) -> HttpResponse:
    """Run one state-changing service; on refusal show its message on the record page."""
    try:
        call()
    except ServiceError as exc:
        if form.is_bound and exc.field in form.fields:
            form.add_error(exc.field, str(exc.message))
        record = _visible(request, record.pk)  # fresh copy (the FSM field cannot be refreshed)
        return _detail(request, record, status=exc.status, action_error=exc.message,
                       **{form_key: form})
    messages.success(request, done)
    return redirect("records:detail", pk=record.pk)


@staff_required
@require_POST
def record_submit(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible(request, pk)
    deny_unless(permissions.can_submit_records(request.user, record.source_department))
    return _act(request, record,
                lambda: services.record_submit(actor=request.user, record=record),
                _("Submitted for review."), "review_form", CommentForm())


@staff_required
@require_POST
def record_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, services.record_approve, _("The record is now effective."))


@staff_required
@require_POST
def record_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, services.record_reject, _("The record has been rejected."))


def _review(request: HttpRequest, pk: int, decide: Any, done: str) -> HttpResponse:
    """Approve or reject: the same reviewer check, comment form and refusal display."""
    deny_unless(permissions.can_review_records(request.user))
    record = _visible(request, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    return _act(request, record,
                lambda: decide(actor=request.user, record=record, comment=comment),
                done, "review_form", form)


@staff_required
@require_POST
def record_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    deny_unless(permissions.can_review_records(request.user))
    record = _visible(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    return _act(request, record,
                lambda: services.record_revoke(actor=request.user, record=record, reason=reason),
                _("The record has been revoked."), "reason_form", form)


@staff_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible(request, pk)
    deny_unless(permissions.can_submit_records(request.user, record.source_department))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, record, status=400, evidence_form=form)
    return _act(request, record,
                lambda: services.evidence_attach(actor=request.user, record=record,
                                                 upload=form.cleaned_data["file"]),
                _("The evidence file has been attached."), "evidence_form", form)


@staff_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Hand out an evidence file to someone who may see its record, and audit that they did."""
    evidence = get_object_or_404(Evidence.objects.select_related("record"), pk=pk)
    if not visible_records(user=request.user).filter(pk=evidence.record_id).exists():
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except OSError as exc:
        raise Http404(_("The evidence file is missing from storage.")) from exc
    with transaction.atomic():
        record_event(actor=request.user, action="record.evidence_view", target=evidence.record,
                     after={"evidence": evidence.pk, "file": evidence.original_name,
                            "sha256": evidence.sha256})
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


RECORD_COLUMNS = (
    Column(gettext_lazy("Document number"), lambda r: r.document_number, 24),
    Column(gettext_lazy("Version"), lambda r: r.version, 8),
    Column(gettext_lazy("Subject"), lambda r: r.subject.name, 32),
    Column(gettext_lazy("Code"), lambda r: r.subject.display_code, 22),
    Column(gettext_lazy("Record type"), lambda r: r.record_type.name, 28),
    Column(gettext_lazy("Polarity"), lambda r: r.record_type.polarity,
           choices=Polarity.choices),
    Column(gettext_lazy("Severity"), lambda r: r.record_type.severity,
           choices=Severity.choices),
    Column(gettext_lazy("Decided on"), lambda r: r.decided_on, 12),
    Column(gettext_lazy("State"), lambda r: r.state, 10, choices=RecordState.choices),
    Column(gettext_lazy("Source department"), lambda r: r.source_department.name, 20),
    Column(gettext_lazy("Submitted by"), lambda r: str(r.submitted_by or ""), 14),
    Column(gettext_lazy("Submitted at"), lambda r: r.submitted_at, 18),
)
#: What RECORD_COLUMNS read: an export loads only these (a full row of five joined tables per
#: record is most of an export's time; `bench/bench_review.py`).
RECORD_EXPORT_FIELDS = (
    "document_number", "version", "decided_on", "state", "submitted_at", "subject__name",
    "subject__code", "subject__kind", "record_type__name", "record_type__polarity",
    "record_type__severity", "source_department__name", "submitted_by__username",
    "submitted_by__first_name", "submitted_by__last_name",
)


@staff_required
def record_list(request: HttpRequest) -> HttpResponse:
    """Every record this user may see (clerks: their department's), filtered; exportable."""
    filters = RecordListFilterForm(request.GET or None)
    records = selectors.record_list(user=request.user, **filters.filters())
    fmt = requested_format(request)
    if fmt:
        return export_response(request, fmt=fmt, rows=records.only(*RECORD_EXPORT_FIELDS),
                               columns=RECORD_COLUMNS,
                               title=_("Credit records"), name="credit-records")
    page = Paginator(records, 30).get_page(request.GET.get("page"))
    return render(request, "records/list.html", {
        "page": page, "filters": filters, "subject": filters.filters()["subject"],
        "filtered": any(filters.filters().values()),
    })


def _queue_page(request: HttpRequest, *, status: int = 200, batch_form: Any = None,
                outcome: Any = None) -> HttpResponse:
    """The queue under the filters in the query string; its export is the same rows."""
    filters = ReviewFilterForm(request.GET or None)
    queue = selectors.review_queue(user=request.user, **filters.filters()).select_related(
        "submitted_by")
    fmt = requested_format(request)
    if fmt and request.method == "GET":
        return export_response(request, fmt=fmt, rows=queue.only(*RECORD_EXPORT_FIELDS),
                               columns=RECORD_COLUMNS,
                               title=_("Waiting for my review"), name="review-queue")
    page = Paginator(queue, 30).get_page(request.GET.get("page"))
    return render(request, "records/reviews.html", {
        "page": page, "filters": filters, "filtered": any(filters.filters().values()),
        "batch_form": batch_form or BatchReviewForm(), "outcome": outcome,
        "batch_max": REVIEW_BATCH,
    }, status=status)


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Records waiting for this reviewer, oldest submission first, with filters and export."""
    deny_unless(permissions.can_review_records(request.user))
    return _queue_page(request)


@staff_required
@require_POST
def review_batch(request: HttpRequest) -> HttpResponse:
    """批量通过 / 批量退回 the ticked records; each one is decided (or refused) on its own."""
    deny_unless(permissions.can_review_records(request.user))
    form = BatchReviewForm(request.POST)
    if not form.is_valid():
        return _queue_page(request, status=400, batch_form=form)
    try:
        outcome = services.records_review_batch(
            actor=request.user, ids=form.ids(), decision=form.cleaned_data["decision"],
            reason=form.cleaned_data.get("reason", ""))
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _queue_page(request, status=exc.status, batch_form=form)
    if outcome.decided:
        done = (_("%(n)s records approved.") if outcome.decision == "approve"
                else _("%(n)s records returned.")) % {"n": len(outcome.decided)}
        messages.success(request, done)
    if outcome.refused:
        messages.warning(request, _("%(n)s records were not decided; the reasons are listed "
                                    "below.") % {"n": len(outcome.refused)})
    return _queue_page(request, outcome=outcome)
