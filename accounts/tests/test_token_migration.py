"""API tokens moved from `exchange` to `accounts`: a token issued before the move keeps working.

The migration renames the table and moves the model between the apps' migration states, so the
rows themselves never move. This test issues a token on the old schema (exchange.ApiToken), runs
the migrations forward, and authenticates with the same plaintext, in code and over HTTP.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts.api_auth import find_token
from accounts.api_tokens import hash_token
from accounts.models import ApiToken

BEFORE_THE_MOVE = [("accounts", "0001_initial"), ("exchange", "0001_initial")]
PLAINTEXT = "hc_0ld70ken_" + "s" * 43


# serialized_rollback: the test migrates the whole schema back and forth; its closing flush must
# leave the database for the next transactional test exactly as the serialized ones expect it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_audit_flushable")
def test_a_token_issued_before_the_move_still_authenticates() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    department = old.get_model("accounts", "Department").objects.create(
        code="ext", name="公共信用信息平台", kind="cooperating")
    user = old.get_model("accounts", "User").objects.create(
        username="api-0ld70ken", role="clerk", department=department, password="!")
    old.get_model("exchange", "ApiToken").objects.create(
        name="old system", department=department, user=user, prefix="0ld70ken",
        key_hash=hash_token(PLAINTEXT), scopes=["subjects:read"])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    token = find_token(PLAINTEXT)
    assert token is not None and token.name == "old system"
    assert ApiToken._meta.db_table == "accounts_apitoken"
    answer = Client().get("/api/v1/subjects", {"q": "无此企业"},
                          headers={"Authorization": f"Bearer {PLAINTEXT}"})
    assert answer.status_code == 200, answer.content
    refused = Client().get("/api/v1/subjects", {"q": "无此企业"},
                           headers={"Authorization": f"Bearer {PLAINTEXT[:-1]}x"})
    assert refused.status_code == 401
