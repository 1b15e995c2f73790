"""Retiring a scoring model: four eyes, a reason, a successor in force, grades re-computed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from scoring import engine
from scoring.models import CurrentBatch, ModelStatus, RetirementState
from scoring.services import (
    model_publish,
    model_retire_decide,
    model_retire_request,
    model_upload_draft,
)

from .test_language import MINIMAL

REASON = "评价标准已由新版替代"


@pytest.fixture
def two_models(record_types, reviewer, second_reviewer, make_subject):
    make_subject()
    old = model_publish(actor=second_reviewer,
                        model=model_upload_draft(actor=reviewer, source=MINIMAL))
    new = model_publish(actor=second_reviewer, model=model_upload_draft(
        actor=reviewer, source=MINIMAL.replace('code = "t"', 'code = "t2"')
        .replace("effective_from = 2025-01-01", "effective_from = 2024-01-01")))
    engine.regrade(model=old)
    return old, new


def _current_model_id(category="property_service"):
    return CurrentBatch.objects.select_related("batch").get(category=category).batch.model_id


def test_retirement_needs_a_second_person_and_regrades_with_the_successor(
        two_models, reviewer, second_reviewer):
    old, new = two_models
    assert _current_model_id() == old.pk
    request = model_retire_request(actor=reviewer, model=old, successor=new, reason=REASON)
    old.refresh_from_db()
    assert old.status == ModelStatus.PUBLISHED  # nothing changes until the second person
    with pytest.raises(PermissionDeniedError) as info:
        model_retire_decide(actor=reviewer, request=request, confirm=True)
    assert info.value.code == "four_eyes"
    model_retire_decide(actor=second_reviewer, request=request, confirm=True)
    old.refresh_from_db()
    request.refresh_from_db()
    assert old.status == ModelStatus.RETIRED and request.state == RetirementState.CONFIRMED
    assert _current_model_id() == new.pk  # checks no longer quote a retired model
    event = AuditEvent.objects.filter(action="scoring.model_retire").last()
    assert event.after["reason"] == REASON and event.after["replaced_by"] == new.label
    assert event.actor_label == second_reviewer.username


def test_reason_and_successor_are_required(two_models, reviewer):
    old, new = two_models
    with pytest.raises(ValidationFailed) as info:
        model_retire_request(actor=reviewer, model=old, successor=new, reason="  ")
    assert info.value.field == "reason"
    with pytest.raises(ValidationFailed) as info:
        model_retire_request(actor=reviewer, model=old, successor=old, reason=REASON)
    assert info.value.code == "successor_required"


def test_successor_must_be_in_force_in_the_same_category(two_models, reviewer, second_reviewer):
    old, _new = two_models
    future = model_publish(actor=second_reviewer, model=model_upload_draft(
        actor=reviewer, source=MINIMAL.replace('code = "t"', 'code = "t3"')
        .replace("effective_from = 2025-01-01", "effective_from = 2099-01-01")))
    with pytest.raises(ValidationFailed):
        model_retire_request(actor=reviewer, model=old, successor=future, reason=REASON)
    other = model_publish(actor=second_reviewer, model=model_upload_draft(
        actor=reviewer, source=MINIMAL.replace('code = "t"', 'code = "t4"')
        .replace('category = "property_service"', 'category = "developer"')))
    with pytest.raises(ValidationFailed):
        model_retire_request(actor=reviewer, model=old, successor=other, reason=REASON)


def test_refused_retirement_keeps_the_model_and_one_open_request(two_models, reviewer,
                                                                 second_reviewer):
    old, new = two_models
    request = model_retire_request(actor=reviewer, model=old, successor=new, reason=REASON)
    with pytest.raises(Conflict):
        model_retire_request(actor=second_reviewer, model=old, successor=new, reason=REASON)
    model_retire_decide(actor=second_reviewer, request=request, confirm=False, note="暂不停用")
    old.refresh_from_db()
    assert old.status == ModelStatus.PUBLISHED and _current_model_id() == old.pk
    with pytest.raises(Conflict):
        model_retire_decide(actor=second_reviewer, request=request, confirm=True)


def test_successor_retired_meanwhile_blocks_confirmation(two_models, reviewer, second_reviewer,
                                                         admin_user):
    old, new = two_models
    first = model_retire_request(actor=reviewer, model=old, successor=new, reason=REASON)
    second = model_retire_request(actor=reviewer, model=new, successor=old, reason=REASON)
    model_retire_decide(actor=second_reviewer, request=second, confirm=True)
    with pytest.raises(ValidationFailed):
        model_retire_decide(actor=admin_user, request=first, confirm=True)
    old.refresh_from_db()
    assert old.status == ModelStatus.PUBLISHED  # the category keeps a model in force


def test_pages_ask_then_confirm(client, two_models, reviewer, second_reviewer):
    old, new = two_models
    client.force_login(reviewer)
    response = client.post(reverse("scoring:model_retire", args=[old.pk]),
                           {"successor": new.pk, "reason": REASON})
    assert response.status_code == 302
    request = old.retirements.get()
    page = client.get(reverse("scoring:model_detail", args=[old.pk])).content.decode()
    assert REASON in page and 'data-testid="retire-confirm"' not in page
    client.force_login(second_reviewer)
    page = client.get(reverse("scoring:model_detail", args=[old.pk])).content.decode()
    assert 'data-testid="retire-confirm"' in page
    client.post(reverse("scoring:model_retire_decide", args=[request.pk]),
                {"decision": "confirm"})
    old.refresh_from_db()
    assert old.status == ModelStatus.RETIRED


def test_successor_takes_over_only_from_its_effective_date(two_models, reviewer):
    old, new = two_models  # the successor is in effect from 2024-01-01
    with clock.frozen_at(dt.date(2023, 12, 31)), pytest.raises(ValidationFailed):
        model_retire_request(actor=reviewer, model=old, successor=new, reason=REASON)
    with clock.frozen_at(dt.date(2024, 1, 1)):
        assert model_retire_request(actor=reviewer, model=old, successor=new, reason=REASON)
