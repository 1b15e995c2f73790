"""GET /api/v1/credit-check and /api/v1/matters: answers, refusals, schema, and the same content
as the workbench page."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.test import Client

from approvals.models import CreditCheck, Via
from common import clock

from .conftest import MONDAY, Api, as_json, login, uscc

pytestmark = [pytest.mark.django_db]
FILING = "property_service_filing"


@pytest.fixture
def api(token):
    _token, plaintext = token()
    return Api(plaintext)


def test_matters_lists_the_catalogue(api, catalogue):
    response = api.get("/api/v1/matters")
    assert response.status_code == 200, response.content
    items = as_json(response)["items"]
    presale = next(m for m in items if m["code"] == "presale_permit")
    assert presale["name"] == "商品房预售许可" and presale["promised_days"] == 10
    assert {m["code"] for m in presale["materials"] if not m["essential"]} >= {"business_licence"}


def test_credit_check_answers_and_stores_a_snapshot(api, graded, good_subject):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        response = api.get("/api/v1/credit-check", code=good_subject.code.lower(), matter=FILING)
    assert response.status_code == 200, response.content
    body = as_json(response)
    check = CreditCheck.objects.get(number=body["number"])
    assert check.via == Via.API and "窗口受理系统" in check.token_label
    assert check.asked_by.username.startswith("api-")
    assert body == check.result
    assert body["grade"]["grade"] == "AA" and body["accept_with_missing"]["allowed"] is True
    assert body["asked_by"]["via"] == "api"


@pytest.mark.parametrize(("params", "status", "code", "field"), [
    ({"code": "91350100M000100Y44", "matter": FILING}, 422, "bad_check_character", "code"),
    ({"code": "9135", "matter": FILING}, 422, "bad_length", "code"),
    ({"code": "11010519491231002Y", "matter": FILING}, 422, "bad_character", "code"),
    ({"code": uscc(987_654), "matter": FILING}, 404, "subject_not_found", "code"),
    ({"code": "GOOD", "matter": "no_such_matter"}, 404, "matter_not_found", "matter"),
    ({"code": "GOOD", "matter": "presale_permit"}, 422, "matter_not_for_category", "matter"),
    ({"matter": FILING}, 422, "invalid_input", "code"),
    ({"code": "GOOD"}, 422, "invalid_input", "matter"),
    ({"code": "a\x00b", "matter": FILING}, 422, "invalid_input", "code"),
])
def test_credit_check_refusals(api, catalogue, good_subject, params, status, code, field):
    params = {k: good_subject.code if v == "GOOD" else v for k, v in params.items()}
    response = api.get("/api/v1/credit-check", **params)
    assert response.status_code == status, response.content
    error = as_json(response)["error"]
    assert (error["code"], error["field"]) == (code, field) and error["message"]
    assert not CreditCheck.objects.exists()


def test_missing_or_wrong_token_is_401_and_missing_scope_403(catalogue, good_subject, token):
    for headers in ({}, {"Authorization": "Bearer hc_nope_nope"}):
        response = Client().get("/api/v1/credit-check", {"code": good_subject.code,
                                                          "matter": FILING}, headers=headers)
        assert response.status_code == 401
        assert as_json(response)["error"]["code"] == "not_authenticated"
    _token, plaintext = token(scopes=["checks:run"])
    response = Api(plaintext).get("/api/v1/matters")
    assert response.status_code == 403
    assert as_json(response)["error"]["code"] == "missing_scope"


def test_documented_in_the_openapi_schema(catalogue):
    schema = as_json(Client().get("/api/v1/openapi.json"))
    operation = schema["paths"]["/api/v1/credit-check"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"code", "matter"}
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
    assert "/api/v1/matters" in schema["paths"]
    assert "CreditCheckOut" in schema["components"]["schemas"]


def test_api_and_page_show_the_same_measures(api, graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        body = as_json(api.get("/api/v1/credit-check", code=good_subject.code, matter=FILING))
        page = login(Client(), window_officer).get(f"/approvals/checks/{body['number']}/")
    assert page.status_code == 200
    html = htmllib.unescape(page.content.decode())
    on_page = re.findall(r'data-measure="([a-z_]+)"', html)
    assert on_page == [m["code"] for m in body["measures"]]
    for measure in body["measures"]:
        assert measure["name"] in html
        for reason in measure["reasons"]:
            assert reason["why"] in html and reason["rule_name"] in html
    assert body["accept_with_missing"]["reason"] in html
    assert body["grade"]["grade"] in html and body["grade"]["model"] in html


def test_answer_is_the_schema_s_own_shape_for_a_subject_with_everything(
        api, graded, make_subject, make_record, blacklist):
    """The check answers its stored snapshot without validating it again (`snapshot_response`):
    for a subject with bad records in force, a black-list entry, key supervision and refusals,
    the answer is exactly what validating it against CreditCheckOut would give (no key dropped,
    none added, no value coerced)."""
    from approvals.api import CreditCheckOut

    subject = make_subject("福州全有物业有限公司")
    day = MONDAY - dt.timedelta(days=30)
    for _i in range(3):
        make_record(subject, "property_fee_violation", decided_on=day)
    blacklist(subject, since=day)
    graded(MONDAY)
    make_record(subject, "property_fee_violation", decided_on=day)
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        response = api.get("/api/v1/credit-check", code=subject.code, matter=FILING)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = as_json(response)
    assert body["lists"] and body["bad_records"]["count"] == 4 and body["eligibility"]
    assert body["grade"] is not None and body["measures"] is not None
    assert body == CreditCheckOut.model_validate(body).model_dump(mode="json")
    assert "\\u" not in response.content.decode()  # Chinese stays readable, as the renderer


def test_a_revoked_token_is_refused_at_once_here_and_within_seconds_elsewhere(
        api, token, catalogue, good_subject, admin_user, monkeypatch):
    """Tokens are remembered per process for `TOKEN_CACHE_SECONDS`: revoking through the service
    (this process) refuses the next call at once; a revocation this process did not see (another
    worker's, simulated by a write that sends no signal) refuses within that many seconds."""
    from accounts import api_auth
    from accounts.api_tokens import token_revoke
    from accounts.models import ApiToken

    assert api_auth.TOKEN_CACHE_SECONDS <= 5
    first, plaintext = token()
    client = Api(plaintext)
    assert client.get("/api/v1/matters").status_code == 200
    token_revoke(actor=admin_user, token=first)
    assert client.get("/api/v1/matters").status_code == 401

    second, plaintext = token()
    client = Api(plaintext)
    assert client.get("/api/v1/matters").status_code == 200
    ApiToken.objects.filter(pk=second.pk).update(revoked_at=clock.now())  # no signal here
    now = api_auth.time.monotonic()
    monkeypatch.setattr(api_auth.time, "monotonic", lambda: now + 1)
    assert client.get("/api/v1/matters").status_code == 200  # still within the bound
    monkeypatch.setattr(api_auth.time, "monotonic",
                        lambda: now + api_auth.TOKEN_CACHE_SECONDS + 0.01)
    assert client.get("/api/v1/matters").status_code == 401


def test_a_cached_token_is_read_once_and_touched_once_a_minute(api, token, catalogue):
    """The second call within the cache time reads no token and writes no `last_used_at`."""
    _first, plaintext = token()
    client = Api(plaintext)
    assert client.get("/api/v1/matters").status_code == 200
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/matters").status_code == 200
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "accounts_apitoken" not in sql
