"""The audit log in the Django admin: readable, never writable; plus the mixin that makes
catalogue maintenance in the admin leave audit events like every other write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import record_event, snapshot


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin saves go through `record_event` (the admin wraps each save in a transaction), so
    a catalogue or account edit made here is as traceable as one made through a service."""

    audit_fields: list[str] | None = None

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any,
                   change: bool) -> None:
        before = None
        if change and obj.pk:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(old, self.audit_fields) if old else None
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
        record_event(actor=request.user, action=f"admin.{action}", target=obj, before=before,
                     after=snapshot(obj, self.audit_fields))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nothing referenced by records or the log is deleted; deactivate it instead."""
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "occurred_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "actor_label", "target_id", "hash"]
    date_hierarchy = "occurred_at"
    ordering = ["-seq"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
