"""Records through API v1: the same validation, deduplication and four-eyes review as a form."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from accounts.models import Scope
from audit.models import AuditEvent
from common.errors import PermissionDeniedError
from records.models import CreditRecord, RecordState
from records.services import record_approve, record_create

from .conftest import ID_NUMBER, USCC, USCC_UNREGISTERED, Api


def test_create_record_submits_it_for_review(api, record_body, other_department):
    response = api.post("/api/v1/records", record_body)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["subject_code"] == USCC
    assert body["source_department"]["code"] == other_department.code
    assert body["record_type"]["code"] == record_body["record_type"]
    assert body["amount"] == "20000.00"
    assert body["publicity_ends_on"] > body["decided_on"]
    assert "internal_note" not in body
    record = CreditRecord.objects.get(pk=body["id"])
    assert record.created_by.username.startswith("api-")
    assert record.source_department == other_department
    event = AuditEvent.objects.get(action="record.create", target_id=str(record.pk))
    assert event.actor_id == record.created_by_id


def test_create_record_as_draft(api, record_body):
    response = api.post("/api/v1/records", {**record_body, "submit": False})
    assert response.status_code == 201
    assert response.json()["state"] == "draft"


def test_records_from_the_api_need_a_human_reviewer(issue, lead_department, record_body,
                                                    reviewer):
    token, plaintext = issue(department=lead_department)
    response = Api(plaintext).post("/api/v1/records", record_body)
    assert response.status_code == 201
    record = CreditRecord.objects.get(pk=response.json()["id"])
    with pytest.raises(PermissionDeniedError):
        record_approve(actor=token.user, record=record)
    assert record_approve(actor=reviewer, record=record).state == RecordState.EFFECTIVE


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"record_type": "no_such_type"}, 422, "unknown_record_type", "record_type"),
    ({"subject_code": USCC_UNREGISTERED}, 422, "subject_not_found", "subject_code"),
    ({"subject_code": "91350100M000100Y44"}, 422, "bad_check_character", "subject_code"),
    ({"subject_code": "110105194912310021"}, 422, "bad_check_character", "subject_code"),
    ({"subject_code": "110105194913310021"}, 422, "bad_birth_date", "subject_code"),
    ({"subject_code": "12345"}, 422, "bad_length", "subject_code"),
    ({"subject_code": "91350100M000100YI3"}, 422, "bad_character", "subject_code"),
    ({"subject_code": None}, 422, "invalid_input", "subject_code"),
    ({"document_number": None}, 422, "invalid_input", "document_number"),
    ({"document_number": "   "}, 422, "required", "document_number"),
    ({"occurred_on": "2024-13-01"}, 422, "invalid_input", "occurred_on"),
    ({"decided_on": "15/04/2024"}, 422, "invalid_input", "decided_on"),
    ({"occurred_on": "2098-01-01", "decided_on": "2098-01-02"}, 422, "future_date",
     "occurred_on"),
    # outside the plausible range every door shares (common.limits)
    ({"occurred_on": "2999-01-01", "decided_on": "2999-01-02"}, 422, "invalid_input",
     "occurred_on"),
    ({"occurred_on": "0001-01-01"}, 422, "invalid_input", "occurred_on"),
    ({"description": "x" * 10_001}, 422, "invalid_input", "description"),
    ({"document_number": "\u202e\u200b"}, 422, "required", "document_number"),
    ({"decided_on": "2024-01-01"}, 422, "decided_before_occurred", "decided_on"),
    ({"amount": "-1"}, 422, "negative_amount", "amount"),
    ({"amount": "1e20"}, 422, "invalid_input", "amount"),
    ({"amount": "0.001"}, 422, "invalid_input", "amount"),
    ({"amount": "NaN"}, 422, "invalid_input", "amount"),
    ({"level": "x" * 21}, 422, "invalid_input", "level"),
])
def test_create_record_refusals(api, record_body, change, status, code, field):
    response = api.post("/api/v1/records", {**record_body, **change})
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("missing", ["subject_code", "record_type", "occurred_on",
                                     "decided_on", "document_number"])
def test_missing_field_is_named(api, record_body, missing):
    del record_body[missing]
    response = api.post("/api/v1/records", record_body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_input", "field": missing,
        "message": response.json()["error"]["message"],
    }
    assert missing in response.json()["error"]["message"]


def test_inactive_type_is_refused(api, record_body, fine_type):
    fine_type.is_active = False
    fine_type.save()
    response = api.post("/api/v1/records", record_body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "inactive_type"


def test_duplicate_record_is_409(api, record_body):
    assert api.post("/api/v1/records", record_body).status_code == 201
    response = api.post("/api/v1/records", {**record_body, "description": "再次报送"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_record"
    assert response.json()["error"]["field"] == "document_number"
    assert CreditRecord.objects.count() == 1


def test_malformed_json_is_400(api, record_body):
    response = api.post("/api/v1/records", '{"subject_code": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"


MALFORMED_BODIES = [
    "", "null", "[]", "[1, 2]", '"text"', "123", "true", "{", "{}", b"\xff\xfe\x00",
    "[" * 5000 + "]" * 5000,
    {"subject_code": 123}, {"subject_code": []}, {"subject_code": {"a": 1}},
    {"record_type": None}, {"record_type": ["x"]},
    {"occurred_on": "0000-00-00"}, {"occurred_on": 10**20}, {"occurred_on": "2024-02-30"},
    {"occurred_on": "0001-01-01", "decided_on": "0001-01-01"},
    {"decided_on": "9999-12-31"},
    {"amount": "Infinity"}, {"amount": 1e308}, {"amount": "abc"}, {"amount": "9" * 400},
    {"submit": "maybe"}, {"is_public": []}, {"document_number": "x" * 101},
    {"document_number": "\x00"}, {"subject_code": "\x00" * 18}, {"description": "x" * 20000},
    {"subject_code": "１１０１０５１９４９１２３１００２Ｘ"},  # full-width digits
    {"subject_code": ID_NUMBER},  # valid, not registered
]


@pytest.mark.parametrize("body", MALFORMED_BODIES, ids=range(len(MALFORMED_BODIES)))
def test_malformed_bodies_never_cause_a_server_error(api, record_body, body):
    payload = {**record_body, **body} if isinstance(body, dict) else body
    response = api.post("/api/v1/records", payload)
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "field", "message"} and error["code"]


def test_list_records_newest_first_without_internal_notes(
    api, enterprise, fine_type, award_type, clerk, admin_user, lead_department,
):
    for i, decided in enumerate(["2024-01-10", "2024-06-01", "2023-05-05"]):
        record_create(actor=clerk, subject=enterprise, record_type=fine_type,
                      occurred_on=dt.date(2023, 1, 1), decided_on=dt.date.fromisoformat(decided),
                      document_number=f"罚-{i}", internal_note="内部：勿外传", submit=True)
    # another department's record: not visible to this department's token (a clerk)
    record_create(actor=admin_user, subject=enterprise, record_type=award_type,
                  occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 7, 1),
                  document_number="奖-1", source_department=lead_department)
    response = api.get(f"/api/v1/subjects/{USCC}/records", page_size=2)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3 and body["page"] == 1 and body["page_size"] == 2
    assert [r["decided_on"] for r in body["items"]] == ["2024-06-01", "2024-01-10"]
    second = api.get(f"/api/v1/subjects/{USCC}/records", page=2, page_size=2).json()
    assert [r["decided_on"] for r in second["items"]] == ["2023-05-05"]
    text = json.dumps(body, ensure_ascii=False) + json.dumps(second, ensure_ascii=False)
    assert "internal_note" not in text and "勿外传" not in text


def test_list_records_of_an_individual_masks_the_code(api, person, fine_type, clerk):
    record_create(actor=clerk, subject=person, record_type=fine_type,
                  occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 2, 1),
                  document_number="罚-p")
    body = api.get(f"/api/v1/subjects/{ID_NUMBER}/records").json()
    assert body["items"][0]["subject_code"] == "1101**********002X"
    assert ID_NUMBER not in json.dumps(body)


@pytest.mark.parametrize(("url", "status", "code"), [
    (f"/api/v1/subjects/{USCC_UNREGISTERED}/records", 404, "subject_not_found"),
    (f"/api/v1/subjects/{USCC}/records?page_size=500", 422, "invalid_input"),
    (f"/api/v1/subjects/{USCC}/records?page=-1", 422, "invalid_input"),
])
def test_list_records_refusals(api, enterprise, url, status, code):
    response = api.client.get(url, headers=api.headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_list_records_requires_only_records_read(issue, enterprise):
    _, plaintext = issue(scopes=[Scope.RECORDS_READ])
    assert Api(plaintext).get(f"/api/v1/subjects/{USCC}/records").status_code == 200


def test_messages_follow_accept_language(api, record_body):
    del record_body["document_number"]
    response = api.client.post("/api/v1/records", data=json.dumps(record_body),
                               content_type="application/json",
                               headers={**api.headers, "Accept-Language": "en"})
    assert response.json()["error"]["message"] == "The field document_number is required."


def test_messages_are_chinese_by_default(api, record_body, issue):
    del record_body["document_number"]
    response = api.post("/api/v1/records", record_body)
    assert response.json()["error"]["message"] == "缺少必填字段document_number。"
    unauthenticated = Api(None).get(f"/api/v1/subjects/{USCC}/records")
    assert unauthenticated.json()["error"]["message"] == (
        "须提供有效且未被吊销的API令牌（Authorization: Bearer …）。")
    _, read_only = issue(scopes=[Scope.RECORDS_READ])
    refused = Api(read_only).post("/api/v1/records", record_body)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "该令牌缺少此操作所需的权限范围records:write。"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"document_number": ""}, "document_number", "缺少必填字段document_number。"),
    ({"decided_on": "2024-13-45"}, "decided_on", "字段decided_on不是有效日期，请写作2026-12-02。"),
    ({"occurred_on": "0001-01-01"}, "occurred_on", "occurred_on：日期须在"),
    ({"level": "x" * 21}, "level", "字段level超过20个字符的上限。"),
    ({"amount": "1e20"}, "amount", "amount：数字位数过多：整数部分最多12位，小数部分最多2位。"),
    ({"amount": "0.001"}, "amount", "amount：数字位数过多"),
    ({"amount": "abc"}, "amount", "字段amount不是数字。"),
])
def test_malformed_input_is_said_as_the_form_says_it(api, record_body, change, field, message):
    """Every malformed value was "字段…缺失或格式不正确", whatever was wrong with it."""
    response = api.post("/api/v1/records", {**record_body, **change})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", field)
    assert error["message"].startswith(message)
    assert not CreditRecord.objects.exists()
