"""Subjects in the Django admin, read-mostly: registration and edits go through the workbench
(subjects.services validates codes and keeps the name history; the admin would not)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from subjects.models import Subject, SubjectName


class SubjectNameInline(admin.TabularInline):
    model = SubjectName
    extra = 0
    readonly_fields = ["name", "valid_from", "valid_until"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_code", "kind", "category", "status", "created_at"]
    list_filter = ["kind", "category", "status"]
    search_fields = ["name", "=code"]
    inlines = [SubjectNameInline]
    exclude = ["code"]  # individuals' ID numbers are shown masked; unmasking is audited elsewhere

    @admin.display(description=_("code"))
    def masked_code(self, obj: Subject) -> str:
        return obj.display_code

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["masked_code", *[f.name for f in Subject._meta.fields if f.name != "code"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
