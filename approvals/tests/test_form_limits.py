"""The approvals forms take the shared input limits, as the records forms do: a 1 MB paste is
refused, U+202E (right-to-left override) and U+200B (zero-width space) are stripped, and a text
made only of them counts as empty; a code typed with them still finds its subject."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django import forms as django_forms
from django.test import Client

from approvals import forms
from approvals.models import CheckMeasure, CreditCheck
from approvals.services import credit_check
from common import clock
from common.form_limits_testing import (
    ONE_MB,
    RLO,
    ZWSP,
    form_classes,
    limit_failures,
    text_fields,
    unbounded_fields,
)

from .conftest import MONDAY, login

pytestmark = pytest.mark.django_db
FILING = "property_service_filing"


@pytest.fixture
def check(graded, good_subject, window_officer) -> CreditCheck:
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        return credit_check(actor=window_officer, code_or_name=good_subject.code,
                            matter_code=FILING)


def _build(cls: type[django_forms.Form], data: dict[str, Any] | None, check: CreditCheck
           ) -> django_forms.Form:
    wants_check = "check" in inspect.signature(cls.__init__).parameters
    return cls(data, check=check) if wants_check else cls(data)


def test_every_text_field_of_every_approvals_form_is_bounded_and_cleaned(check) -> None:
    classes = form_classes(forms)
    assert {c.__name__ for c in classes} >= {"CheckForm", "CommitmentForm", "FulfilForm",
                                             "FeedbackForm", "VerifyForm"}
    built = [_build(cls, None, check) for cls in classes]
    assert sum(len(text_fields(f)) for f in built) >= 7  # a reason per measure included
    assert {type(f).__name__: unbounded_fields(f) for f in built if unbounded_fields(f)} == {}


@pytest.mark.parametrize("cls", form_classes(forms), ids=lambda c: c.__name__)
def test_a_1mb_text_and_invisible_controls_posted_to_each_field(cls, check) -> None:
    assert limit_failures(lambda data: _build(cls, data, check)) == []


def test_check_page_finds_a_subject_typed_with_controls(window_officer, graded,
                                                        good_subject) -> None:
    officer = login(Client(), window_officer)
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        response = officer.post("/approvals/check/", {
            "q": f"{RLO}{good_subject.code}{ZWSP}", "matter": FILING})
        assert response.status_code == 302
        assert officer.post("/approvals/check/", {"q": ONE_MB, "matter": FILING}
                            ).status_code == 400  # this page answers an invalid form with 400
    assert CreditCheck.objects.count() == 1


def test_feedback_page_refuses_a_1mb_reason_and_strips_controls(window_officer, check) -> None:
    officer = login(Client(), window_officer)
    codes = list(check.measures.values_list("code", flat=True))
    data = {f"applied_{c}": "yes" for c in codes}
    data[f"applied_{codes[0]}"] = "no"
    data[f"reason_{codes[0]}"] = ONE_MB
    url = f"/approvals/checks/{check.number}/feedback/"
    assert officer.post(url, data).status_code == 400  # the form refuses it
    data[f"reason_{codes[0]}"] = RLO + ZWSP  # nothing left: the reason is still missing
    assert officer.post(url, data).status_code == 422
    data[f"reason_{codes[0]}"] = f"不{RLO}涉及{ZWSP}"
    data["note"] = f"备{ZWSP}注"
    assert officer.post(url, data).status_code == 302
    assert CheckMeasure.objects.get(credit_check=check, code=codes[0]).reason == "不涉及"
