"""Forms of the subject pages: they parse input only; every rule lives in subjects.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import CleanCharField, LenientDateField
from subjects.masking import mask_subject
from subjects.models import Category, Subject
from subjects.qualifications import catalogue, names_for


def _max(field: str) -> int:
    """The column's own length: the form, the API schema and the database agree."""
    return Subject._meta.get_field(field).max_length


ENTERPRISE_CATEGORIES = [c for c in Category.choices if c[0] != Category.PRACTITIONER]


def qualifications_choices() -> list[tuple[str, Any]]:
    """The qualification catalogue grouped by category (never free text: a model may score it)."""
    labels = dict(Category.choices)
    return [("", _("None")), *[
        (labels.get(category, category), [(name, name) for name in names_for(category)])
        for category in catalogue() if names_for(category)]]


class SubjectSearchForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )


class _SubjectDetailsForm(forms.Form):
    """Fields shared by registration and editing."""

    name = CleanCharField(label=_("Name"), max_length=_max("name"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    legal_representative = CleanCharField(
        label=_("Legal representative"), max_length=_max("legal_representative"), required=False
    )
    address = CleanCharField(label=_("Address"), max_length=_max("address"), required=False)
    contact_phone = CleanCharField(label=_("Contact phone"), max_length=_max("contact_phone"),
                                   required=False)
    qualification = forms.ChoiceField(
        label=_("Qualification"), required=False, choices=qualifications_choices,
        help_text=_("From the qualification catalogue of the subject's category."))
    established_on = LenientDateField(label=_("Established / registered on"), required=False)
    employer_code = CleanCharField(
        label=_("Employer's credit code"), max_length=64, required=False,
        help_text=_("For practitioners: the unified social credit code of their employer."),
    )


class SubjectCreateForm(_SubjectDetailsForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Subject.Kind.choices, widget=forms.RadioSelect,
        initial=Subject.Kind.ENTERPRISE,
    )
    code = CleanCharField(
        label=_("Code"), max_length=64,
        help_text=_("Unified social credit code (enterprises) or resident ID number "
                    "(individuals), 18 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "class": "mono", "data-code-check": "1"}),
    )
    field_order = ["kind", "code", "name", "category"]


class SubjectEditForm(_SubjectDetailsForm):
    status = forms.ChoiceField(label=_("Status"), choices=Subject.Status.choices)
    field_order = ["name", "category", "status"]

    def __init__(self, *args: Any, subject: Subject, unmask: bool = True,
                 **kwargs: Any) -> None:
        # Someone who may not see personal data in full edits it masked: the masked value,
        # sent back unchanged, is not a change (`changed_data` compares with the initial).
        shown = ({"address": subject.address, "contact_phone": subject.contact_phone}
                 if unmask else mask_subject(subject))
        kwargs.setdefault("initial", {
            "name": subject.name, "category": subject.category, "status": subject.status,
            "legal_representative": subject.legal_representative, "address": shown["address"],
            "contact_phone": shown["contact_phone"], "qualification": subject.qualification,
            "established_on": subject.established_on,
            "employer_code": subject.employer.code if subject.employer else "",
        })
        super().__init__(*args, **kwargs)
        if subject.qualification and subject.qualification not in names_for(subject.category):
            self.fields["qualification"].choices = [  # kept as it was until someone re-chooses
                (subject.qualification, _("%(q)s (not in the catalogue)")
                 % {"q": subject.qualification}), *qualifications_choices()]
        if subject.kind == Subject.Kind.ENTERPRISE:
            self.fields["category"].choices = ENTERPRISE_CATEGORIES
            del self.fields["employer_code"]
        else:
            self.fields["category"].choices = [
                c for c in Category.choices if c[0] == Category.PRACTITIONER
            ]
