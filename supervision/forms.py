"""Workbench forms of classified supervision. They only parse input; every rule is checked in
`supervision.services`, whose refusals the views put back under the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Department
from common import clock
from common.forms import LenientDateField
from subjects.identifiers import normalise
from subjects.models import Category, Subject
from supervision.models import ConflictRule, Incentive, Inspector, InspectorPool, Restriction
from supervision.services import DEFAULT_INSPECTORS_PER_SUBJECT, MAX_INSPECTORS_PER_SUBJECT


class DrawForm(forms.Form):
    name = forms.CharField(label=_("Plan name"), max_length=200, required=False,
                           help_text=_("Leave empty for a name from category and period."))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    date_from = LenientDateField(label=_("Inspection from"))
    date_to = LenientDateField(label=_("Inspection until"))
    inspectors_per_subject = forms.IntegerField(
        label=_("Inspectors per subject"), min_value=1, max_value=MAX_INSPECTORS_PER_SUBJECT,
        initial=DEFAULT_INSPECTORS_PER_SUBJECT)
    pool = forms.ModelChoiceField(
        label=_("Inspector pool"), queryset=InspectorPool.objects.filter(is_active=True),
        required=False, empty_label=_("All active pools"))
    seed = forms.IntegerField(
        label=_("Random seed"), required=False, min_value=0,
        help_text=_("Leave empty: the platform draws a random seed and records it. Give one only "
                    "to re-run a draw announced in advance."))
    as_of = LenientDateField(label=_("Grades as of"), required=False,
                              help_text=_("Leave empty for the current grades."))
    internal_note = forms.CharField(label=_("Internal note"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    public_note = forms.CharField(
        label=_("Public note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the published plan, e.g. the legal basis and contact."))


class ResultForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", _("No problem found")), ("0", _("Failed: problems found"))])
    document_number = forms.CharField(label=_("Document number"), max_length=100)
    decided_on = LenientDateField(label=_("Inspection concluded on"))
    occurred_on = LenientDateField(label=_("Inspected on"), required=False,
                                   help_text=_("Leave empty if the same day."))
    description = forms.CharField(label=_("Findings"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = clock.today()


class MeasureForm(forms.Form):
    inspection_per_year = forms.IntegerField(label=_("Inspections per year"), min_value=0,
                                             max_value=366)
    sampling_ratio = forms.DecimalField(label=_("Sampling ratio"), min_value=0, max_value=1,
                                        max_digits=5, decimal_places=4)
    incentives = forms.MultipleChoiceField(label=_("Incentives"), choices=Incentive.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    restrictions = forms.MultipleChoiceField(label=_("Restrictions"), required=False,
                                             choices=Restriction.choices,
                                             widget=forms.CheckboxSelectMultiple)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Pool name"), max_length=100)


class InspectorForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=InspectorPool.objects.all())
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True), required=False)
    unit_name = forms.CharField(label=_("Unit (if not a department)"), max_length=100,
                                required=False)
    badge_number = forms.CharField(label=_("Enforcement badge number"), max_length=40,
                                   required=False)


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("avoidance rule", "Kind"),
                             choices=ConflictRule.Kind.choices)
    subject_code = forms.CharField(label=_("Subject code"), max_length=30)
    unit_name = forms.CharField(label=_("Unit that must not inspect"), max_length=100,
                                required=False)
    inspector = forms.ModelChoiceField(label=_("Inspector who must not inspect"),
                                       queryset=Inspector.objects.filter(is_active=True),
                                       required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def clean_subject_code(self) -> Subject:
        code = normalise(self.cleaned_data["subject_code"])
        subject = Subject.objects.filter(code=code).first()
        if subject is None:
            raise forms.ValidationError(_("No subject has this code."))
        return subject


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
