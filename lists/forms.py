"""Workbench forms: they parse input only; every rule is checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common import clock
from common.forms import LenientDateField
from lists.models import BlacklistGround, Commendation, IndustrySanction, Objection, TypicalCase
from records.models import CreditRecord, RecordState
from subjects.models import Subject

TEXT = forms.Textarea(attrs={"rows": 3})


class SubjectPickForm(forms.Form):
    code = forms.CharField(label=_("Subject code (USCC or ID number)"), max_length=18)

    def clean_code(self) -> Subject:
        code = self.cleaned_data["code"].strip().upper()
        subject = Subject.objects.filter(code=code).first()
        if subject is None:
            raise forms.ValidationError(_("No subject is registered with this code."))
        return subject


class BlackProposeForm(forms.Form):
    ground = forms.ModelChoiceField(label=_("Ground"),
                                    queryset=BlacklistGround.objects.filter(is_active=True))
    records = forms.ModelMultipleChoiceField(
        label=_("Effective records that prove it"), queryset=CreditRecord.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False)
    facts = forms.CharField(label=_("Facts and reason"), widget=TEXT)

    def __init__(self, *args: Any, subject: Subject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer every bad record of the subject; the service says why one does not prove it.
        self.fields["records"].queryset = (
            CreditRecord.objects.filter(subject=subject, record_type__polarity="bad")
            .exclude(state__in=[RecordState.DRAFT, RecordState.REJECTED])
            .select_related("record_type").order_by("-decided_on")
        )
        self.fields["records"].label_from_instance = lambda r: (
            f"{r.document_number} · {r.record_type.name} · {r.decided_on} · "
            f"{r.get_state_display()}")


class EmptyForm(forms.Form):
    pass


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("Statement and defence"), widget=TEXT, required=False)
    final = forms.BooleanField(label=_("The subject has finished (or waives) its statement"),
                               required=False)


class BlackDecideForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision document number"), max_length=100)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=TEXT)
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)
    measures = forms.CharField(label=_("Punishment measures"), widget=TEXT, required=False)
    decided_on = LenientDateField(label=_("Decided on"), required=False)


class ReasonsForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=TEXT, required=False)


class ObjectionForm(forms.Form):
    objector = forms.CharField(label=_("Objector"), max_length=200)
    ground = forms.ChoiceField(label=_("Ground"), choices=Objection.Ground.choices,
                               initial=Objection.Ground.FACTS, required=False)
    grounds = forms.CharField(label=_("Grounds of the objection"), widget=TEXT)
    new_evidence = forms.CharField(
        label=_("New evidence"), widget=TEXT, required=False,
        help_text=_("Required when an objection on the same ground was already answered."))

    def clean_ground(self) -> str:
        return self.cleaned_data.get("ground") or Objection.Ground.OTHER


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ObjectionAnswerForm(forms.Form):
    upheld = forms.ChoiceField(label=_("Is the objection upheld?"), choices=YES_NO,
                               widget=forms.RadioSelect)
    reply = forms.CharField(label=_("Reply and reasons"), widget=TEXT)


class RepairRequestForm(forms.Form):
    proof = forms.CharField(label=_("Proof that the obligations are fulfilled"), widget=TEXT)
    commitment = forms.CharField(label=_("Credit repair commitment (信用修复承诺书)"),
                                 widget=TEXT)


class RepairDecideForm(forms.Form):
    approve = forms.ChoiceField(label=_("Remove the entry through credit repair?"),
                                choices=YES_NO, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)


class RecordRepairDecideForm(forms.Form):
    approve = forms.ChoiceField(label=_("End the record's publicity through credit repair?"),
                                choices=YES_NO, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)


class BreachForm(forms.Form):
    facts = forms.CharField(label=_("Facts of the breach"), widget=TEXT)
    document_number = forms.CharField(label=_("Document number"), max_length=100)


class RedNominateForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons for the nomination"), widget=TEXT)


class RedReviewForm(forms.Form):
    admit = forms.ChoiceField(label=_("Admit to publicity?"), choices=YES_NO,
                              widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), widget=TEXT, required=False)


class RedDecideForm(forms.Form):
    commend = forms.ChoiceField(label=_("Commend?"), choices=YES_NO, widget=forms.RadioSelect)
    commendation = forms.ChoiceField(label=_("Commendation"),
                                     choices=[("", "—"), *Commendation.choices], required=False)
    commendation_text = forms.CharField(label=_("Commendation text"), widget=TEXT,
                                        required=False)
    decision_number = forms.CharField(label=_("Decision document number"), max_length=100,
                                      required=False)
    reasons = forms.CharField(label=_("Reasons (if not commended)"), widget=TEXT,
                              required=False)


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sanction"), choices=IndustrySanction.Kind.choices)
    scope = forms.ChoiceField(label=_("Scope of publication"),
                              choices=IndustrySanction.Scope.choices)
    grounds = forms.CharField(label=_("Grounds"), widget=TEXT)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=TEXT)
    document_number = forms.CharField(label=_("Document number"), max_length=100)
    occurred_on = LenientDateField(label=_("Occurred on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = clock.today()


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=pgettext_lazy("typical case", "Kind"),
                             choices=TypicalCase.Kind.choices)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    subject_codes = forms.CharField(
        label=_("Subject codes"), help_text=_("One or more codes, separated by spaces."))
    record_numbers = forms.CharField(
        label=_("Record document numbers"), required=False,
        help_text=_("Optional; records of the subjects above, separated by spaces."))

    def clean_subject_codes(self) -> list[Subject]:
        codes = [c.strip().upper() for c in self.cleaned_data["subject_codes"].split() if c]
        subjects = list(Subject.objects.filter(code__in=codes))
        missing = set(codes) - {s.code for s in subjects}
        if missing or not subjects:
            raise forms.ValidationError(_("Unknown subject codes: %(c)s")
                                        % {"c": " ".join(sorted(missing)) or "—"})
        return subjects

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        numbers = (data.get("record_numbers") or "").split()
        subjects = data.get("subject_codes") or []
        records = list(CreditRecord.objects.filter(document_number__in=numbers,
                                                   subject__in=subjects,
                                                   state=RecordState.EFFECTIVE))
        if len({r.document_number for r in records}) < len(set(numbers)):
            self.add_error("record_numbers",
                           _("Some numbers are not effective records of these subjects."))
        data["records"] = records
        return data
