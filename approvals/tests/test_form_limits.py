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
from approvals.models import CheckMeasure, CreditCheck, LicenceDecision
from approvals.services import credit_check, feedback_record
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


@pytest.fixture
def decision(check, make_subject, window_officer) -> LicenceDecision:
    """A licence decision recorded with the feedback on a presale-permit check (made on the
    same day as `check`, whose grading it shares)."""
    developer = make_subject("福州限长房地产开发有限公司", category="developer")
    graded_day = MONDAY
    from scoring.engine import regrade_in_effect

    regrade_in_effect(as_of=graded_day)
    with clock.frozen_at(graded_day):
        presale = credit_check(actor=window_officer, code_or_name=developer.code,
                               matter_code="presale_permit")
        feedback_record(actor=window_officer, credit_check=presale,
                        decisions={c: (True, "") for c in
                                   presale.measures.values_list("code", flat=True)},
                        licence={"outcome": "granted", "document_number": "限〔2026〕1号",
                                 "decided_on": graded_day, "valid_from": graded_day,
                                 "category": "ordinary", "content": "预售"})
    return LicenceDecision.objects.get()


def _build(cls: type[django_forms.Form], data: dict[str, Any] | None, check: CreditCheck,
           decision: LicenceDecision) -> django_forms.Form:
    """Forms about a check are built for the licence matter's check, so the licence
    decision's fields are among those checked."""
    wanted = inspect.signature(cls.__init__).parameters
    if "decision" in wanted:
        return cls(data, decision=decision)
    return cls(data, check=decision.credit_check) if "check" in wanted else cls(data)


def test_every_text_field_of_every_approvals_form_is_bounded_and_cleaned(check,
                                                                          decision) -> None:
    classes = form_classes(forms)
    assert {c.__name__ for c in classes} >= {"CheckForm", "CommitmentForm", "FulfilForm",
                                             "FeedbackForm", "VerifyForm",
                                             "LicenceCorrectionForm", "LicenceRevokeForm"}
    built = [_build(cls, None, check, decision) for cls in classes]
    assert sum(len(text_fields(f)) for f in built) >= 7  # a reason per measure included
    feedback = next(f for f in built if type(f).__name__ == "FeedbackForm")
    assert {"document_number", "content", "certificate_number"} <= set(text_fields(feedback))
    assert {type(f).__name__: unbounded_fields(f) for f in built if unbounded_fields(f)} == {}


@pytest.mark.parametrize("cls", form_classes(forms), ids=lambda c: c.__name__)
def test_a_1mb_text_and_invisible_controls_posted_to_each_field(cls, check, decision) -> None:
    assert limit_failures(lambda data: _build(cls, data, check, decision)) == []


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
