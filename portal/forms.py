"""The staff's report form: the date a credit report is issued as of."""

from __future__ import annotations

from django import forms
from django.utils.translation import pgettext_lazy

from common.forms import LenientDateField


class ReportForm(forms.Form):
    as_of = LenientDateField(label=pgettext_lazy("public site", "As of"), required=False)
