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

from common.form_limits_testing import (
    ONE_MB,
    RLO,
    ZWSP,
    form_classes,
    limit_failures,
    text_fields,
    unbounded_fields,
)
from lists import forms
from lists.models import BlackListEntry, BlacklistGround, TypicalCase

#: fields whose own clean_<field> looks the value up (checked through the pages below)
LOOKED_UP = {("SubjectPickForm", "code"), ("CaseForm", "subject_codes"),
             ("CaseForm", "record_numbers")}


def _build(cls: type[django_forms.Form], data: dict[str, Any] | None, subject: Any
           ) -> django_forms.Form:
    wants_subject = "subject" in inspect.signature(cls.__init__).parameters
    return cls(data, subject=subject) if wants_subject else cls(data)


def test_every_text_field_of_every_lists_form_is_bounded_and_cleaned(subject) -> None:
    classes = form_classes(forms)
    assert len(classes) >= 15  # the scan sees the module's forms
    built = [_build(cls, None, subject) for cls in classes]
    assert sum(len(text_fields(f)) for f in built) >= 30
    assert {type(f).__name__: unbounded_fields(f) for f in built if unbounded_fields(f)} == {}


@pytest.mark.parametrize("cls", form_classes(forms), ids=lambda c: c.__name__)
def test_a_1mb_text_and_invisible_controls_posted_to_each_field(cls, subject) -> None:
    looked_up = {field for form, field in LOOKED_UP if form == cls.__name__}
    assert limit_failures(lambda data: _build(cls, data, subject), looked_up=looked_up) == []


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
