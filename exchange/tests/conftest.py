"""Fixtures for the API tests: a catalogue entry, two subjects, and a token factory."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.api_tokens import token_issue
from accounts.models import ApiToken, Scope
from records.models import RecordType
from subjects.models import Subject
from subjects.services import subject_create

USCC = "91350100M000100Y43"  # valid, no warning
USCC_UNREGISTERED = "91110105MA01AB23XN"  # valid, never registered in these tests
USCC_WITH_WARNING = "91350100M000100Y56"  # passes the USCC check, fails the GB 11714 one
ID_NUMBER = "11010519491231002X"


class Api:
    """A test client speaking JSON with one bearer token."""

    def __init__(self, plaintext: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {plaintext}"} if plaintext else {}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(url, data=data, content_type="application/json",
                                headers=self.headers)


@pytest.fixture
def fine_type(db) -> RecordType:
    return RecordType.objects.create(
        code="admin_penalty_general", name="一般行政处罚", polarity="bad", severity="general",
        default_points=Decimal("-5"), publicity_months=12, is_public=True,
        legal_basis="《行政处罚法》",
    )


@pytest.fixture
def award_type(db) -> RecordType:
    return RecordType.objects.create(
        code="award_city", name="市级表彰", polarity="good", severity="",
        default_points=Decimal("3"), publicity_months=36, is_public=True, legal_basis="表彰文件",
    )


@pytest.fixture
def enterprise(admin_user) -> Subject:
    return subject_create(actor=admin_user, kind="enterprise", code=USCC,
                          name="福州某某房地产开发有限公司", category="developer")


@pytest.fixture
def person(admin_user) -> Subject:
    return subject_create(actor=admin_user, kind="individual", code=ID_NUMBER, name="张三",
                          category="practitioner", address="北京市朝阳区某街1号")


@pytest.fixture
def issue(admin_user, other_department) -> Callable[..., tuple[ApiToken, str]]:
    """issue(scopes=[...], department=...) → (token, plaintext); default: cooperating unit."""

    def _issue(scopes: list[str] | None = None, department: Any = None,
               name: str = "test system") -> tuple[ApiToken, str]:
        return token_issue(actor=admin_user, department=department or other_department,
                           name=name, scopes=scopes or Scope.values)

    return _issue


@pytest.fixture
def api(issue) -> Api:
    """A client whose token has every scope except personal:read."""
    _, plaintext = issue(scopes=[s for s in Scope.values if s != Scope.PERSONAL_DATA])
    return Api(plaintext)


@pytest.fixture
def record_body(enterprise, fine_type) -> dict[str, Any]:
    return {
        "subject_code": USCC, "record_type": fine_type.code, "occurred_on": "2024-03-01",
        "decided_on": "2024-04-15", "document_number": "榕建罚〔2024〕12号",
        "description": "未按规定公示商品房销售信息", "amount": "20000.00", "level": "",
    }
