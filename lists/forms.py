"""Workbench forms: they parse input only; every rule is checked again by the services.

Every text field takes the shared limits (`common.limits`, `common.forms.CleanCharField`), as the
records forms do: invisible and bidirectional control characters (U+202E, U+200B, …) are
stripped (a code before it is looked up), free text is at most `LONG_TEXT` characters (a comment
or a reason `COMMENT`), one-line values at most their column's length; dates are plausible
(`LenientDateField`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common import clock
from common.forms import CleanCharField, LenientDateField
from common.limits import COMMENT, LONG_TEXT
from lists.models import BlacklistGround, Commendation, IndustrySanction, Objection, TypicalCase
from records.models import CreditRecord, RecordState
from subjects.models import Subject


def _text(label: Any, *, limit: int = LONG_TEXT, required: bool = True, rows: int = 3,
          **kwargs: Any) -> CleanCharField:
    """A free-text field (facts, reasons, a statement): lines kept, controls stripped, at most
    `limit` characters."""
    return CleanCharField(label=label, multiline=True, max_length=limit, required=required,
                          widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _line(label: Any, *, max_length: int, required: bool = True, **kwargs: Any
          ) -> CleanCharField:
    """A one-line value (a name, a document number, codes): controls and line breaks removed."""
    return CleanCharField(label=label, max_length=max_length, required=required, **kwargs)


class SubjectPickForm(forms.Form):
    code = _line(_("Subject code (USCC or ID number)"), max_length=18)

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
    facts = _text(_("Facts and reason"))

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
    statement = _text(_("Statement and defence"), required=False)
    final = forms.BooleanField(label=_("The subject has finished (or waives) its statement"),
                               required=False)


class BlackDecideForm(forms.Form):
    decision_number = _line(_("Decision document number"), max_length=100)
    legal_basis = _text(_("Legal basis"))
    reasons = _text(_("Reasons"))
    measures = _text(_("Punishment measures"), required=False)
    decided_on = LenientDateField(label=_("Decided on"), required=False)


class ReasonsForm(forms.Form):
    reasons = _text(_("Reasons"))


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), limit=COMMENT)


class CommentForm(forms.Form):
    comment = _text(_("Comment"), limit=COMMENT, required=False)


class ObjectionForm(forms.Form):
    objector = _line(_("Objector"), max_length=200)
    ground = forms.ChoiceField(label=_("Ground"), choices=Objection.Ground.choices,
                               initial=Objection.Ground.FACTS, required=False)
    grounds = _text(_("Grounds of the objection"))
    new_evidence = _text(
        _("New evidence"), required=False,
        help_text=_("Required when an objection on the same ground was already answered."))

    def clean_ground(self) -> str:
        return self.cleaned_data.get("ground") or Objection.Ground.OTHER


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ObjectionAnswerForm(forms.Form):
    upheld = forms.ChoiceField(label=_("Is the objection upheld?"), choices=YES_NO,
                               widget=forms.RadioSelect)
    reply = _text(_("Reply and reasons"))


class RepairRequestForm(forms.Form):
    proof = _text(_("Proof that the obligations are fulfilled"))
    commitment = _text(_("Credit repair commitment (信用修复承诺书)"))


class RepairDecideForm(forms.Form):
    approve = forms.ChoiceField(label=_("Remove the entry through credit repair?"),
                                choices=YES_NO, widget=forms.RadioSelect)
    reasons = _text(_("Reasons"))


class RecordRepairDecideForm(forms.Form):
    approve = forms.ChoiceField(label=_("End the record's publicity through credit repair?"),
                                choices=YES_NO, widget=forms.RadioSelect)
    reasons = _text(_("Reasons"))


class BreachForm(forms.Form):
    facts = _text(_("Facts of the breach"))
    document_number = _line(_("Document number"), max_length=100)


class RedNominateForm(forms.Form):
    reasons = _text(_("Reasons for the nomination"))


class RedReviewForm(forms.Form):
    admit = forms.ChoiceField(label=_("Admit to publicity?"), choices=YES_NO,
                              widget=forms.RadioSelect)
    comment = _text(_("Comment"), limit=COMMENT, required=False)


class RedDecideForm(forms.Form):
    commend = forms.ChoiceField(label=_("Commend?"), choices=YES_NO, widget=forms.RadioSelect)
    commendation = forms.ChoiceField(label=_("Commendation"),
                                     choices=[("", "—"), *Commendation.choices], required=False)
    commendation_text = _text(_("Commendation text"), required=False)
    decision_number = _line(_("Decision document number"), max_length=100, required=False)
    reasons = _text(_("Reasons (if not commended)"), required=False)


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sanction"), choices=IndustrySanction.Kind.choices)
    scope = forms.ChoiceField(label=_("Scope of publication"),
                              choices=IndustrySanction.Scope.choices)
    grounds = _text(_("Grounds"))
    legal_basis = _text(_("Legal basis"))
    document_number = _line(_("Document number"), max_length=100)
    occurred_on = LenientDateField(label=_("Occurred on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = clock.today()


class CaseForm(forms.Form):
    title = _line(_("Title"), max_length=200)
    kind = forms.ChoiceField(label=pgettext_lazy("typical case", "Kind"),
                             choices=TypicalCase.Kind.choices)
    body = _text(_("Text"), rows=10)
    subject_codes = _line(
        _("Subject codes"), max_length=COMMENT,
        help_text=_("One or more codes, separated by spaces."))
    record_numbers = _line(
        _("Record document numbers"), max_length=COMMENT, required=False,
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
