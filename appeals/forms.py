"""Forms of /my/ and of the staff queues; the services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import CleanCharField
from lists.models import Objection

TEXT = forms.Textarea(attrs={"rows": 4})


class RegisterForm(forms.Form):
    subject_code = CleanCharField(label=_("Unified social credit code"), max_length=18)
    contact_name = CleanCharField(label=_("Contact person"), max_length=100)
    contact_phone = CleanCharField(label=_("Contact phone"), max_length=30)
    username = CleanCharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ObjectionForm(forms.Form):
    ground = forms.ChoiceField(label=_("Objection ground"), choices=Objection.Ground.choices)
    reasons = CleanCharField(label=_("Reasons"), widget=TEXT, multiline=True)
    evidence = MultipleFileField(label=_("Evidence files (PDF, OFD, PNG, JPEG)"), required=False)


class RepairForm(forms.Form):
    proof = CleanCharField(label=_("Proof that the obligations are fulfilled"), widget=TEXT,
                           multiline=True)
    commitment = CleanCharField(label=_("Credit repair commitment (信用修复承诺书)"), widget=TEXT,
                                multiline=True)


class CommitmentForm(forms.Form):
    signer = CleanCharField(label=_("Signed by (name and position)"), max_length=100)
    accept = forms.BooleanField(label=_("I have read the commitment and sign it for the "
                                        "enterprise"), required=False)


class AnswerForm(forms.Form):
    accept = forms.ChoiceField(label=_("Accept the objection?"), widget=forms.RadioSelect,
                               choices=[("yes", _("Yes")), ("no", _("No"))])
    answer = CleanCharField(label=_("Answer and reasons"), widget=TEXT, multiline=True)
    corrected_description = CleanCharField(
        label=_("Corrected description of the record (leave empty to revoke the record)"),
        widget=TEXT, multiline=True, required=False)


class AccountDecisionForm(forms.Form):
    verify = forms.ChoiceField(label=_("Verify the account?"), widget=forms.RadioSelect,
                               choices=[("yes", _("Yes")), ("no", _("No"))])
    reason = CleanCharField(label=_("Reason"), required=False)
