"""The audit log in the Django admin: readable, never writable; plus the mixin that makes
catalogue maintenance in the admin leave audit events like every other write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.actions import action_choices, action_label
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


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, offered by its words (`audit.actions`), not by its code."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return action_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "occurred_at", "actor_label", "action_words", "target_type",
                    "target_id"]
    list_filter = [ActionFilter, "target_type"]
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

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, obj: AuditEvent) -> str:
        return action_label(obj.action)
