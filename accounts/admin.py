"""Departments and staff accounts in the Django admin, with role and department in view."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from accounts.services import USER_FIELDS
from audit.admin import AuditedModelAdmin


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    """Django's user admin with the platform's role, department and one-time-password flag.

    Snapshots exclude the password hash (`USER_FIELDS`) so the audit log never holds it.
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


from accounts import admin_api_tokens  # noqa: E402, F401  (registers the API token admin)
