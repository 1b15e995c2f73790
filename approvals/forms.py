"""Forms of the approvals pages: they parse input only; every rule lives in approvals.services.

Every text field takes the shared limits (`common.forms.CleanCharField`, `common.limits`), as the
records forms do: invisible and bidirectional control characters are stripped (from a code or a
certificate number before it is looked up), lengths are bounded and dates plausible."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals.models import (
    CreditCheck,
    LicenceCategory,
    LicenceDecision,
    LicenceOutcome,
    Matter,
    MatterKind,
)
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


LICENCE_FIELD_NAMES = ("outcome", "document_number", "decided_on", "valid_from", "valid_until",
                       "category", "content", "certificate_name", "certificate_number")


def licence_fields(*, matter: Matter) -> dict[str, forms.Field]:
    """The licence decision's fields (the same on the feedback form and the correction form);
    the service (`approvals.services.licence_problem`) decides what is required when."""
    return {
        "outcome": forms.ChoiceField(label=_("Licence decision"), widget=forms.RadioSelect,
                                     choices=LicenceOutcome.choices),
        "document_number": CleanCharField(
            label=_("Licence decision document number"), max_length=100,
            help_text=_("The number of the licence decision document.")),
        "decided_on": LenientDateField(label=_("Decision date")),
        "valid_from": LenientDateField(label=_("Valid from"), required=False,
                                       help_text=_("Granted licences only.")),
        "valid_until": LenientDateField(
            label=_("Valid until"), required=False,
            help_text=_("Leave empty for a licence without expiry.")),
        "category": forms.ChoiceField(label=_("Licence category"), required=False,
                                      choices=[("", "—"), *LicenceCategory.choices]),
        "content": CleanCharField(label=_("Licence content"), required=False,
                                  max_length=COMMENT, multiline=True, initial=matter.name,
                                  widget=forms.Textarea(attrs={"rows": 2})),
        "certificate_name": CleanCharField(label=_("Licence certificate"), required=False,
                                           max_length=200),
        "certificate_number": CleanCharField(label=_("Licence number"), required=False,
                                             max_length=100),
    }


class FeedbackForm(forms.Form):
    """One yes/no and one reason per measure the check listed; for a licence matter, the
    licence decision as well."""

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
        self.is_licence = check.matter.kind == MatterKind.LICENCE
        if self.is_licence:
            self.fields.update(licence_fields(matter=check.matter))

    def decisions(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {c: (data.get(f"applied_{c}") == "yes", data.get(f"reason_{c}", ""))
                for c in self.codes}

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"applied_{c}"], self[f"reason_{c}"]) for c in self.codes]

    def licence(self) -> dict[str, Any] | None:
        """The licence decision as `feedback_record` takes it; None for other matters."""
        if not self.is_licence:
            return None
        return {name: self.cleaned_data.get(name) for name in LICENCE_FIELD_NAMES}

    def licence_rows(self) -> list[Any]:
        return [self[name] for name in LICENCE_FIELD_NAMES] if self.is_licence else []


#: The check page shows the correction and the revocation form together (and both have a
#: `reason`): each form's own `auto_id` keeps every HTML id on the page unique (the field
#: names, and so the POST data, stay as they are).
LICENCE_CORRECT_AUTO_ID = "id_licence_correct_%s"
LICENCE_REVOKE_AUTO_ID = "id_licence_revoke_%s"


class LicenceCorrectionForm(forms.Form):
    """The licence decision's fields, filled with the version in force, and the reason."""

    def __init__(self, *args: Any, decision: LicenceDecision, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(decision, name)
                                      for name in LICENCE_FIELD_NAMES})
        kwargs.setdefault("auto_id", LICENCE_CORRECT_AUTO_ID)
        super().__init__(*args, **kwargs)
        self.fields.update(licence_fields(matter=decision.credit_check.matter))
        self.fields["outcome"].disabled = True
        self.fields["reason"] = CleanCharField(label=_("Reason for the correction"),
                                               max_length=COMMENT, multiline=True,
                                               widget=forms.Textarea(attrs={"rows": 2}))

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in LICENCE_FIELD_NAMES}

    def licence_rows(self) -> list[Any]:
        return [self[name] for name in LICENCE_FIELD_NAMES]


class LicenceRevokeForm(forms.Form):
    """The reason for revoking the licence decision in force (its ids apart from the
    correction form's on the same page)."""

    reason = CleanCharField(label=_("Reason for the revocation"), max_length=COMMENT,
                            multiline=True, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", LICENCE_REVOKE_AUTO_ID)
        super().__init__(*args, **kwargs)


class VerifyForm(forms.Form):
    number = CleanCharField(label=_("Certificate number"), max_length=24)
