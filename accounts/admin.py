"""Departments and staff accounts in the Django admin, with role and department in view."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts.forms import DepartmentForm
from accounts.models import Department, User
from accounts.services import USER_FIELDS
from audit.admin import AuditedModelAdmin


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    form = DepartmentForm
    list_display = ["code", "name", "kind", "source_kind", "credit_code", "is_active"]
    list_filter = ["kind", "source_kind", "is_active"]
    search_fields = ["code", "name", "credit_code"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    """Django's user admin with the platform's role, department and one-time-password flag.

    Snapshots exclude the password hash (`USER_FIELDS`) so the audit log never holds it. A
    password typed here for a new account is one-time, and a password change is sent to the
    staff page's audited reset (a generated one-time password): no administrator sets a
    colleague's lasting password.
    """

    audit_fields = [*USER_FIELDS, "must_change_password", "is_staff"]
    list_display = ["username", "first_name", "department", "role", "is_active",
                    "must_change_password", "last_login"]
    list_filter = ["role", "department", "is_active", "must_change_password"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ("department", "role", "must_change_password")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Platform"), {"fields": ("department", "role", "must_change_password")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def user_change_password(self, request: HttpRequest, id: str,  # noqa: A002 - Django's name
                             form_url: str = "") -> HttpResponse:
        return redirect("staff_edit", pk=int(id))

from accounts import admin_api_tokens  # noqa: E402, F401  (registers the API token admin)
