"""Looking a subject up with the code in the body (`POST /api/v1/subjects/lookup`), so an
individual's ID number is in no URL; the GET by code keeps working, deprecated for ID numbers."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from accounts.models import Scope
from audit.models import AuditEvent
from records.services import record_create

from .conftest import ID_NUMBER, USCC, Api

LOOKUP = "/api/v1/subjects/lookup"


def test_lookup_by_id_number_in_the_body_is_masked(api, person):
    response = api.post(LOOKUP, {"code": ID_NUMBER})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "张三" and body["kind"] == "individual"
    assert body["code"] == "1101**********002X" and body["code_masked"] is True
    assert ID_NUMBER not in response.content.decode()
    assert not AuditEvent.objects.filter(action="subject.unmask").exists()


def test_lookup_with_personal_scope_is_unmasked_and_audited_with_its_purpose(issue, person):
    token, plaintext = issue(scopes=[Scope.SUBJECTS_READ, Scope.PERSONAL_DATA])
    body = Api(plaintext).post(LOOKUP, {"code": f" {ID_NUMBER.lower()} ",
                                        "purpose": "资格审查"}).json()
    assert body["code"] == ID_NUMBER and body["code_masked"] is False
    event = AuditEvent.objects.get(action="subject.unmask")
    assert event.actor_id == token.user_id and event.target_id == str(person.pk)
    assert event.after["purpose"] == "资格审查" and event.after["via"] == "api"


def test_lookup_by_enterprise_code_answers_as_the_get(api, enterprise):
    looked_up = api.post(LOOKUP, {"code": USCC}).json()
    assert looked_up == api.get(f"/api/v1/subjects/{USCC}").json()


def test_lookup_needs_the_read_scope(issue, person):
    _token, plaintext = issue(scopes=[Scope.RECORDS_READ])
    response = Api(plaintext).post(LOOKUP, {"code": ID_NUMBER})
    assert response.status_code == 403
    assert Api(None).post(LOOKUP, {"code": ID_NUMBER}).status_code == 401


def test_lookup_refuses_bad_bodies_with_the_one_error_shape(api, db):
    for body, field in [({}, "code"), ({"code": ""}, "code"), ({"code": "x" * 65}, "code"),
                        ({"code": USCC, "purpose": "p" * 201}, "purpose")]:
        response = api.post(LOOKUP, body)
        assert response.status_code == 422, body
        assert response.json()["error"]["field"] == field
    missing = api.post(LOOKUP, {"code": "91110105MA01AB23XN"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "subject_not_found"


def test_get_is_not_the_lookup(api, db):
    """"lookup" is no subject code: a GET there is refused, not searched as a code."""
    response = api.get(LOOKUP)
    assert response.status_code == 405


def test_id_number_in_the_path_still_answers_but_is_deprecated(api, person, enterprise):
    response = api.get(f"/api/v1/subjects/{ID_NUMBER}")
    assert response.status_code == 200
    assert response["Deprecation"] == "true"
    assert response["Link"].startswith(f"<{LOOKUP}>")
    by_code = api.get(f"/api/v1/subjects/{USCC}")
    assert by_code.status_code == 200 and "Deprecation" not in by_code


def test_lookup_is_documented(db):
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"][LOOKUP]["post"]
    assert operation["security"] and "422" in operation["responses"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/LookupIn")
    fields = schema["components"]["schemas"]["LookupIn"]
    assert fields["required"] == ["code"] and fields["properties"]["code"]["minLength"] == 1
    assert "/subjects/lookup" in schema["paths"]["/api/v1/subjects/{code}"]["get"]["description"]


def test_records_looked_up_with_the_code_in_the_body(api, person, fine_type, clerk):
    for i in range(3):
        record_create(actor=clerk, subject=person, record_type=fine_type,
                      occurred_on=dt.date(2024, 1, 1), decided_on=dt.date(2024, 2, 1 + i),
                      document_number=f"罚-p{i}")
    response = api.post(f"{LOOKUP}/records", {"code": ID_NUMBER, "page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["page_size"] == 2
    assert body["items"][0]["subject_code"] == "1101**********002X"
    assert ID_NUMBER not in json.dumps(body)
    path = api.get(f"/api/v1/subjects/{ID_NUMBER}/records", page_size=2)
    assert path.json() == body and path["Deprecation"] == "true"
    assert path["Link"].startswith(f"<{LOOKUP}/records>")
    assert api.post(f"{LOOKUP}/records", {"code": ID_NUMBER, "page_size": 500}
                    ).status_code == 422


def test_evaluation_looked_up_with_the_code_in_the_body(api, person):
    response = api.post(f"{LOOKUP}/evaluation", {"code": ID_NUMBER})
    assert response.status_code == 404  # graded by no batch yet: the same answer as the GET
    assert response.json()["error"]["code"] == "not_graded"
    path = api.get(f"/api/v1/subjects/{ID_NUMBER}/evaluation")
    assert path.json() == response.json() and path["Deprecation"] == "true"
    assert api.post(f"{LOOKUP}/evaluation", {"code": ""}).status_code == 422
