"""The record catalogue (信用信息目录) is maintained here; credit records themselves change
only through the workbench and the services (review, correction, revocation)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.admin import AuditedModelAdmin
from records.models import CreditRecord, RecordType


@admin.register(RecordType)
class RecordTypeAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "group", "polarity", "severity", "default_points",
                    "publicity_months", "is_public", "is_active"]
    list_filter = ["polarity", "severity", "group", "is_public", "is_active"]
    search_fields = ["code", "name", "legal_basis"]
    ordering = ["polarity", "group", "code"]


@admin.register(CreditRecord)
class CreditRecordAdmin(admin.ModelAdmin):
    """Read only: the admin bypasses four-eyes review, so it must not edit records."""

    list_display = ["document_number", "subject", "record_type", "source_department",
                    "decided_on", "state", "version"]
    list_filter = ["state", "source_department", "record_type__polarity"]
    search_fields = ["document_number", "subject__name"]
    list_select_related = ["subject", "record_type", "source_department"]
    raw_id_fields = ["subject", "supersedes"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in CreditRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # view permission still lets administrators read a record here

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
