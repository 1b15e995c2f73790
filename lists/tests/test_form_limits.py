"""The lists forms take the shared input limits, as the records forms do: a 1 MB paste is
refused, U+202E (right-to-left override) and U+200B (zero-width space) are stripped, and a text
made only of them counts as empty."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django import forms as django_forms
from django.test import Client
from django.urls import reverse

from common.forms import CleanCharField
from common.limits import LONG_TEXT
from lists import forms
from lists.models import BlackListEntry, BlacklistGround, TypicalCase

ONE_MB = "x" * 1_000_000  # 1 MB: under the request size limit, so it reaches the form
RLO, ZWSP = "\u202e", "\u200b"
#: fields whose own clean_<field> looks the value up (checked through the pages below)
LOOKED_UP = {("SubjectPickForm", "code"), ("CaseForm", "subject_codes"),
             ("CaseForm", "record_numbers")}


def _form_classes() -> list[type[django_forms.Form]]:
    return [c for _name, c in inspect.getmembers(forms, inspect.isclass)
            if issubclass(c, django_forms.Form) and c.__module__ == forms.__name__]


def _build(cls: type[django_forms.Form], data: dict[str, Any] | None, subject: Any
           ) -> django_forms.Form:
    wants_subject = "subject" in inspect.signature(cls.__init__).parameters
    return cls(data, subject=subject) if wants_subject else cls(data)


def _text_fields(form: django_forms.Form) -> list[str]:
    return [name for name, field in form.fields.items()
            if isinstance(field, django_forms.CharField)]


def test_every_text_field_of_every_lists_form_is_bounded_and_cleaned(subject) -> None:
    classes = _form_classes()
    assert len(classes) >= 15  # the scan sees the module's forms
    seen = 0
    for cls in classes:
        form = _build(cls, None, subject)
        for name in _text_fields(form):
            field = form.fields[name]
            seen += 1
            assert isinstance(field, CleanCharField), f"{cls.__name__}.{name}"
            assert field.max_length and field.max_length <= LONG_TEXT, f"{cls.__name__}.{name}"
    assert seen >= 30


@pytest.mark.parametrize("cls", _form_classes(), ids=lambda c: c.__name__)
def test_a_1mb_text_and_invisible_controls_posted_to_each_field(cls, subject) -> None:
    for name in _text_fields(_build(cls, None, subject)):
        big = _build(cls, {name: ONE_MB}, subject)
        assert big.is_valid() is False and name in big.errors, name
        assert "max_length" in [e.code for e in big.errors.as_data()[name]], name

        only_controls = _build(cls, {name: RLO + ZWSP}, subject)
        only_controls.is_valid()
        if only_controls.fields[name].required:
            assert [e.code for e in only_controls.errors.as_data()[name]] == ["required"], name
        else:
            assert only_controls.cleaned_data[name] == "", name

        if (cls.__name__, name) in LOOKED_UP:
            continue
        mixed = _build(cls, {name: f"甲{RLO}乙{ZWSP}丙"}, subject)
        mixed.is_valid()
        assert name not in mixed.errors, (name, mixed.errors.get(name))
        assert mixed.cleaned_data[name] == "甲乙丙", name


def test_black_list_proposal_page_refuses_a_1mb_text_and_strips_controls(
        client: Client, lead_clerk, subject) -> None:
    client.force_login(lead_clerk)
    # the subject is picked by its code, stripped of the controls before the lookup
    page = client.get(reverse("lists:black_new"), {"code": f"{RLO}{subject.code}{ZWSP}"})
    assert page.status_code == 200 and subject.name in page.content.decode()
    url = reverse("lists:black_new") + f"?subject={subject.pk}"
    ground = BlacklistGround.objects.filter(is_active=True).first()
    data = {"ground": ground.pk, "facts": ONE_MB}
    assert client.post(url, data).status_code == 422
    data["facts"] = RLO + ZWSP
    assert client.post(url, data).status_code == 422
    assert not BlackListEntry.objects.exists()


def test_typical_case_page_strips_controls_from_codes_and_text(client: Client, reviewer,
                                                               subject) -> None:
    client.force_login(reviewer)
    response = client.post(reverse("lists:case_new"), {
        "title": f"标题{RLO}", "kind": "good", "body": f"正文{ZWSP}内容",
        "subject_codes": f"{ZWSP}{subject.code}{RLO}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = TypicalCase.objects.get()
    assert (case.title, case.body) == ("标题", "正文内容")
    assert list(case.subjects.all()) == [subject]
    too_long = client.post(reverse("lists:case_new"), {
        "title": "标题", "kind": "good", "body": ONE_MB, "subject_codes": subject.code})
    assert too_long.status_code in {200, 422} and TypicalCase.objects.count() == 1
