"""Forms of the approvals pages: they parse input only; every rule lives in approvals.services.

Every text field takes the shared limits (`common.forms.CleanCharField`, `common.limits`), as the
records forms do: invisible and bidirectional control characters are stripped (from a code or a
certificate number before it is looked up), lengths are bounded and dates plausible."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals.models import CreditCheck, Matter
from common.forms import CleanCharField, LenientDateField
from common.limits import COMMENT


class CheckForm(forms.Form):
    q = CleanCharField(
        label=_("Code or name"), max_length=200,
        help_text=_("Whole unified social credit code or ID number, or a current or former "
                    "name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    matter = forms.ChoiceField(label=_("Matter"))
    subject = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", _("Choose the matter applied for"))] + [
            (m.code, m.name) for m in Matter.objects.filter(is_active=True)]


class CommitmentForm(forms.Form):
    missing = forms.MultipleChoiceField(label=_("Missing materials"),
                                        widget=forms.CheckboxSelectMultiple)
    signer = CleanCharField(label=_("Signed by"), max_length=100,
                             help_text=_("Legal representative or authorised agent who signed."))
    deadline = LenientDateField(label=_("Supply materials by"))
    scan = forms.FileField(label=_("Signed commitment (scan)"),
                           help_text=_("PDF, OFD, PNG or JPEG."))

    def __init__(self, *args: Any, check: CreditCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [
            (m.code, f"{m.name}（{m.why_optional}）" if m.why_optional else m.name)
            for m in check.matter.materials.all() if not m.essential]


class FulfilForm(forms.Form):
    supplied_on = LenientDateField(label=_("Materials supplied on"))
    note = CleanCharField(label=pgettext_lazy("remark", "Note"), required=False,
                          max_length=1000, multiline=True,
                          widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    """One yes/no and one reason per measure the check listed."""

    note = CleanCharField(label=pgettext_lazy("remark", "Note"), required=False,
                          max_length=COMMENT, multiline=True,
                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, check: CreditCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: list[str] = []
        for m in check.measures.all():
            self.codes.append(m.code)
            self.fields[f"applied_{m.code}"] = forms.ChoiceField(
                label=m.name, widget=forms.RadioSelect,
                choices=[("yes", _("Applied")), ("no", _("Not applied"))])
            self.fields[f"reason_{m.code}"] = CleanCharField(
                label=_("Reason not applied"), required=False, max_length=1000)

    def decisions(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {c: (data.get(f"applied_{c}") == "yes", data.get(f"reason_{c}", ""))
                for c in self.codes}

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"applied_{c}"], self[f"reason_{c}"]) for c in self.codes]


class VerifyForm(forms.Form):
    number = CleanCharField(label=_("Certificate number"), max_length=24)
