"""Staff management without the Django admin, one-time passwords everywhere, the account gate
(forced password change, second factor) in front of every page including /admin/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.services import password_reset, user_create
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(client, user, password="pass-word-123"):
    """Sign in through the real sign-in page (axes and the one-time-password redirect run)."""
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:300]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_one_time_password_closes_admin_and_every_page_until_changed(client, lead_department,
                                                                     settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    admin, password = user_create(actor=None, username="admin", role=Role.ADMIN,
                                  department=lead_department)
    assert admin.must_change_password
    _login(client, admin, password)
    for path in ["/admin/", "/admin/accounts/user/", reverse("staff_list"), reverse("home")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("password_change"), path
    # The admin's own password-reset form cannot be reached either.
    response = client.post(f"/admin/accounts/user/{admin.pk}/password/",
                           {"password1": "x-new-pass-9876", "password2": "x-new-pass-9876"})
    assert response["Location"] == reverse("password_change")
    response = client.post(reverse("password_change"), {
        "old_password": password, "new_password1": "a-far-better-pass-42",
        "new_password2": "a-far-better-pass-42"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_administrator_creates_staff_with_a_one_time_password(client, admin_user,
                                                              other_department):
    _login(client, admin_user)
    response = client.post(reverse("staff_create"), {
        "username": "clerk_new", "full_name": "王五", "department": other_department.pk,
        "role": Role.CLERK})
    assert response.status_code == 200
    password = response.context["password"]
    created = User.objects.get(username="clerk_new")
    assert created.must_change_password and created.check_password(password)
    assert created.department == other_department and created.role == Role.CLERK
    event = AuditEvent.objects.filter(action="user.create").last()
    assert event.actor_label == admin_user.username and "password" not in str(event.after)
    # The same user name again is refused in Chinese-ready words, nothing created.
    response = client.post(reverse("staff_create"), {
        "username": "CLERK_NEW", "full_name": "x", "department": other_department.pk,
        "role": Role.CLERK})
    assert response.status_code == 422
    assert User.objects.filter(username__iexact="clerk_new").count() == 1


def test_reset_disable_and_role_change_are_audited(client, admin_user, clerk, lead_department):
    _login(client, admin_user)
    response = client.post(reverse("staff_reset_password", args=[clerk.pk]))
    password = response.context["password"]
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password(password)
    assert not clerk.check_password("pass-word-123")
    assert AuditEvent.objects.filter(action="user.password_reset", target_id=str(clerk.pk)).exists()

    response = client.post(reverse("staff_edit", args=[clerk.pk]), {
        "full_name": "张三", "department": lead_department.pk, "role": Role.LEAD_REVIEWER})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active and clerk.role == Role.LEAD_REVIEWER
    event = AuditEvent.objects.filter(action="user.update").last()
    assert event.before["role"] == Role.CLERK and event.after["role"] == Role.LEAD_REVIEWER
    assert event.after["is_active"] is False


def test_the_last_administrator_and_ones_own_account_are_kept(client, admin_user,
                                                             lead_department):
    _login(client, admin_user)
    response = client.post(reverse("staff_edit", args=[admin_user.pk]), {
        "full_name": "管理员", "department": lead_department.pk, "role": Role.ADMIN})
    assert response.status_code == 422  # unchecked "may sign in": disabling oneself
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_django_admin_passwords_are_one_time_too(client, admin_user, lead_department):
    _login(client, admin_user)
    response = client.get(f"/admin/accounts/user/{admin_user.pk}/password/")
    assert response["Location"] == reverse("staff_edit", args=[admin_user.pk])
    response = client.post("/admin/accounts/user/add/", {
        "username": "typed_by_admin", "password1": "Typed-Pass-2026!x",
        "password2": "Typed-Pass-2026!x", "usable_password": "true",
        "department": lead_department.pk, "role": Role.CLERK})
    assert response.status_code == 302, response.content[:500]
    assert User.objects.get(username="typed_by_admin").must_change_password


@pytest.mark.parametrize("fixture", ["clerk", "reviewer", "leader", "auditor", "window_officer"])
def test_staff_pages_are_the_administrators_alone(client, request, fixture, admin_user):
    user = request.getfixturevalue(fixture)
    _login(client, user)
    for name, args in [("staff_list", []), ("staff_create", []), ("staff_edit", [admin_user.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse("staff_reset_password", args=[admin_user.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


def test_anonymous_is_sent_to_sign_in(client, admin_user):
    for name, args in [("staff_list", []), ("second_factor", []), ("staff_edit", [1])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_second_factor_set_up_then_asked_at_every_sign_in(client, reviewer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code
    _login(client, reviewer)
    page = client.get(reverse("second_factor"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert client.post(reverse("second_factor"), {"token": "000000" if _code(device) != "000000"
                                                  else "111111"}).status_code == 400
    response = client.post(reverse("second_factor"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="user.second_factor_enable").exists()

    client.logout()
    _login(client, reviewer)
    for path in [reverse("home"), "/admin/", reverse("records:reviews")]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("otp_verify")), path
    assert client.post(reverse("otp_verify"), {"token": "12345"}).status_code == 400
    response = client.post(reverse("otp_verify") + "?next=/records/reviews/",
                           {"token": _code(device)})
    # A code is accepted once: the device remembers the last step used.
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        device.refresh_from_db()
        device.last_t = -1
        device.save()
        response = client.post(reverse("otp_verify") + "?next=/records/reviews/",
                               {"token": _code(device)})
    assert response["Location"] == "/records/reviews/"
    assert client.get(reverse("records:reviews")).status_code == 200


def test_second_factor_offered_only_to_administrators_and_reviewers(client, clerk):
    _login(client, clerk)
    assert client.get(reverse("second_factor")).status_code == 403


def test_platform_reset_for_demo_accounts_is_one_time(clerk):
    password = password_reset(actor=None, user=clerk)
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password(password)


def test_the_staff_pages_neither_open_nor_convert_enterprise_accounts(client, admin_user,
                                                                      other_department):
    """The staff form offered the enterprise role: it made an enterprise login with no
    subject, and could turn a staff account into one (or an enterprise account into staff)."""
    _login(client, admin_user)
    page = client.get(reverse("staff_create")).content.decode()
    assert f'value="{Role.ENTERPRISE}"' not in page
    response = client.post(reverse("staff_create"), {
        "username": "qiye_x", "full_name": "某企业", "department": other_department.pk,
        "role": Role.ENTERPRISE})
    assert response.status_code == 400 and not User.objects.filter(username="qiye_x").exists()
    clerk, _ = user_create(actor=admin_user, username="clerk_x", role=Role.CLERK,
                           department=other_department)
    response = client.post(reverse("staff_edit", args=[clerk.pk]), {
        "full_name": "王五", "department": other_department.pk, "role": Role.ENTERPRISE,
        "is_active": "on"})
    assert response.status_code == 422
    assert "企业账号由企业在线注册" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.role == Role.CLERK
    enterprise = User.objects.create(username="qiye_y", role=Role.ENTERPRISE)
    response = client.post(reverse("staff_edit", args=[enterprise.pk]), {
        "full_name": "某企业", "department": other_department.pk, "role": Role.CLERK,
        "is_active": "on"})
    assert response.status_code == 422
    enterprise.refresh_from_db()
    assert enterprise.role == Role.ENTERPRISE and enterprise.department is None
