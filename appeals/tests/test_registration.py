"""Registration never tells whether a code is known, and registration and sign-in are rate
limited like the public site (`PORTAL_RATE_LIMIT`)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from appeals import services
from appeals.models import EnterpriseAccount
from audit.models import AuditEvent
from common.browser_testing import PASSWORD
from common.errors import Conflict
from subjects.models import Subject

pytestmark = pytest.mark.django_db
PERSON_ID = "110101199003074477"
UNKNOWN = "91350100MA2XY1234K"


def _register(client: Client, username: str, code: str):
    return client.post("/my/register/", {
        "subject_code": code, "contact_name": "王五", "contact_phone": "13800000000",
        "username": username, "password": PASSWORD})


def _normalised(html: str) -> str:
    """The page without what differs between any two requests (CSRF token, CSP nonce)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_the_answer_is_the_same_for_known_unknown_and_non_public_codes(subject, reviewer):
    Subject.objects.create(kind=Subject.Kind.INDIVIDUAL, code=PERSON_ID, name="李四",
                           category="practitioner")
    codes = {"known": subject.code, "unknown": UNKNOWN, "person": PERSON_ID}
    answers, waiting = {}, {}
    for name, code in codes.items():
        response = _register(Client(), f"reg_{name}", code)
        assert response.status_code == 200
        answers[name] = _normalised(response.content.decode())
        # each can sign in, and sees the same waiting page
        client = Client()
        signed_in = client.post("/my/login/", {"username": f"reg_{name}", "password": PASSWORD})
        assert signed_in.status_code == 302
        page = client.get("/my/")
        assert page.status_code == 403
        waiting[name] = _normalised(page.content.decode())
    assert len(set(answers.values())) == 1 and len(set(waiting.values())) == 1
    assert "申请已提交，待审核" in answers["known"] and "申请已提交，待审核" in waiting["known"]
    assert subject.name not in answers["known"] + waiting["known"]

    # kept for staff: the known one to verify, the others unmatched, with the code typed
    accounts = {a.user.username: a for a in EnterpriseAccount.objects.select_related("user")}
    assert accounts["reg_known"].state == EnterpriseAccount.State.PENDING
    assert accounts["reg_known"].subject == subject
    for name in ("reg_unknown", "reg_person"):
        assert accounts[name].state == EnterpriseAccount.State.UNMATCHED
        assert accounts[name].subject is None
    assert accounts["reg_person"].subject_code == PERSON_ID
    assert AuditEvent.objects.filter(action="appeals.account_register").count() == 3

    staff = Client()
    staff.force_login(reviewer)
    queue = staff.get("/appeals/").content.decode()
    assert queue.count('data-testid="unmatched"') == 2 and UNKNOWN in queue
    # an unmatched registration can only be refused
    with pytest.raises(Conflict):
        services.account_decide(actor=reviewer, account=accounts["reg_unknown"], verify=True)
    page = staff.post(f"/appeals/accounts/{accounts['reg_unknown'].pk}/",
                      {"verify": "no", "reason": "代码与本县企业不符"})
    assert page.status_code == 302
    refused = EnterpriseAccount.objects.get(pk=accounts["reg_unknown"].pk)
    assert refused.state == EnterpriseAccount.State.REFUSED and not refused.user.is_active


def test_a_taken_user_name_is_still_refused_under_its_field(subject):
    _register(Client(), "taken", subject.code)
    response = _register(Client(), "taken", UNKNOWN)
    assert response.status_code == 422 and "用户名" in response.content.decode()
    assert EnterpriseAccount.objects.count() == 1


@pytest.mark.parametrize("url", ["/my/register/", "/my/login/"])
def test_registration_and_sign_in_are_rate_limited(db, settings, url):
    settings.PORTAL_RATE_LIMIT = "3/m"
    client = Client(REMOTE_ADDR="10.0.0.7")
    first = [client.post(url, {"username": f"u{i}", "password": "wrong-password"}).status_code
             for i in range(3)]
    refused = client.post(url, {"username": "u9", "password": "wrong-password"})
    assert 429 not in first
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "请求过于频繁" in refused.content.decode()
    assert client.get(url).status_code == 200  # showing the form is not counted
    other = Client(REMOTE_ADDR="10.0.0.8").post(url, {"username": "u1", "password": "x"})
    assert other.status_code != 429


def test_a_short_password_is_refused_in_chinese(subject):
    """Django 5.2 words the minimum-length error with "%d", which its own zh_Hans catalogue
    lacks: the registration page said "This password is too short…" in English."""
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post("/my/register/", {
        "subject_code": subject.code, "contact_name": "王五", "contact_phone": "13800000000",
        "username": "short1", "password": "Ab1-x"})
    page = response.content.decode()
    assert "密码太短，至少需要 10 个字符。" in page
    assert "too short" not in page
    assert not EnterpriseAccount.objects.filter(user__username="short1").exists()
