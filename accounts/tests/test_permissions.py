"""What each role may see and do, read as a table (accounts.permissions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import permissions as p
from accounts.models import Department, Role, User
from accounts.services import department_create, user_create
from audit.models import AuditEvent
from common.errors import PermissionDeniedError

LEAD = Department(pk=1, code="lead", name="住房保障中心", kind=Department.Kind.LEAD)
COOP = Department(pk=2, code="fgs", name="房地产市场管理股", kind=Department.Kind.COOPERATING)

CHECKS: dict[str, Callable[[User], bool]] = {
    "staff": p.is_staff_member,
    "edit_subjects": p.can_edit_subjects,
    "submit_any_form": p.can_submit_records,
    "submit_own": lambda u: p.can_submit_records(u, u.department),
    "submit_other": lambda u: p.can_submit_records(
        u, COOP if u.department_id == LEAD.pk else LEAD
    ),
    "review": p.can_review_records,
    "all_departments": p.can_see_all_departments,
    "unmask": p.can_unmask_personal_data,
    "read_audit": p.can_read_audit,
    "manage_accounts": p.can_manage_accounts,
}

# role, department -> the checks above that must be True (every other one must be False)
TABLE: list[tuple[str, Department, set[str]]] = [
    (Role.ADMIN, LEAD, set(CHECKS)),
    (Role.LEAD_REVIEWER, LEAD, {"staff", "edit_subjects", "submit_any_form", "submit_own",
                                "submit_other", "review", "all_departments", "unmask"}),
    # a reviewer account outside the lead department enters records but never reviews them
    (Role.LEAD_REVIEWER, COOP, {"staff", "edit_subjects", "submit_any_form", "submit_own",
                                "submit_other", "all_departments", "unmask"}),
    (Role.CLERK, COOP, {"staff", "edit_subjects", "submit_any_form", "submit_own"}),
    (Role.CLERK, LEAD, {"staff", "edit_subjects", "submit_any_form", "submit_own"}),
    (Role.WINDOW_OFFICER, LEAD, {"staff", "all_departments", "unmask"}),
    (Role.LEADER, LEAD, {"staff", "all_departments"}),
    (Role.AUDITOR, LEAD, {"staff", "all_departments", "unmask", "read_audit"}),
]


def staff(role: str, department: Department | None, *, active: bool = True) -> User:
    return User(username=f"u-{role}", role=role, department=department, is_active=active)


@pytest.mark.parametrize("role,department,allowed", TABLE,
                         ids=[f"{r}@{d.code}" for r, d, _ in TABLE])
@pytest.mark.parametrize("check", list(CHECKS))
def test_permission_table(role: str, department: Department, allowed: set[str],
                          check: str) -> None:
    assert CHECKS[check](staff(role, department)) is (check in allowed)


@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("role", Role.values)
def test_inactive_accounts_may_do_nothing(role: str, check: str) -> None:
    assert CHECKS[check](staff(role, LEAD, active=False)) is False


@pytest.mark.parametrize("check", [c for c in CHECKS if not c.startswith("submit_o")])
def test_anonymous_and_unknown_roles_may_do_nothing(check: str) -> None:
    assert CHECKS[check](AnonymousUser()) is False
    assert CHECKS[check](staff("guest", LEAD)) is False


def test_clerk_without_department_cannot_submit_for_a_department() -> None:
    assert p.can_submit_records(staff(Role.CLERK, None), LEAD) is False


def test_require_raises_a_translated_403() -> None:
    p.require(True, "do it")
    with pytest.raises(PermissionDeniedError) as info:
        p.require(False, "approve records")
    assert info.value.code == "permission_denied"
    assert info.value.status == 403
    assert "approve records" in str(info.value.message)


# --- the account services ask the same table -----------------------------------------------------

@pytest.mark.django_db
def test_only_administrators_create_departments_and_accounts(
    admin_user: User, reviewer: User, lead_department: Department
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError):
        department_create(actor=reviewer, code="zfs", name="住房租赁股",
                          kind=Department.Kind.COOPERATING)
    with pytest.raises(PermissionDeniedError):
        user_create(actor=reviewer, username="sneaky", role=Role.ADMIN,
                    department=lead_department)
    assert not Department.objects.filter(code="zfs").exists()
    assert not User.objects.filter(username="sneaky").exists()
    assert AuditEvent.objects.count() == events

    unit = department_create(actor=admin_user, code="zfs", name="住房租赁股",
                             kind=Department.Kind.COOPERATING)
    user, password = user_create(actor=admin_user, username="clerk9", role=Role.CLERK,
                                 department=unit, full_name="李四")
    assert user.check_password(password)
    assert user.must_change_password
    assert not user.is_staff and not user.is_superuser
    assert [e.action for e in AuditEvent.objects.order_by("seq")][-2:] == [
        "department.create", "user.create"
    ]
    assert "password" not in AuditEvent.objects.order_by("seq").last().after


@pytest.mark.django_db
def test_the_platform_itself_bootstraps_the_first_administrator() -> None:
    lead = department_create(actor=None, code="lead", name="住房保障中心",
                             kind=Department.Kind.LEAD)
    admin, _ = user_create(actor=None, username="admin", role=Role.ADMIN, department=lead,
                           password="a-chosen-pass-phrase")
    assert admin.is_superuser and not admin.must_change_password
    assert AuditEvent.objects.filter(actor_label="system").count() == 2


# --- the words people see: roles and refusals in Chinese, English on request ---------------------

@pytest.fixture
def restores_language() -> Iterator[None]:
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_roles_and_kinds_are_named_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert [str(label) for label in Role.labels] == [
            "系统管理员", "牵头科室审核员", "录入员", "窗口工作人员", "领导（只读）", "审计员",
            "企业（自助服务，无工作台权限）"]
        assert [str(label) for label in Department.Kind.labels] == [
            "牵头科室", "协同单位", "外部系统或机构"]


@pytest.mark.django_db
def test_refusal_names_the_refused_action_in_chinese(reviewer: User,
                                                      lead_department: Department) -> None:
    with translation.override("zh-hans"):
        with pytest.raises(PermissionDeniedError) as info:
            user_create(actor=reviewer, username="sneaky", role=Role.CLERK,
                        department=lead_department)
        assert str(info.value.message) == "您无权管理工作人员账号。"


def test_role_shown_in_english_after_switching(client: Client, reviewer: User,
                                               restores_language: None) -> None:
    client.force_login(reviewer)
    assert "牵头科室审核员" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    body = client.get(reverse("home")).content.decode()
    assert "Lead reviewer" in body and "牵头科室审核员" not in body
    with translation.override("en"), pytest.raises(PermissionDeniedError) as info:
        user_create(actor=reviewer, username="sneaky", role=Role.CLERK,
                    department=reviewer.department)
    assert str(info.value.message) == "You are not allowed to manage staff accounts."
