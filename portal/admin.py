"""Issued documents, read-only: administrators see what was issued and whether it stands.

Revoking goes through `portal.services.revoke_document` (audited), not through an edit form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.models import VerifiableDocument


@admin.register(VerifiableDocument)
class VerifiableDocumentAdmin(admin.ModelAdmin):
    list_display = ("kind", "subject", "as_of", "issued_at", "expires_on", "superseded_by",
                    "revoked_at")
    list_filter = ("kind",)
    search_fields = ("subject__name",)
    raw_id_fields = ("subject", "issued_by", "superseded_by")
    readonly_fields = [f.name for f in VerifiableDocument._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
