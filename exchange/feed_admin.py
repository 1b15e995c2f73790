"""The exchange's tables in the admin: the mapping table (edited here, as data), subjects to
classify (closed through the audited service), and read-only import and export batches."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import ServiceError
from exchange.feed_models import (
    ClassificationRequest,
    ExportBatch,
    FeedMapping,
    ImportBatch,
)
from exchange.feed_services import classification_resolve
from records.models import RecordType


class FeedMappingForm(forms.ModelForm):
    record_type_code = forms.ChoiceField(label=gettext_lazy("record type"), required=False)

    class Meta:
        model = FeedMapping
        fields = ["kind", "category", "keyword", "record_type_code", "priority", "is_active",
                  "note"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— none: keep a licence as a neutral fact —"))]
        choices += [(t.code, f"{t.name} ({t.get_polarity_display()}"
                     f"{' · ' + t.get_severity_display() if t.severity else ''})")
                    for t in RecordType.objects.filter(is_active=True)]
        self.fields["record_type_code"].choices = choices

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == "CF" and not data.get("record_type_code"):
            self.add_error("record_type_code",
                           _("A penalty rule must name the record type it becomes."))
        return data


@admin.register(FeedMapping)
class FeedMappingAdmin(admin.ModelAdmin):
    form = FeedMappingForm
    list_display = ["kind", "priority", "category", "keyword", "record_type_code", "is_active",
                    "note"]
    list_filter = ["kind", "is_active"]
    list_editable = ["priority", "is_active"]
    search_fields = ["category", "keyword", "record_type_code"]


@admin.register(ClassificationRequest)
class ClassificationRequestAdmin(admin.ModelAdmin):
    list_display = ["subject", "batch", "created_at", "resolved_by", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["subject", "batch", "created_at", "resolved_by", "resolved_at"]
    actions = ["mark_classified"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Mark as classified (the category was checked)"))
    def mark_classified(self, request: HttpRequest,
                        queryset: QuerySet[ClassificationRequest]) -> None:
        done = 0
        for item in queryset.filter(resolved_at__isnull=True):
            try:
                classification_resolve(actor=request.user, request=item)
                done += 1
            except ServiceError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
        self.message_user(request, _("%(n)d subjects marked as classified.") % {"n": done})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "field_set", "file_name", "source", "state", "rows",
                    "created", "duplicates", "corrections", "revocations", "started_at"]
    list_filter = ["state", "kind", "source"]
    search_fields = ["number", "file_name", "file_sha256"]


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "encoding", "row_count", "state", "created_at", "sent_at"]
    list_filter = ["state", "kind"]
    exclude = ["content", "receipt"]
