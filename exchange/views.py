"""The data exchange pages: 双公示 upload with preview, import results and error reports.

Thin: each view parses a form, calls one service in `exchange.feed_services`, and renders. A file
is previewed first (a dry run through the same code, rolled back) and imported only when the
data officer confirms; the uploaded bytes are kept by checksum between the two steps, so what is
imported is exactly what was previewed. Files run synchronously up to
`EXCHANGE_SYNC_MAX_ROWS` rows; larger ones go through `manage.py import_feed`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Department, Role, User
from common.errors import ServiceError
from common.spreadsheets import Sheet, xlsx_response
from common.views import apply_service_error, deny_unless, staff_required
from exchange.feed_models import ClassificationRequest, ImportBatch
from exchange.feed_services import import_feed

UPLOAD_DIR = "exchange/uploads"


def sync_max_rows() -> int:
    return int(getattr(settings, "EXCHANGE_SYNC_MAX_ROWS", 5000))


def max_upload_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))


def can_use_exchange(user: User) -> bool:
    """The exchange pages are the lead department's (its clerks and reviewers) and the
    administrators'; which source a person may import for is asked again per file."""
    if not permissions.is_staff_member(user) or user.role not in permissions.WRITERS:
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
    path = f"{UPLOAD_DIR}/{sha}{Path(name).suffix.lower()[:8]}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return path


def _stored_upload(batch: ImportBatch) -> bytes:
    path = f"{UPLOAD_DIR}/{batch.file_sha256}{Path(batch.file_name).suffix.lower()[:8]}"
    if not default_storage.exists(path):
        raise Http404
    with default_storage.open(path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != batch.file_sha256:
        raise Http404
    return data


@staff_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    """Upload a 双公示 file: a preview first, nothing written until the officer confirms."""
    deny_unless(can_use_exchange(request.user))
    form = FeedUploadForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            result = import_feed(actor=request.user, source=form.cleaned_data["source"],
                                 data=data, file_name=upload.name, dry_run=True,
                                 keep_preview=True, max_rows=sync_max_rows())
        except ServiceError as exc:
            status = apply_service_error(form, exc)
        else:
            if result.batch is None:  # the file as a whole could not be read
                form.add_error("file", result.summary["rejected"][0]["reason"])
                status = 422
            else:
                _keep_upload(data, upload.name)
                request.session[f"exchange-preview-{result.batch.number}"] = result.preview
                return redirect("exchange:batch", number=result.batch.number)
    elif request.method == "POST":
        status = 422
    batches = ImportBatch.objects.exclude(state=ImportBatch.State.PREVIEW).select_related(
        "source", "actor")[:20]
    waiting = ClassificationRequest.objects.filter(resolved_at__isnull=True).count()
    return render(request, "exchange/feed_upload.html",
                  {"form": form, "batches": batches, "waiting": waiting,
                   "max_rows": sync_max_rows()}, status=status)


@staff_required
def batch_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A preview (with the button that imports it) or a finished import, with its counts."""
    deny_unless(can_use_exchange(request.user))
    batch = get_object_or_404(ImportBatch.objects.select_related("source", "actor"),
                              number=number)
    preview = request.session.get(f"exchange-preview-{batch.number}") or []
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
                "%(corr)d corrections, %(rej)d errors") % {
        "file": batch.file_name, "rows": batch.rows, "created": batch.created,
        "dup": batch.duplicates, "corr": batch.corrections, "rej": len(batch.rejected)}
    return xlsx_response(f"{batch.number}-errors.xlsx",
                         Sheet(_("Rejected rows"), header, rows, preface=[summary],
                               widths=[8, 18, 80]))
