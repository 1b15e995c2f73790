"""The whole API v1 fuzzed from its own OpenAPI schema (schemathesis): no request the schema
allows, and none it forbids, may get a 5xx or an answer that breaks the schema.

Bounded so it runs in well under two minutes: a few examples per operation, no deadline (the
first request of a worker warms Django up). Data exists for the generated codes to hit: a
registered enterprise and individual, a catalogue entry, and a token with every scope.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from accounts.api_tokens import token_issue
from accounts.models import Scope
from common.api import api
from exchange.tests.conftest import ID_NUMBER, USCC
from records.models import RecordType
from subjects.services import subject_create
from workbench import api as _mounted  # noqa: F401  (every router mounted on `api`)

# Every check schemathesis runs by default except two: `positive_data_acceptance` (a
# syntactically valid code with a wrong check character is schema-valid and rightly refused with
# 422) and `negative_data_rejection` (its negative cases include undeclared query parameters,
# which the API ignores as HTTP collections conventionally do; declared ones are validated).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go to the WSGI app directly, not through Django's test client, so do what the
    client does: keep `close_old_connections` from closing the test's connection (on PostgreSQL
    a closed connection would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, admin_user, other_department) -> dict[str, str]:
    """The data the operations look up, and the header of a token with every scope."""
    subject_create(actor=admin_user, kind="enterprise", code=USCC, name="福州某房地产公司",
                   category="developer", contact_phone="13812345678")
    subject_create(actor=admin_user, kind="individual", code=ID_NUMBER, name="张三",
                   category="practitioner", address="北京市朝阳区某街1号")
    RecordType.objects.create(
        code="admin_penalty_general", name="一般行政处罚", polarity="bad", severity="general",
        default_points=Decimal("-5"), publicity_months=12, is_public=True,
        legal_basis="《行政处罚法》")
    _, plaintext = token_issue(actor=admin_user, department=other_department, name="fuzzer",
                               scopes=Scope.values)
    return {"Authorization": f"Bearer {plaintext}"}


# The schema the server publishes at /api/v1/openapi.json, built without a request (collection
# happens before the test database exists); requests then go to the WSGI app in-process.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = get_wsgi_application()


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_keeps_its_schema(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
