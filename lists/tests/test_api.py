"""GET /lists/{kind}: entries in force for any token; in progress with stage and deadline only
for a token with lists:read-internal."""

from __future__ import annotations

import datetime as dt

import pytest
from ninja.testing import TestClient

from accounts.api_tokens import token_issue
from accounts.models import ApiToken
from common import clock
from lists import services
from lists.api import INTERNAL_SCOPE, router
from lists.tests.helpers import propose, to_in_force

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def client() -> TestClient:
    return TestClient(router)


@pytest.fixture
def tokens(lead_department) -> dict[str, str]:
    _, plain = token_issue(actor=None, department=lead_department, name="portal",
                           scopes=["subjects:read"])
    internal, internal_plain = token_issue(actor=None, department=lead_department,
                                           name="internal", scopes=["subjects:read"])
    ApiToken.objects.filter(pk=internal.pk).update(scopes=["subjects:read", INTERNAL_SCOPE])
    return {"public": plain, "internal": internal_plain}


def _get(client, path, token):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_in_force_for_any_token_in_progress_only_with_the_scope(client, tokens, clerk, reviewer,
                                                                 subject, other_subject,
                                                                 make_record):
    listed = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    pending = propose(clerk=clerk, subject=other_subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY):
        services.black_notify(actor=clerk, entry=pending)

    with clock.frozen_at(dt.date(2026, 3, 5)):
        public = _get(client, "/black", tokens["public"])
    assert public.status_code == 200
    body = public.json()
    assert body["total_in_force"] == 1 and body["in_progress"] is None
    item = body["in_force"][0]
    assert item["id"] == listed.pk and item["subject_name"] == subject.name
    assert item["effective_from"] == "2026-03-10" and item["effective_until"] == "2027-03-10"
    assert item["decision_number"] == "住建信〔2026〕1号"
    assert item["next_deadline"] is None

    with clock.frozen_at(dt.date(2026, 3, 5)):
        internal = _get(client, "/black", tokens["internal"]).json()
    [progress] = internal["in_progress"]
    assert progress["subject_name"] == other_subject.name
    assert progress["state"] == "notified"
    assert progress["next_deadline"] == "2026-03-09"
    assert progress["next_step"]

    key = _get(client, "/key", tokens["public"]).json()
    assert {e["rule"] for e in key["in_force"]} >= {"black_list", "severe_record"}
    assert all(e["reason"] is None for e in key["in_force"])
    key_internal = _get(client, "/key", tokens["internal"]).json()
    assert all(e["reason"] for e in key_internal["in_force"])
    assert _get(client, "/red", tokens["public"]).json()["in_force"] == []


def test_a_token_is_required(client, tokens):
    assert client.get("/black").status_code == 401
    assert _get(client, "/black", "hc_nothing_here").status_code == 401


def test_unknown_kind_is_refused(client, tokens):
    assert _get(client, "/purple", tokens["public"]).status_code == 422
