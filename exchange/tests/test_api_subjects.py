"""Subjects through API v1: register, read (masked unless personal:read), search."""

from __future__ import annotations

import pytest

from accounts.models import Scope
from audit.models import AuditEvent
from subjects.models import Subject
from subjects.services import subject_update

from .conftest import ID_NUMBER, USCC, USCC_WITH_WARNING, Api


def test_create_subject(api, admin_user):
    response = api.post("/api/v1/subjects", {
        "code": " 91350100m000100y43 ", "name": "福州某某物业服务有限公司",
        "category": "property_service", "legal_representative": "李四",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == USCC and body["kind"] == "enterprise"
    assert body["warnings"] == [] and body["code_masked"] is False
    assert body["former_names"] == []
    subject = Subject.objects.get(code=USCC)
    event = AuditEvent.objects.get(action="subject.create", target_id=str(subject.pk))
    assert event.actor.username.startswith("api-")


def test_create_subject_returns_the_code_warning(api):
    response = api.post("/api/v1/subjects", {
        "code": USCC_WITH_WARNING, "name": "某公司", "category": "developer",
    })
    assert response.status_code == 201
    body = response.json()
    assert len(body["warnings"]) == 1 and body["needs_code_confirmation"] is True


def test_create_individual_derives_kind_and_masks(api):
    response = api.post("/api/v1/subjects", {
        "code": ID_NUMBER, "name": "王五", "category": "practitioner",
    })
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "individual"
    assert body["code"] == "1101**********002X" and body["code_masked"] is True


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"code": "91350100M000100Y44", "name": "甲", "category": "developer"},
     422, "bad_check_character", "code"),
    ({"code": "9135", "name": "甲", "category": "developer"}, 422, "bad_length", "code"),
    ({"code": USCC, "name": "  ", "category": "developer"}, 422, "required", "name"),
    ({"code": USCC, "name": "甲", "category": "bank"}, 422, "invalid_input", "category"),
    ({"code": USCC, "name": "", "category": "developer"}, 422, "invalid_input", "name"),
    ({"code": "", "name": "甲", "category": "developer"}, 422, "invalid_input", "code"),
    ({"code": USCC, "name": "\u202e\u200b", "category": "developer"}, 422, "required", "name"),
    ({"code": USCC, "name": "甲", "category": "developer", "established_on": "0001-01-01"},
     422, "invalid_input", "established_on"),
    ({"code": USCC, "name": "甲", "category": "developer", "kind": "individual"},
     422, "category_kind_mismatch", "category"),
    ({"code": USCC, "name": "甲", "category": "practitioner"},  # kind derived: individual
     422, "bad_character", "code"),
    ({"code": USCC, "category": "developer"}, 422, "invalid_input", "name"),
    ({"code": USCC, "name": "甲" * 201, "category": "developer"}, 422, "invalid_input", "name"),
    ({"code": USCC, "name": "甲", "category": "developer", "established_on": "2024-02-30"},
     422, "invalid_input", "established_on"),
    ({"code": USCC, "name": "甲", "category": "developer", "employer_code": ID_NUMBER},
     422, "subject_not_found", "employer_code"),
])
def test_create_subject_refusals(api, body, status, code, field):
    response = api.post("/api/v1/subjects", body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


def test_create_duplicate_subject_is_409(api, enterprise):
    response = api.post("/api/v1/subjects", {"code": USCC, "name": "甲", "category": "developer"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "subject_exists"


def test_read_enterprise_with_former_names(api, enterprise, admin_user):
    subject_update(actor=admin_user, subject=enterprise, name="福州新名字房地产有限公司")
    response = api.get(f"/api/v1/subjects/{USCC.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "福州新名字房地产有限公司"
    assert [n["name"] for n in body["former_names"]] == ["福州某某房地产开发有限公司"]
    assert body["category"] == "developer" and body["status"] == "active"
    assert body["category_label"] and body["status_label"]


def test_read_individual_is_masked_without_personal_scope(api, person):
    body = api.get(f"/api/v1/subjects/{ID_NUMBER}").json()
    assert body["code"] == "1101**********002X" and body["code_masked"] is True
    assert body["address"] == "北京市朝阳区****"  # where, not which door
    assert ID_NUMBER not in str(body)
    assert not AuditEvent.objects.filter(action="subject.unmask").exists()


def test_read_individual_with_personal_scope_is_unmasked_and_audited(issue, person):
    token, plaintext = issue(scopes=[Scope.SUBJECTS_READ, Scope.PERSONAL_DATA])
    body = Api(plaintext).get(f"/api/v1/subjects/{ID_NUMBER}", purpose="资格审查").json()
    assert body["code"] == ID_NUMBER and body["code_masked"] is False
    assert body["address"] == "北京市朝阳区某街1号"
    event = AuditEvent.objects.get(action="subject.unmask")
    assert event.actor_id == token.user_id and event.target_id == str(person.pk)
    assert event.after["purpose"] == "资格审查" and event.after["via"] == "api"


def test_read_unknown_subject_is_404(api, db):
    response = api.get("/api/v1/subjects/91110105MA01AB23XN")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "subject_not_found"


def test_search_is_paginated(api, enterprise, person, admin_user):
    for i in range(3):
        api.post("/api/v1/subjects", {
            "code": _uscc(i), "name": f"福州物业{i}号有限公司", "category": "property_service",
        })
    response = api.get("/api/v1/subjects", q="福州", page=1, page_size=2)
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == 1 and body["page_size"] == 2 and len(body["items"]) == 2
    assert body["total"] == 4
    second = api.get("/api/v1/subjects", q="福州", page=2, page_size=2).json()
    assert len(second["items"]) == 2
    assert {i["code"] for i in body["items"]}.isdisjoint({i["code"] for i in second["items"]})
    only = api.get("/api/v1/subjects", q="福州", category="developer").json()
    assert [i["code"] for i in only["items"]] == [USCC]
    # an individual is found by whole ID number, and shown masked
    found = api.get("/api/v1/subjects", q=ID_NUMBER).json()
    assert [i["code"] for i in found["items"]] == ["1101**********002X"]


@pytest.mark.parametrize(("params", "field"), [
    ({"q": "x", "page_size": 101}, "page_size"),
    ({"q": "x", "page_size": 0}, "page_size"),
    ({"q": "x", "page": 0}, "page"),
    ({"q": "x", "page": "two"}, "page"),
    ({"q": "x", "page": 10**30}, "page"),
    ({"q": "x", "category": "bank"}, "category"),
    ({"q": "a\x00b"}, "q"),
])
def test_search_bad_parameters_are_422(api, db, params, field):
    response = api.get("/api/v1/subjects", **params)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"
    assert response.json()["error"]["field"] == field


def _uscc(i: int) -> str:
    from subjects.identifiers import org_code_check_char, uscc_check_char

    org8 = f"MA0{i:05d}"
    code = "91350100" + org8 + org_code_check_char(org8)
    return code + uscc_check_char(code)


def test_collection_without_query_lists_every_subject_paginated(api, enterprise, person):
    body = api.get("/api/v1/subjects").json()
    assert body["total"] == 2 and body["page"] == 1
    assert {i["code"] for i in body["items"]} == {USCC, "1101**********002X"}
    first = api.get("/api/v1/subjects", page_size=1).json()
    second = api.get("/api/v1/subjects", page_size=1, page=2).json()
    assert first["total"] == 2 and len(first["items"]) == 1 and len(second["items"]) == 1
    assert first["items"][0]["code"] != second["items"][0]["code"]
    only = api.get("/api/v1/subjects", kind="individual").json()
    assert [i["code"] for i in only["items"]] == ["1101**********002X"]


def test_invisible_characters_are_stripped_from_names_and_codes(api):
    response = api.post("/api/v1/subjects", {
        "code": "\u200b" + USCC + "\u202e", "name": "福州\u202e某\u200b公司",
        "category": "developer"})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "福州某公司"
    assert Subject.objects.get().code == USCC


def test_phone_is_masked_without_personal_scope(api, admin_user):
    api.post("/api/v1/subjects", {"code": USCC, "name": "甲公司", "category": "developer",
                                  "contact_phone": "13812345678"})
    body = api.get(f"/api/v1/subjects/{USCC}").json()
    assert body["contact_phone"] == "138****5678"
