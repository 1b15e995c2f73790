"""The dashboard's filter form and the report form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Department
from common.forms import LenientDateField
from monitoring.models import Report
from monitoring.selectors import Filters, month_start
from subjects.models import Category


class MonthField(forms.CharField):
    """A month as YYYY-MM (what `<input type="month">` sends); cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})

    def to_python(self, value: str | None) -> dt.date | None:  # type: ignore[override]
        value = (value or "").strip()
        if not value:
            return None
        try:
            year, month = value.replace("/", "-").split("-")[:2]
            return dt.date(int(year), int(month), 1)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(_("Enter a month as 2026-01.")) from exc


class FilterForm(forms.Form):
    month_from = MonthField(label=_("From month"), required=False)
    month_to = MonthField(label=_("Until month"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.order_by("code"),
        empty_label=_("All departments"))
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All categories")), *Category.choices])
    as_of = LenientDateField(label=pgettext_lazy("statistics", "As of"), required=False)

    def filters(self) -> Filters:
        """The cleaned filters (an invalid form filters nothing)."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            month_from=data.get("month_from"), month_to=data.get("month_to"),
            department_id=data["department"].pk if data.get("department") else None,
            category=data.get("category") or None, as_of=data.get("as_of"),
        )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("report kind", "Kind"),
                             choices=Report.Kind.choices)
    period = LenientDateField(
        label=_("A day in the period"),
        help_text=_("The month or quarter that contains this day is reported."))

    def clean_period(self) -> dt.date:
        return month_start(self.cleaned_data["period"])
