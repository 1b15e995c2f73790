"""The same limits on every door: one bad input gets the same refusal (or the same cleaning)
from the web form and from the API, because both read `common.limits`, the model columns and
`common.text`, and the services clean what reaches them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from records.models import CreditRecord
from subjects.models import Subject

from .conftest import USCC

GOOD_RECORD = {"occurred_on": "2024-03-01", "decided_on": "2024-04-15",
               "document_number": "建罚〔2024〕12号", "description": "未公示"}


def _form_post(client: Client, subject: Subject, record_type: Any, **change: str) -> int:
    data = {**GOOD_RECORD, "record_type": str(record_type.pk), "action": "submit", **change}
    url = reverse("records:create") + f"?subject={subject.pk}"
    return client.post(url, data).status_code


def _api_post(api: Any, record_type: Any, **change: str) -> int:
    body = {**GOOD_RECORD, "subject_code": USCC, "record_type": record_type.code, **change}
    return api.post("/api/v1/records", body).status_code


@pytest.mark.parametrize("change", [
    {"description": "长" * 10_001},  # a 1 MB paste is refused the same way
    {"occurred_on": "0001-01-01", "decided_on": "0001-01-01"},
    {"occurred_on": "2999-01-01", "decided_on": "2999-01-02"},
    {"document_number": "x" * 101},
    {"document_number": "\u202e\u200b"},  # nothing left once the invisible controls go
])
def test_record_refused_by_form_and_api_alike(client, api, clerk, enterprise, fine_type, change):
    client.force_login(clerk)
    assert _form_post(client, enterprise, fine_type, **change) in {400, 422}
    assert _api_post(api, fine_type, **change) == 422
    assert not CreditRecord.objects.exists()


def test_record_invisible_characters_stripped_by_form_and_api_alike(client, api, clerk,
                                                                   enterprise, fine_type):
    client.force_login(clerk)
    assert _form_post(client, enterprise, fine_type, document_number="甲\u202e1号",
                      description="说明\u200b文字") == 302
    assert _api_post(api, fine_type, document_number="乙\u202e2号",
                     description="说明\u200b文字") == 201
    stored = sorted(CreditRecord.objects.values_list("document_number", "description"))
    assert stored == [("乙2号", "说明文字"), ("甲1号", "说明文字")]


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "甲" * 201}, "name"),
    ({"established_on": "0001-01-01"}, "established_on"),
    ({"name": "\u202e\u200b"}, "name"),
])
def test_subject_refused_by_form_and_api_alike(client, api, clerk, change, field):
    body = {"kind": "enterprise", "code": USCC, "name": "甲公司", "category": "developer",
            **change}
    client.force_login(clerk)
    response = client.post(reverse("subjects:create"), body)
    assert response.status_code in {400, 422}
    assert field in response.context["form"].errors
    api_response = api.post("/api/v1/subjects", {k: v for k, v in body.items() if k != "kind"})
    assert api_response.status_code == 422
    assert api_response.json()["error"]["field"] == field
    assert not Subject.objects.exists()


def test_subject_names_and_codes_cleaned_by_form_and_service(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("subjects:create"), {
        "kind": "enterprise", "code": "\u200b" + USCC, "name": "\u202e福州\u200b甲公司",
        "category": "developer", "address": "地址\u2066一号"})
    assert response.status_code == 302
    subject = Subject.objects.get()
    assert (subject.code, subject.name, subject.address) == (USCC, "福州甲公司", "地址一号")
