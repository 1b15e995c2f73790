"""Forms of the staff-management pages and the second-factor pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Role
from common.forms import CleanCharField


class StaffForm(forms.Form):
    """An account's role, department, name and whether it may sign in."""

    full_name = CleanCharField(label=_("Full name"), max_length=150)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)


class StaffCreateForm(StaffForm):
    username = forms.RegexField(
        label=_("User name"), max_length=150, regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")})

    field_order = ["username", "full_name", "department", "role"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("Code from your authenticator app"), regex=r"^\s*\d{6}\s*$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")})
