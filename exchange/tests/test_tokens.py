"""Tokens: issued with a service clerk, stored as a hash only, revocable, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.api_tokens import token_issue, token_revoke
from accounts.models import ApiToken, Department, Role, Scope
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed

from .conftest import Api


def test_issue_creates_a_clerk_service_account_and_stores_only_the_hash(issue, lead_department):
    token, plaintext = issue(department=lead_department, scopes=[Scope.RECORDS_WRITE])
    prefix, secret = plaintext.removeprefix("hc_").split("_", 1)
    assert prefix == token.prefix and len(secret) >= 40
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert all(secret not in str(value) for value in stored.values())
    # even for the lead department: a token never reviews, a human does (four eyes)
    assert token.user.role == Role.CLERK
    assert token.user.username == f"api-{prefix}"
    assert token.user.department == lead_department
    assert not token.user.has_usable_password()
    assert token.scopes == [Scope.RECORDS_WRITE]


def test_issue_and_revoke_are_audited_without_the_secret(issue, admin_user):
    token, plaintext = issue()
    token_revoke(actor=admin_user, token=token)
    events = AuditEvent.objects.filter(target_type="accounts.apitoken", target_id=str(token.pk))
    assert [e.action for e in events] == ["api_token.issue", "api_token.revoke"]
    assert all(e.actor_id == admin_user.pk for e in events)
    for event in AuditEvent.objects.all():
        assert token.key_hash not in str(event.after)
        assert plaintext not in str(event.after)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.user.is_active
    with pytest.raises(Conflict):
        token_revoke(actor=admin_user, token=token)


def test_only_administrators_manage_tokens(other_department, reviewer, issue):
    with pytest.raises(PermissionDeniedError):
        token_issue(actor=reviewer, department=other_department, name="x", scopes=Scope.values)
    token, _ = issue()
    with pytest.raises(PermissionDeniedError):
        token_revoke(actor=reviewer, token=token)


@pytest.mark.parametrize("scopes", [[], ["subjects:delete"], [" "]])
def test_scopes_are_validated(admin_user, other_department, scopes):
    with pytest.raises(ValidationFailed) as exc:
        token_issue(actor=admin_user, department=other_department, name="x", scopes=scopes)
    assert exc.value.field == "scopes"


# --- authentication ---------------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer hc_deadbeef_wrong",
])
def test_missing_or_invalid_token_is_401_json(db, header):
    client = Api(None)
    if header:
        client.headers = {"Authorization": header}
    response = client.get("/api/v1/subjects", q="某")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_for_a_real_prefix_is_401(issue):
    token, plaintext = issue()
    response = Api(plaintext[:-2] + "xx").get("/api/v1/subjects", q="某")
    assert response.status_code == 401


def test_revoked_token_is_401(issue, admin_user):
    token, plaintext = issue()
    assert Api(plaintext).get("/api/v1/subjects", q="某").status_code == 200
    token_revoke(actor=admin_user, token=token)
    response = Api(plaintext).get("/api/v1/subjects", q="某")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "url", "scope"), [
    ("get", "/api/v1/subjects?q=x", Scope.SUBJECTS_READ),
    ("get", "/api/v1/subjects/91350100M000100Y43", Scope.SUBJECTS_READ),
    ("post", "/api/v1/subjects", Scope.SUBJECTS_WRITE),
    ("post", "/api/v1/records", Scope.RECORDS_WRITE),
    ("get", "/api/v1/subjects/91350100M000100Y43/records", Scope.RECORDS_READ),
])
def test_missing_scope_is_403_json_before_the_body_is_read(issue, method, url, scope):
    _, plaintext = issue(scopes=[s for s in Scope.values if s != scope])
    client = Api(plaintext)
    response = client.get(url) if method == "get" else client.post(url, "not even json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "missing_scope", "field": None, "message": response.json()["error"]["message"],
    }
    assert scope in response.json()["error"]["message"]


def test_last_used_is_written_at_most_once_a_minute(issue):
    token, plaintext = issue()
    start = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        Api(plaintext).get("/api/v1/subjects", q="某")
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.frozen_at(start + dt.timedelta(seconds=30)):
        Api(plaintext).get("/api/v1/subjects", q="某")
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.frozen_at(start + dt.timedelta(seconds=61)):
        Api(plaintext).get("/api/v1/subjects", q="某")
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


# --- management commands ----------------------------------------------------------------------
def test_create_api_token_defaults_to_lead_department_and_every_scope(lead_department, enterprise):
    out = StringIO()
    call_command("create_api_token", stdout=out)
    plaintext = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.department == lead_department
    assert token.scopes == list(Scope.values)
    assert token.key_hash != plaintext and plaintext.startswith(f"hc_{token.prefix}_")
    response = Api(plaintext).get(f"/api/v1/subjects/{enterprise.code}")
    assert response.status_code == 200
    assert response.json()["name"] == enterprise.name


def test_create_api_token_with_options(other_department):
    out = StringIO()
    call_command("create_api_token", "--department", "fgs", "--name", "房管系统",
                 "--scopes", "subjects:read,records:read", stdout=out)
    token = ApiToken.objects.get()
    assert token.department == other_department and token.name == "房管系统"
    assert token.scopes == [Scope.SUBJECTS_READ, Scope.RECORDS_READ]


def test_create_api_token_refuses_unknown_department_or_scope(lead_department):
    with pytest.raises(CommandError, match="nope"):
        call_command("create_api_token", "--department", "nope")
    with pytest.raises(CommandError):
        call_command("create_api_token", "--scopes", "everything")
    assert not ApiToken.objects.exists()


def test_create_api_token_without_lead_department(db):
    Department.objects.create(code="x", name="某股", kind=Department.Kind.COOPERATING)
    with pytest.raises(CommandError, match="lead department"):
        call_command("create_api_token")


def test_revoke_api_token_command(issue):
    token, plaintext = issue()
    call_command("revoke_api_token", token.prefix, stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Api(plaintext).get("/api/v1/subjects", q="x").status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_api_token", token.prefix)
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "unknown")


# --- the token list in the admin, in Chinese and in English -------------------------------------

@pytest.fixture
def restores_language():
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def plain_static(settings):
    """The admin's pages name their static files; tests run without collectstatic's manifest."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def test_admin_token_list_and_revocation_in_chinese(client: Client, admin_user, issue,
                                                    plain_static):
    token, _ = issue(name="公积金中心接口")
    client.force_login(admin_user)
    url = reverse("admin:accounts_apitoken_changelist")
    page = client.get(url).content.decode()
    assert "公积金中心接口" in page and "吊销所选令牌" in page and "API令牌" in page
    response = client.post(url, {"action": "revoke", "_selected_action": [token.pk]},
                           follow=True)
    assert "已吊销1个令牌。" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    with translation.override("zh-hans"), pytest.raises(Conflict) as info:
        token_revoke(actor=admin_user, token=token)
    assert str(info.value.message) == "该令牌已被吊销。"


def test_admin_token_list_in_english_after_switching(client: Client, admin_user, issue,
                                                     plain_static, restores_language):
    issue(name="公积金中心接口")
    client.force_login(admin_user)
    url = reverse("admin:accounts_apitoken_changelist")
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url).content.decode()
    assert "Revoke selected tokens" in page and "吊销所选令牌" not in page
