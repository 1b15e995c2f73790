"""Catalogue administration: matters with materials, measures, rule sets, parameters.

A published rule set is shown read-only: a change is a new version (checks name the version
they used). Checks and commitments are never edited here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from approvals.models import (
    Commitment,
    CreditCheck,
    LicenceDecision,
    Matter,
    MatterMaterial,
    Measure,
    Parameter,
    Rule,
    RuleSet,
    RuleSetStatus,
)


class MaterialInline(admin.TabularInline):
    model = MatterMaterial
    extra = 0


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "promised_days", "allows_commitment",
                    "commitment_days", "is_active"]
    list_filter = ["kind", "allows_commitment", "is_active"]
    inlines = [MaterialInline]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    filter_horizontal = ["cancels"]


class RuleInline(admin.StackedInline):
    model = Rule
    extra = 0
    filter_horizontal = ["matters", "measures"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == RuleSetStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == RuleSetStatus.DRAFT

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == RuleSetStatus.DRAFT


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name", "status", "effective_from"]
    inlines = [RuleInline]


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ["code", "value", "note"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ["number", "subject", "matter", "department", "via", "checked_at", "grade"]
    list_filter = ["via", "department"]
    search_fields = ["number"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["credit_check", "subject", "matter", "deadline", "state"]
    list_filter = ["state"]


@admin.register(LicenceDecision)
class LicenceDecisionAdmin(ReadOnlyAdmin):
    """Read-only: a licence decision is recorded, corrected and revoked on the check page,
    through the services that audit each write."""

    list_display = ["document_number", "version", "credit_check", "outcome", "decided_on",
                    "valid_until", "state"]
    list_filter = ["state", "outcome", "category"]
    search_fields = ["document_number", "credit_check__number"]
