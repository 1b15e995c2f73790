"""The data exchange pages: 双公示 upload with preview, import results and error reports.

Thin: each view parses a form, calls one service in `exchange.feed_services`, and renders. A file
is previewed first (a dry run through the same code, rolled back) and imported only when the
data officer confirms; the uploaded bytes are kept by checksum between the two steps, so what is
imported is exactly what was previewed. Files run synchronously up to
`EXCHANGE_SYNC_MAX_ROWS` rows; a larger upload is imported at once as a background job
(`exchange.tasks`): the request returns immediately, the job page follows its progress and then
shows the batch with the same counts and error report.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.decorators import staff_required
from accounts.models import Department, Role, User
from common.errors import ServiceError
from common.models import JobRun, JobStatus
from common.pages import apply_service_error, deny_unless
from common.spreadsheets import Sheet, csv_response, xlsx_response
from exchange import tasks
from exchange.exports import (
    can_export,
    export_acknowledge,
    export_mark_sent,
    export_prepare,
    export_reject,
    missing_code_warning,
    pending,
    pending_licences,
    verify_batch,
)
from exchange.feed_models import (
    ClassificationRequest,
    ExportAction,
    ExportBatch,
    FeedKind,
    ImportBatch,
    RevocationRequest,
)
from exchange.feed_services import classification_resolve, import_feed
from exchange.feeds import estimate_rows
from exchange.revocations import revocation_decide
from exchange.sheets import import_sheet, template_sheets


def sync_max_rows() -> int:
    return int(getattr(settings, "EXCHANGE_SYNC_MAX_ROWS", 5000))


def max_upload_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))


def can_use_exchange(user: User) -> bool:
    """The exchange pages are the lead department's (its clerks and reviewers) and the
    administrators'; which source a person may import for is asked again per file."""
    if not permissions.can_submit_records(user):  # a writer's role (clerk, reviewer, admin)
        return False
    return user.role == Role.ADMIN or (
        user.department is not None and user.department.kind == Department.Kind.LEAD)


def sources_for(user: User) -> list[Department]:
    return [d for d in Department.objects.filter(is_active=True)
            if permissions.can_submit_records(user, d)]


class FeedUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("双公示 file (CSV or XLSX)"))
    source = forms.ModelChoiceField(queryset=Department.objects.none(),
                                    label=gettext_lazy("Source department"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [d.pk for d in sources_for(user)]
        self.fields["source"].queryset = Department.objects.filter(pk__in=ids)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("%(name)s is %(size)s; files of at most %(max)s are accepted here.")
                % {"name": upload.name, "size": filesizeformat(upload.size),
                   "max": filesizeformat(max_upload_bytes())})
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx", ".txt"):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        return upload


def _keep_upload(data: bytes, name: str) -> str:
    """Store the uploaded bytes under their checksum (the same file is stored once)."""
    sha = hashlib.sha256(data).hexdigest()
    path = tasks.upload_path(sha, name)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return sha


def _stored_upload(batch: ImportBatch) -> bytes:
    data = tasks.stored_upload(batch.file_sha256, batch.file_name)
    if data is None:
        raise Http404
    return data


def _in_background(request: HttpRequest, form: forms.Form, *, kind: str, data: bytes,
                   name: str) -> HttpResponse | None:
    """A file above `EXCHANGE_SYNC_MAX_ROWS` rows: store it and queue its import as a job;
    the response (the job's page) returns at once. None for a file the request handles."""
    if estimate_rows(data) <= sync_max_rows():
        return None
    sha = _keep_upload(data, name)
    try:
        run = tasks.start_import(actor=request.user, kind=kind,
                                 source=form.cleaned_data["source"], sha256=sha,
                                 file_name=name)
    except ServiceError as exc:
        form.add_error(None, str(exc.message))
        return None
    return redirect("exchange:job", pk=run.pk)


def _preview_or_queue(request: HttpRequest, form: forms.Form, *, kind: str
                      ) -> tuple[HttpResponse | None, int]:
    """The valid upload form's file: queued as a background job when large, else previewed
    (a dry run) in the request. Returns the redirect to follow, or None and the status with
    which the form is shown again with its errors."""
    upload = form.cleaned_data["file"]
    data = upload.read()
    queued = _in_background(request, form, kind=kind, data=data, name=upload.name)
    if queued is not None:
        return queued, 302
    if form.non_field_errors():  # another background import is still running
        return None, 409
    source = form.cleaned_data["source"]
    try:
        if kind == "feed":
            result = import_feed(actor=request.user, source=source, data=data,
                                 file_name=upload.name, dry_run=True, keep_preview=True,
                                 max_rows=sync_max_rows())
        else:
            result = import_sheet(actor=request.user, kind=kind, source=source, data=data,
                                  file_name=upload.name, dry_run=True, keep_preview=True,
                                  max_rows=sync_max_rows())
    except ServiceError as exc:
        return None, apply_service_error(form, exc)
    if result.batch is None:  # the file as a whole could not be read
        form.add_error("file", result.summary["rejected"][0]["reason"])
        return None, 422
    _keep_upload(data, upload.name)
    request.session[f"exchange-preview-{result.batch.number}"] = result.preview
    return redirect("exchange:batch", number=result.batch.number), 302


@staff_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    """Upload a 双公示 file: a preview first, nothing written until the officer confirms (a
    file above `EXCHANGE_SYNC_MAX_ROWS` rows: imported as a background job)."""
    deny_unless(can_use_exchange(request.user))
    form = FeedUploadForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        response, status = _preview_or_queue(request, form, kind="feed")
        if response is not None:
            return response
    elif request.method == "POST":
        status = 422
    batches = ImportBatch.objects.exclude(state=ImportBatch.State.PREVIEW).select_related(
        "source", "actor")[:20]
    waiting = ClassificationRequest.objects.filter(resolved_at__isnull=True).count()
    revocations = RevocationRequest.objects.filter(
        state=RevocationRequest.State.PENDING).count()
    return render(request, "exchange/feed_upload.html",
                  {"form": form, "batches": batches, "waiting": waiting,
                   "revocations": revocations, "max_rows": sync_max_rows()}, status=status)


def _job_preview(number: str) -> list[dict[str, Any]]:
    """The first rows of a batch a background job imported (kept in the job's summary)."""
    run = JobRun.objects.filter(job=tasks.JOB, summary__batch=number).first()
    return list((run.summary or {}).get("preview") or []) if run else []


@staff_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import: its progress bar while it runs, then its batch (the same counts and
    error report as an import in the request); a failed run shows why."""
    deny_unless(can_use_exchange(request.user))
    run = get_object_or_404(JobRun, pk=pk, job=tasks.JOB)
    deny_unless(run.triggered_by_id == request.user.pk or request.user.role == Role.ADMIN)
    if run.status == JobStatus.SUCCEEDED and (run.summary or {}).get("batch"):
        return redirect("exchange:batch", number=run.summary["batch"])
    return render(request, "exchange/import_job.html", {
        "run": run, "file_name": run.args.get("file_name", ""),
        "finished": run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)})


@staff_required
def batch_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A preview (with the button that imports it) or a finished import, with its counts."""
    deny_unless(can_use_exchange(request.user))
    batch = get_object_or_404(ImportBatch.objects.select_related("source", "actor"),
                              number=number)
    preview = (request.session.get(f"exchange-preview-{batch.number}")
               or _job_preview(batch.number))
    imported = ImportBatch.objects.filter(
        file_sha256=batch.file_sha256, source=batch.source,
        state=ImportBatch.State.FINISHED).order_by("-started_at").first()
    return render(request, "exchange/batch.html", {
        "batch": batch, "summary": batch.summary(), "preview": preview,
        "rejected_count": len(batch.rejected), "earlier_import": imported,
        "is_preview": batch.state == ImportBatch.State.PREVIEW,
    })


@staff_required
@require_POST
def batch_import(request: HttpRequest, number: str) -> HttpResponse:
    """Import the exact bytes that were previewed."""
    deny_unless(can_use_exchange(request.user))
    preview = get_object_or_404(ImportBatch, number=number, state=ImportBatch.State.PREVIEW)
    data = _stored_upload(preview)
    try:
        if preview.kind in (FeedKind.SUBJECTS, FeedKind.RECORDS):
            result = import_sheet(actor=request.user, kind=preview.kind, source=preview.source,
                                  data=data, file_name=preview.file_name,
                                  max_rows=sync_max_rows())
        else:
            result = import_feed(actor=request.user, source=preview.source, data=data,
                                 file_name=preview.file_name, max_rows=sync_max_rows())
    except ServiceError as exc:
        return render(request, "exchange/batch.html", {
            "batch": preview, "summary": preview.summary(), "error": exc.message,
            "is_preview": True, "rejected_count": len(preview.rejected)},
            status=exc.status)
    return redirect("exchange:batch", number=result.batch.number)


@staff_required
def batch_errors(request: HttpRequest, number: str) -> HttpResponse:
    """The rejected rows as an XLSX: row, column, reason, for the sender to fix and resend."""
    deny_unless(can_use_exchange(request.user))
    batch = get_object_or_404(ImportBatch, number=number)
    header = [_("Row"), _("Column"), _("Reason")]
    rows = [(e["row"], e["field"], e["reason"]) for e in batch.rejected]
    summary = _("%(file)s: %(rows)d rows, %(created)d created, %(dup)d duplicates, "
                "%(corr)d corrections, %(rev)d revocations, %(rej)d errors") % {
        "file": batch.file_name, "rows": batch.rows, "created": batch.created,
        "dup": batch.duplicates, "corr": batch.corrections, "rev": batch.revocations,
        "rej": len(batch.rejected)}
    return xlsx_response(f"{batch.number}-errors.xlsx",
                         Sheet(_("Rejected rows"), header, rows, preface=[summary],
                               widths=[8, 18, 80]))


# --- exports ----------------------------------------------------------------------------------

class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to export"), initial=FeedKind.PENALTY,
                             required=False,
                             choices=[(FeedKind.PENALTY, FeedKind.PENALTY.label),
                                      (FeedKind.LICENCE, FeedKind.LICENCE.label)])
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"),
                                 choices=[("utf-8", "UTF-8"), ("gbk", "GBK")])


class AcknowledgeForm(forms.Form):
    receipt = forms.FileField(label=gettext_lazy("Receipt file from the receiving platform"))
    failed_documents = forms.CharField(
        label=gettext_lazy("Document numbers the receipt names as refused (one a line)"),
        required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    reasons = forms.CharField(label=gettext_lazy("Reasons the platform gave"),
                              widget=forms.Textarea(attrs={"rows": 3}))


def _export_page(request: HttpRequest, batch: ExportBatch, *, status: int = 200,
                 **forms_: Any) -> HttpResponse:
    rows = batch.row_set.select_related("record", "record__subject", "licence",
                                        "licence__credit_check__subject")[:500]
    return render(request, "exchange/export_detail.html", {
        "batch": batch, "rows": rows, "check": verify_batch(batch),
        "ack_form": forms_.get("ack_form") or AcknowledgeForm(),
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "export_form": ExportForm(), "resends": batch.resends.all(),
    }, status=status)


@staff_required
def export_list(request: HttpRequest) -> HttpResponse:
    """Export batches and what is waiting to go out; preparing a batch is one POST."""
    deny_unless(can_export(request.user))
    form = ExportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            batch = export_prepare(actor=request.user, encoding=form.cleaned_data["encoding"],
                                   kind=form.cleaned_data["kind"] or FeedKind.PENALTY)
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            if batch is None:
                messages.info(request, _("Nothing is waiting to be exported."))
                return redirect("exchange:exports")
            return redirect("exchange:export", number=batch.number)
    pending_records, pending_decisions = pending(), pending_licences()
    waiting = [(record, ExportAction(action).label) for record, action in pending_records]
    licences = [(decision, ExportAction(action).label)
                for decision, action in pending_decisions]
    return render(request, "exchange/exports.html", {
        "missing_code": missing_code_warning(pending_records),
        "missing_licence_code": missing_code_warning(pending_decisions),
        "form": form, "batches": ExportBatch.objects.select_related("created_by")[:50],
        "waiting": waiting[:100], "waiting_count": len(waiting),
        "waiting_licences": licences[:100], "waiting_licence_count": len(licences)},
        status=status)


@staff_required
def export_detail(request: HttpRequest, number: str) -> HttpResponse:
    deny_unless(can_export(request.user))
    return _export_page(request, get_object_or_404(ExportBatch, number=number))


@staff_required
def export_download(request: HttpRequest, number: str) -> HttpResponse:
    """The batch's file, byte for byte as prepared (its SHA-256 is on the page)."""
    deny_unless(can_export(request.user))
    batch = get_object_or_404(ExportBatch, number=number)
    charset = "gbk" if batch.encoding == "gbk" else "utf-8"
    response = HttpResponse(bytes(batch.content), content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    return response


@staff_required
@require_POST
def export_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """sent / acknowledge / reject / resend: one service each."""
    deny_unless(can_export(request.user))
    batch = get_object_or_404(ExportBatch, number=number)
    try:
        if action == "sent":
            export_mark_sent(actor=request.user, batch=batch)
        elif action == "acknowledge":
            form = AcknowledgeForm(request.POST, request.FILES)
            if not form.is_valid():
                return _export_page(request, batch, status=422, ack_form=form)
            receipt = form.cleaned_data["receipt"]
            export_acknowledge(actor=request.user, batch=batch, receipt_name=receipt.name,
                               receipt=receipt.read(),
                               failed_documents=form.cleaned_data["failed_documents"]
                               .splitlines())
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                return _export_page(request, batch, status=422, reject_form=form)
            export_reject(actor=request.user, batch=batch, reasons=form.cleaned_data["reasons"])
        elif action == "resend":
            encoding = request.POST.get("encoding") or batch.encoding
            new = export_prepare(actor=request.user, encoding=encoding, resend_of=batch)
            return redirect("exchange:export", number=new.number)
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    return redirect("exchange:export", number=batch.number)


@staff_required
def export_receipt(request: HttpRequest, number: str) -> HttpResponse:
    deny_unless(can_export(request.user))
    batch = get_object_or_404(ExportBatch, number=number)
    if not batch.receipt:
        raise Http404
    response = HttpResponse(bytes(batch.receipt), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{batch.number}-receipt"'
    return response


# --- spreadsheet templates ----------------------------------------------------------------------

class SheetUploadForm(FeedUploadForm):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=[
        (FeedKind.SUBJECTS, FeedKind.SUBJECTS.label), (FeedKind.RECORDS, FeedKind.RECORDS.label)])
    field_order = ["kind", "file", "source"]


@staff_required
def sheet_upload(request: HttpRequest) -> HttpResponse:
    """Subjects or records from a filled-in template: preview first, as for feeds (a large
    file: imported as a background job)."""
    deny_unless(can_use_exchange(request.user))
    form = SheetUploadForm(request.POST or None, request.FILES or None, user=request.user,
                           initial={"source": request.user.department_id})
    status = 200
    if request.method == "POST" and form.is_valid():
        response, status = _preview_or_queue(request, form, kind=form.cleaned_data["kind"])
        if response is not None:
            return response
    elif request.method == "POST":
        status = 422
    return render(request, "exchange/sheet_upload.html",
                  {"form": form, "max_rows": sync_max_rows()}, status=status)


@staff_required
def sheet_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The empty template with its Chinese header (XLSX with an explanation sheet, or CSV)."""
    deny_unless(can_use_exchange(request.user))
    if kind not in (FeedKind.SUBJECTS, FeedKind.RECORDS) or fmt not in ("xlsx", "csv"):
        raise Http404
    template, notes = template_sheets(kind)
    name = {"subjects": "信用主体导入模板", "records": "信用记录导入模板"}[kind]
    if fmt == "csv":
        return csv_response(f"{name}.csv", template.header, [])
    return xlsx_response(f"{name}.xlsx", template, notes)


# --- revocations a feed asked for, waiting for a reviewer -------------------------------------

@staff_required
def revocation_list(request: HttpRequest) -> HttpResponse:
    """Revocations (CF_ZT = 2) a feed asked for: a reviewer other than the importer revokes the
    record or refuses with a reason (`feed_services.revocation_decide`)."""
    deny_unless(permissions.can_review_records(request.user))
    if request.method == "POST":
        item = get_object_or_404(RevocationRequest, pk=request.POST.get("request"))
        approve = request.POST.get("decision") == "approve"
        try:
            revocation_decide(actor=request.user, request=item, approve=approve,
                              comment=request.POST.get("comment", ""))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The record has been revoked.") if approve
                             else _("The revocation was refused; the record stays."))
        return redirect("exchange:revocations")
    pending = (RevocationRequest.objects.filter(state=RevocationRequest.State.PENDING)
               .select_related("record", "record__subject", "batch", "requested_by")[:500])
    decided = (RevocationRequest.objects.exclude(state=RevocationRequest.State.PENDING)
               .select_related("record", "decided_by")[:50])
    return render(request, "exchange/revocations.html",
                  {"pending": pending, "decided": decided})


# --- subjects created from feeds, waiting for a clerk -----------------------------------------

@staff_required
def classify_list(request: HttpRequest) -> HttpResponse:
    """Subjects a feed created from a code the registry did not know: the clerk opens each,
    sets its category on the subject's own edit page, and closes the entry here."""
    deny_unless(permissions.can_edit_subjects(request.user))
    if request.method == "POST":
        item = get_object_or_404(ClassificationRequest, pk=request.POST.get("request"))
        try:
            classification_resolve(actor=request.user, request=item)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        return redirect("exchange:classify")
    waiting = (ClassificationRequest.objects.filter(resolved_at__isnull=True)
               .select_related("subject", "batch")[:500])
    return render(request, "exchange/classify.html", {"waiting": waiting})
