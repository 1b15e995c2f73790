"""Forms of the staff-management pages and the second-factor pages."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Role
from accounts.services import checked_credit_code
from common.errors import ValidationFailed
from common.forms import CleanCharField


class DepartmentForm(forms.ModelForm):
    """A department as administrators edit it (the admin's 部门 page): its credit code is typed
    or pasted as it comes (spaces, lower case, full-width characters) and stored normalised,
    or refused with the GB 32100 check's own message."""

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "source_kind", "credit_code", "is_active"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # a pasted code may carry spaces or full-width characters: the 18-character limit
        # applies to the normalised code (`clean_credit_code`), not to what was typed
        field = self.fields["credit_code"]
        field.max_length = 64
        field.validators = [v for v in field.validators
                            if not isinstance(v, MaxLengthValidator)]
        field.widget.attrs["maxlength"] = "64"

    def clean_credit_code(self) -> str:
        try:
            return checked_credit_code(self.cleaned_data.get("credit_code") or "")
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None


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
        # enterprise accounts come from the enterprise's registration (`user_create` refuses)
        self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.ENTERPRISE]


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("Code from your authenticator app"), regex=r"^\s*\d{6}\s*$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")})
