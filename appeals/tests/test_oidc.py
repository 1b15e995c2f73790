"""Enterprises sign in through the province's unified identity service (OpenID Connect).

The library's own backend and views run unchanged; only the provider's HTTP answers are faked
(the token endpoint, the JWKS and the user-info endpoint, through `requests`), with ID tokens
signed by a key made for the test. Nothing of our code is mocked.
"""

from __future__ import annotations

import json
import time
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from accounts.models import Role
from accounts.permissions import is_staff_member
from appeals.models import EnterpriseAccount
from audit.models import AuditEvent
from subjects.models import Subject

pytestmark = pytest.mark.django_db

ISSUER = "https://id.example.gov.cn/oidc"
TOKEN = f"{ISSUER}/token"
USERINFO = f"{ISSUER}/userinfo"
JWKS = f"{ISSUER}/jwks"
CLIENT_ID = "housing-credit"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PERSON_ID = "110101199003074477"


@pytest.fixture
def oidc(settings) -> None:
    settings.HC_OIDC_ENABLED = True
    settings.HC_OIDC_ISSUER = ISSUER
    settings.HC_OIDC_CODE_CLAIM = "uscc"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = TOKEN
    settings.OIDC_OP_USER_ENDPOINT = USERINFO
    settings.OIDC_OP_JWKS_ENDPOINT = JWKS
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
        "appeals.oidc.EnterpriseOIDCBackend",
        "rules.permissions.ObjectPermissionBackend",
    ]


def _response(url: str, body: Any, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code, response.url = status, url
    response._content = json.dumps(body).encode()
    response.headers["content-type"] = "application/json"
    return response


class Provider:
    """The identity service's answers, recording what our side asked."""

    def __init__(self) -> None:
        self.token_requests: list[dict[str, Any]] = []

    def sign_in(self, client: Client, *, sub: str = "legal-person-1", code: str | None = None,
                userinfo: dict[str, Any] | None = None, key: Any = KEY, iss: str = ISSUER,
                aud: str = CLIENT_ID, **extra: Any):
        start = client.get("/my/oidc/start/")
        assert start.status_code == 302 and start["Location"].startswith(f"{ISSUER}/authorize")
        query = parse_qs(urlparse(start["Location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
        claims = {"iss": iss, "aud": aud, "sub": sub, "nonce": query["nonce"][0],
                  "iat": int(time.time()), "exp": int(time.time()) + 300, **extra}
        if code is not None:
            claims["uscc"] = code
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        public = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
        jwks = {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}

        def post(url: str, data: dict[str, Any] | None = None, **kwargs: Any):
            assert url == TOKEN
            self.token_requests.append(dict(data or {}))
            return _response(url, {"id_token": id_token, "access_token": "access-1",
                                   "token_type": "Bearer", "expires_in": 300})

        def get(url: str, headers: dict[str, str] | None = None, **kwargs: Any):
            if url == JWKS:
                return _response(url, jwks)
            assert url == USERINFO and headers == {"Authorization": "Bearer access-1"}
            return _response(url, userinfo if userinfo is not None else {"sub": sub})

        with mock.patch("requests.post", side_effect=post), \
                mock.patch("requests.get", side_effect=get):
            return client.get("/my/oidc/callback/",
                              {"code": "auth-code-1", "state": query["state"][0]})


@pytest.fixture
def provider(oidc) -> Provider:
    return Provider()


def _message(client: Client) -> str:
    page = client.get("/my/login/")
    assert page.status_code == 200
    return page.content.decode()


def test_a_first_sign_in_opens_a_verified_account_of_that_enterprise(provider, subject):
    client = Client()
    back = provider.sign_in(client, code=subject.code.lower(), name="王经理")
    assert back.status_code == 302 and back["Location"] == "/my/"
    # the code went through the token exchange with PKCE
    sent = provider.token_requests[0]
    assert sent["code"] == "auth-code-1" and sent["code_verifier"]
    assert sent["redirect_uri"].endswith("/my/oidc/callback/")
    page = client.get("/my/")
    assert page.status_code == 200 and subject.name in page.content.decode()

    account = EnterpriseAccount.objects.get()
    assert account.subject == subject and account.state == EnterpriseAccount.State.VERIFIED
    assert account.oidc_sub == "legal-person-1" and account.contact_name == "王经理"
    user = account.user
    assert user.role == Role.ENTERPRISE and not user.has_usable_password()
    assert not is_staff_member(user) and not user.is_staff and not user.is_superuser
    assert AuditEvent.objects.filter(action="appeals.account_oidc_open").count() == 1

    # the next sign-in of the same identity finds the same account
    provider.sign_in(Client(), code=subject.code)
    assert EnterpriseAccount.objects.count() == 1
    assert AuditEvent.objects.filter(action="appeals.oidc_sign_in").count() == 2


def test_the_code_may_come_from_the_user_info_and_the_claim_is_configurable(
        provider, subject, settings):
    settings.HC_OIDC_CODE_CLAIM = "org_code"
    back = provider.sign_in(Client(), userinfo={"sub": "legal-person-1",
                                                "org_code": subject.code})
    assert back["Location"] == "/my/"
    assert EnterpriseAccount.objects.get().subject == subject


@pytest.mark.parametrize("case", ["unknown", "individual", "missing"])
def test_an_unknown_or_non_enterprise_code_is_refused_in_chinese(provider, subject, case):
    Subject.objects.create(kind=Subject.Kind.INDIVIDUAL, code=PERSON_ID, name="李四",
                           category="practitioner")
    code = {"unknown": "91350100MA2XY1234K", "individual": PERSON_ID, "missing": None}[case]
    client = Client()
    back = provider.sign_in(client, code=code)
    assert back.status_code == 302 and back["Location"] == "/my/login/"
    html = _message(client)
    expected = ("未提供经核验的统一社会信用代码" if case == "missing"
                else "未在本县信用档案中登记为企业")
    assert expected in html
    assert not EnterpriseAccount.objects.exists()
    assert client.get("/my/").status_code == 302  # not signed in
    refusal = AuditEvent.objects.get(action="appeals.oidc_refused")
    assert refusal.after["reason"] == ("no_code" if case == "missing" else "unknown_code")
    assert "legal-person-1" not in json.dumps(refusal.after)  # the identity as a digest only


def test_never_a_staff_account_and_a_disabled_account_stays_out(provider, subject, reviewer):
    provider.sign_in(Client(), code=subject.code)
    account = EnterpriseAccount.objects.get()
    # an identity bound to an account that has become a staff account is refused
    account.user.role = reviewer.role
    account.user.save()
    client = Client()
    assert provider.sign_in(client, code=subject.code)["Location"] == "/my/login/"
    assert "工作人员账号不能通过统一身份认证登录" in _message(client)
    # a refused (disabled) enterprise account is not reopened by the identity service
    account.user.role = Role.ENTERPRISE
    account.user.is_active = False
    account.user.save()
    client = Client()
    assert provider.sign_in(client, code=subject.code)["Location"] == "/my/login/"
    assert "已被牵头部门停用" in _message(client)
    # the same identity asserting another enterprise's code is refused
    account.user.is_active = True
    account.user.save()
    other = Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91110000600037341L",
                                   name="北京样例物业服务有限公司", category="property_service")
    client = Client()
    assert provider.sign_in(client, code=other.code)["Location"] == "/my/login/"
    assert "已绑定其他企业" in _message(client)
    assert EnterpriseAccount.objects.count() == 1


@pytest.mark.parametrize("forgery", ["issuer", "audience", "signature"])
def test_a_token_failing_its_checks_signs_nobody_in(provider, subject, forgery):
    kwargs = {"issuer": {"iss": "https://evil.example.com"}, "audience": {"aud": "another"},
              "signature": {"key": OTHER_KEY}}[forgery]
    client = Client()
    back = provider.sign_in(client, code=subject.code, **kwargs)
    assert back.status_code == 302 and back["Location"] == "/my/login/"
    assert "通过统一身份认证登录未成功" in _message(client)
    assert not EnterpriseAccount.objects.exists()
    assert client.get("/my/").status_code == 302


def test_switched_off_by_default(subject):
    client = Client()
    assert client.get("/my/oidc/start/").status_code == 404
    assert client.get("/my/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert 'data-testid="oidc-start"' not in client.get("/my/login/").content.decode()


def test_the_sign_in_page_offers_the_identity_service_when_on(oidc):
    assert 'data-testid="oidc-start"' in Client().get("/my/login/").content.decode()
