"""Workbench shell: the access gate on every page, sign-in and lock-out, one-time passwords,
the home page per role, the audit pages and the language switch."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from subjects.models import Category, Subject

# Every workbench page, with placeholder ids: the sign-in check comes before any lookup.
WORKBENCH_URLS: list[tuple[str, dict]] = [
    ("home", {}),
    ("password_change", {}),
    ("subjects:list", {}),
    ("subjects:create", {}),
    ("subjects:check_code", {}),
    ("subjects:detail", {"pk": 1}),
    ("subjects:edit", {"pk": 1}),
    ("subjects:reveal", {"pk": 1}),
    ("subjects:confirm_code", {"pk": 1}),
    ("records:create", {}),
    ("records:reviews", {}),
    ("records:detail", {"pk": 1}),
    ("records:edit", {"pk": 1}),
    ("records:correct", {"pk": 1}),
    ("records:submit", {"pk": 1}),
    ("records:approve", {"pk": 1}),
    ("records:reject", {"pk": 1}),
    ("records:revoke", {"pk": 1}),
    ("records:evidence_upload", {"pk": 1}),
    ("records:evidence", {"pk": 1}),
    ("audit:list", {}),
    ("audit:verify", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "kwargs"), WORKBENCH_URLS)
def test_anonymous_is_sent_to_sign_in(client: Client, name: str, kwargs: dict, method: str):
    url = reverse(name, kwargs=kwargs)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_renders_in_chinese_by_default(client: Client, db: None):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<title>登录 · 住房领域信用分级分类管理平台</title>" in body
    assert "连续多次登录失败后，账号将被暂时锁定。" in body


def test_sign_in_with_password_reaches_home(client: Client, clerk: User):
    response = client.post(reverse("login"), {"username": "clerk1", "password": "pass-word-123"},
                           follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("home")
    assert "clerk1" in response.content.decode()
    assert clerk.department.name in response.content.decode()


def test_lockout_after_repeated_failures_shows_notice(client: Client, clerk: User, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk1", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "clerk1", "password": "pass-word-123"})
    assert response.status_code == 429
    body = response.content.decode()
    assert 'data-testid="lockout"' in body
    assert "账号已锁定" in body
    assert f"已连续{settings.AXES_FAILURE_LIMIT}次登录失败，该账号已被暂时锁定。" in body
    assert "请15分钟后再试，或联系系统管理员解锁。" in body  # AXES_COOLOFF_TIME = 0.25 h
    assert "_auth_user_id" not in client.session


def test_one_time_password_forces_change_then_clears(client: Client, clerk: User):
    clerk.must_change_password = True
    clerk.save()
    response = client.post(reverse("login"), {"username": "clerk1", "password": "pass-word-123"})
    assert response["Location"] == reverse("password_change")
    # Every workbench page sends the holder back until the password is changed.
    assert client.get(reverse("subjects:list"))["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert 'data-testid="must-change"' in page.content.decode()
    assert "您当前使用的是一次性初始密码，请先设置本人密码再继续操作。" in page.content.decode()
    response = client.post(reverse("password_change"), {
        "old_password": "pass-word-123", "new_password1": "a-much-better-secret-42",
        "new_password2": "a-much-better-secret-42",
    })
    assert response["Location"] == reverse("home")
    clerk.refresh_from_db()
    assert not clerk.must_change_password
    assert clerk.check_password("a-much-better-secret-42")
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.after == {"forced": True}
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "密码已修改。" in home.content.decode()


def test_password_change_refuses_wrong_old_password(client: Client, clerk: User):
    client.force_login(clerk)
    response = client.post(reverse("password_change"), {
        "old_password": "nope", "new_password1": "a-much-better-secret-42",
        "new_password2": "a-much-better-secret-42",
    })
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


@pytest.mark.parametrize(("role_fixture", "role_name"), [
    ("admin_user", "系统管理员"), ("reviewer", "牵头科室审核员"), ("clerk", "录入员"),
    ("window_officer", "窗口工作人员"), ("leader", "领导（只读）"), ("auditor", "审计员"),
])
def test_home_renders_for_every_role(client: Client, request, role_fixture: str,
                                     role_name: str):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert user.get_role_display() in body
    assert role_name in body
    assert "<h1>工作台</h1>" in body


def test_clerk_home_shows_only_own_actions(client: Client, clerk: User, reviewer: User):
    with transaction.atomic():
        record_event(actor=reviewer, action="record.approve",
                     target_type="x", target_id="1")
        record_event(actor=clerk, action="record.submit", target_type="x",
                     target_id="2")
    client.force_login(clerk)
    body = client.get(reverse("home")).content.decode()
    assert "信用记录提交审核" in body
    assert "信用记录已核准" not in body
    client.force_login(reviewer)
    body = client.get(reverse("home")).content.decode()
    assert "信用记录已核准" in body and "信用记录提交审核" in body


def test_staff_without_role_is_refused(client: Client, db: None):
    user = User.objects.create_user(username="norole", password="x" * 12, role="")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "您的账号未分配工作人员角色。" in response.content.decode()


def test_audit_list_and_verify_for_auditor(client: Client, auditor: User, clerk: User):
    client.force_login(clerk)
    Subject.objects.create(kind="enterprise", code="91350100M000100Y43", name="甲公司",
                           category=Category.BROKERAGE)
    with transaction.atomic():
        record_event(actor=clerk, action="subject.create", target_type="subjects.subject",
                     target_id="1")
    refused = client.get(reverse("audit:list"))
    assert refused.status_code == 403
    assert "您无权执行此操作。" in refused.content.decode()
    assert client.post(reverse("audit:verify")).status_code == 403
    client.force_login(auditor)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert "主体已登记" in response.content.decode()
    response = client.post(reverse("audit:verify"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="verify-result" data-ok="1"' in body
    assert "日志链完整：已校验" in body


def test_language_switch_to_english(client: Client, clerk: User):
    client.force_login(clerk)
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<h1>工作台</h1>" in body and "退出登录" in body and "录入员" in body
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "Workbench" in body and "Log out" in body and "Clerk" in body
    assert "工作台" not in body and "退出登录" not in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in body and "<h1>工作台</h1>" in body


def test_audit_list_masks_id_numbers(client: Client, auditor: User, clerk: User):
    from subjects.services import subject_create

    subject_create(actor=clerk, kind="individual", code="11010519491231002X", name="张三",
                   category=Category.PRACTITIONER, contact_phone="13912345678")
    client.force_login(auditor)
    body = client.get(reverse("audit:list")).content.decode()
    assert "主体已登记" in body and "subject.create" not in body.split("<tbody>")[1]
    assert "11010519491231002X" not in body and "1101**********002X" in body
    assert "13912345678" not in body
