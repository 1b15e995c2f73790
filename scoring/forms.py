"""Workbench forms of the scoring pages; every rule is checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import LenientDateField
from scoring.models import ModelStatus, ScoringModel
from subjects.models import Category

MAX_SOURCE_BYTES = 200_000


class ModelSourceForm(forms.Form):
    """A model document pasted into the editor or uploaded as a .toml file."""

    source = forms.CharField(label=_("Model document (TOML)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false",
                                                          "class": "mono"}))
    upload = forms.FileField(label=_("…or upload a .toml file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("upload")
        if upload:
            if upload.size > MAX_SOURCE_BYTES:
                raise forms.ValidationError(_("The file is too large for a model document."))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file must be UTF-8 text.")) from exc
        if not (data.get("source") or "").strip():
            self.add_error("source", _("Paste the model document or upload a file."))
        return data


class AsOfForm(forms.Form):
    as_of = LenientDateField(label=_("As of"), required=False)


class RegradeForm(AsOfForm):
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("Every category with a published model")),
                                          *Category.choices])


class RetireForm(forms.Form):
    """Ask to retire a published model: the model that takes over and the reason."""

    successor = forms.ModelChoiceField(label=_("Model that takes over"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, model: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = ScoringModel.objects.filter(
            category=model.category, status=ModelStatus.PUBLISHED).exclude(pk=model.pk)


class RetireDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
