"""Administrators edit the data the list rules read: grounds, red-list criteria, county
parameters."""

from django.contrib import admin

from lists.models import BlacklistGround, ProcedureSetting, RedListCriterion
from lists.rules import DEFAULTS


@admin.register(BlacklistGround)
class BlacklistGroundAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "record_type_codes", "min_records", "window_months",
                    "is_active")
    list_filter = ("is_active",)


@admin.register(RedListCriterion)
class RedListCriterionAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "top_grade", "consecutive_batches", "clean_months",
                    "is_active")
    list_filter = ("category", "is_active")


@admin.register(ProcedureSetting)
class ProcedureSettingAdmin(admin.ModelAdmin):
    """Overrides of the procedural numbers no national rule fixes; the help text lists the
    defaults."""

    list_display = ("code", "value", "note", "updated_at")

    def get_form(self, request, obj=None, **kwargs):  # noqa: ANN001, ANN201
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["code"].help_text = "; ".join(
            f"{code} = {p.default} {p.unit}" for code, p in DEFAULTS.items())
        return form
