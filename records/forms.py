"""Forms of the record pages: parsing and choices only; every rule lives in records.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Role, User
from common.forms import AmountField, CleanCharField, LenientDateField
from common.limits import COMMENT, LONG_TEXT
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from records.selectors import active_record_types
from records.services import CONTENT_FIELDS
from subjects.models import Subject


def _max(field: str) -> int:
    """The column's own length: the form, the API schema and the database agree."""
    return CreditRecord._meta.get_field(field).max_length


PUBLIC_CHOICES = [("", _("As the catalogue says")), ("yes", _("Yes")), ("no", _("No"))]


def record_type_choices(extra: RecordType | None = None) -> list[tuple[str, Any]]:
    """Active catalogue entries grouped under their polarity (bad first, as entered most)."""
    types = list(active_record_types())
    if extra is not None and extra not in types:  # a correction of a now-retired type
        types.append(extra)
    groups: list[tuple[str, Any]] = [("", "---------")]
    for polarity in (Polarity.BAD, Polarity.GOOD):
        options = []
        for t in types:
            if t.polarity == polarity:
                severity = f" · {t.get_severity_display()}" if t.severity else ""
                options.append((str(t.pk), f"{t.name}{severity}"))
        if options:
            groups.append((str(polarity.label), options))
    return groups


class RecordForm(forms.Form):
    """Entry of a new record or edit of a draft.

    Clerks enter for their own department only, so for them the source department is not a
    field at all (the service takes the actor's department).
    """

    record_type = forms.TypedChoiceField(label=_("Record type"), coerce=int)
    occurred_on = LenientDateField(label=_("Occurred on"))
    decided_on = LenientDateField(label=_("Decided on"))
    document_number = CleanCharField(label=_("Document number"), max_length=_max("document_number"))
    source_department = forms.ModelChoiceField(
        label=_("Source department"), queryset=Department.objects.filter(is_active=True)
    )
    description = CleanCharField(label=_("Description"), required=False, multiline=True,
                                 max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    amount = AmountField(label=_("Amount (yuan)"), required=False)
    level = CleanCharField(label=_("Level"), max_length=_max("level"), required=False)
    publicity_months = forms.IntegerField(
        label=_("Publicity period (months)"), required=False, min_value=0, max_value=120,
        help_text=_("Fixed by the finding authority within the legal range; empty = the "
                    "catalogue's default for the type (建市〔2017〕241号 第十条)."))
    penalty_months = forms.IntegerField(
        label=_("The penalty's own period (months)"), required=False, min_value=0,
        max_value=120, help_text=_("E.g. a suspension: the publicity is never shorter."))
    internal_note = CleanCharField(
        label=_("Internal note"), required=False, multiline=True, max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Never disclosed."),
    )
    is_public = forms.ChoiceField(label=_("Disclose publicly"), required=False,
                                  choices=PUBLIC_CHOICES)
    file = forms.FileField(
        label=_("Evidence file"), required=False,
        help_text=_("PDF, OFD, PNG or JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.ofd,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, user: User, record: CreditRecord | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices(
            record.record_type if record else None
        )
        if user.role == Role.CLERK or record is not None:
            del self.fields["source_department"]  # own department, or fixed once entered
        else:
            self.fields["source_department"].initial = user.department_id

    def record_type_obj(self) -> RecordType:
        return RecordType.objects.get(pk=self.cleaned_data["record_type"])

    def public_flag(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("is_public") or "")

    def content(self, *, only_changed: bool = False) -> dict[str, Any]:
        """Cleaned values as the services name them (`CONTENT_FIELDS`)."""
        names = [n for n in CONTENT_FIELDS if n in self.fields]
        if only_changed:
            names = [n for n in names if n in self.changed_data]
        values = {n: self.cleaned_data[n] for n in names}
        if "record_type" in values:
            values["record_type"] = self.record_type_obj()
        if "is_public" in values:
            flag = self.public_flag()
            if flag is None:
                del values["is_public"]
            else:
                values["is_public"] = flag
        return values

    @staticmethod
    def initial_from(record: CreditRecord) -> dict[str, Any]:
        initial = {n: getattr(record, n) for n in CONTENT_FIELDS}
        initial["record_type"] = record.record_type_id
        initial["is_public"] = "yes" if record.is_public else "no"
        return initial


class CorrectionForm(RecordForm):
    """A new version of an effective record: same decision (document number), a stated reason."""

    reason = CleanCharField(label=_("Reason for the correction"), multiline=True,
                            max_length=COMMENT, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_number"].disabled = True


class CommentForm(forms.Form):
    comment = CleanCharField(label=_("Comment"), required=False, max_length=COMMENT,
                             multiline=True,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = CleanCharField(label=_("Reason"), required=False, max_length=COMMENT,
                            multiline=True,
                             widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"), help_text=_("PDF, OFD, PNG or JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.ofd,.png,.jpg,.jpeg"}),
    )


AGE_CHOICES = [("", _("Any age")), ("3", _("Waiting 3 days or more")),
               ("7", _("Waiting 7 days or more")), ("15", _("Waiting 15 days or more")),
               ("30", _("Waiting 30 days or more"))]


class ReviewFilterForm(forms.Form):
    """The review queue's filters (GET, so the page, its pager and its exports share them)."""

    department = forms.ModelChoiceField(label=_("Source department"), required=False,
                                        queryset=Department.objects.order_by("code"))
    record_type = forms.ModelChoiceField(label=_("Record type"), required=False,
                                         queryset=RecordType.objects.order_by("code"))
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", "---------"), *Severity.choices])
    source = forms.ChoiceField(label=_("Kind of source"), required=False,
                               choices=[("", "---------"), *Department.Kind.choices])
    age = forms.TypedChoiceField(label=_("Time in queue"), required=False, choices=AGE_CHOICES,
                                 coerce=int, empty_value=None)
    submitted_by = forms.ModelChoiceField(
        label=_("Submitted by"), required=False,
        queryset=User.objects.filter(
            pk__in=CreditRecord.objects.filter(state=RecordState.SUBMITTED)
            .values("submitted_by")).order_by("username"))

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of `records.selectors.review_queue` (invalid ones dropped)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else (
            getattr(self, "cleaned_data", {}))  # an invalid filter is dropped, the rest kept
        return {
            "department": data.get("department"), "record_type": data.get("record_type"),
            "severity": data.get("severity") or "", "source": data.get("source") or "",
            "older_than_days": data.get("age"), "submitted_by": data.get("submitted_by"),
        }


class BatchReviewForm(forms.Form):
    """批量通过 / 批量退回: the ticked records, the decision, one reason for all."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Return"))])
    reason = CleanCharField(label=_("Reason (required to return)"), required=False,
                            max_length=COMMENT, multiline=True,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def ids(self) -> list[int]:
        """The ticked record ids (anything that is not a number is ignored)."""
        return [int(v) for v in self.data.getlist("ids") if str(v).isdigit()][:10_000]


class RecordListFilterForm(forms.Form):
    """The records list's filters (GET: the page, its pager and its exports share them)."""

    subject = forms.ModelChoiceField(queryset=Subject.objects.all(), required=False,
                                     widget=forms.HiddenInput)
    document_number = CleanCharField(label=_("Document number"), required=False,
                                     max_length=_max("document_number"))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", "---------"), *RecordState.choices])
    polarity = forms.ChoiceField(label=_("Polarity"), required=False,
                                 choices=[("", "---------"), *Polarity.choices])
    record_type = forms.ModelChoiceField(label=_("Record type"), required=False,
                                         queryset=RecordType.objects.order_by("code"))
    department = forms.ModelChoiceField(label=_("Source department"), required=False,
                                        queryset=Department.objects.order_by("code"))
    source = forms.ChoiceField(label=_("Kind of source"), required=False,
                               choices=[("", "---------"), *Department.Kind.choices])
    source_kind = forms.ChoiceField(label=_("Type of source"), required=False,
                                    choices=[("", "---------"), *Department.SourceKind.choices])
    decided_from = LenientDateField(label=_("Decided from"), required=False)
    decided_to = LenientDateField(label=_("Decided until"), required=False)

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of `records.selectors.record_list` (invalid ones dropped)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else (
            getattr(self, "cleaned_data", {}))
        return {
            "subject": data.get("subject"), "state": data.get("state") or "",
            "polarity": data.get("polarity") or "", "record_type": data.get("record_type"),
            "department": data.get("department"), "source": data.get("source") or "",
            "source_kind": data.get("source_kind") or "",
            "decided_from": data.get("decided_from"),
            "decided_to": data.get("decided_to"),
            "document_number": data.get("document_number") or "",
        }
