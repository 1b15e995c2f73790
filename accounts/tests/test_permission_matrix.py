"""Who may do what, in one place: role groups made by the data migration hold exactly the
table's permissions, accounts follow their role's group, object rules refuse another
department's clerk, and the administrator's matrix page shows the groups as they are."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation

from accounts import permissions as p
from accounts.models import Role
from accounts.roles import PERMISSIONS, ROLE_PERMISSIONS
from accounts.services import user_create, user_update

pytestmark = pytest.mark.django_db


def _held(group: Group) -> set[str]:
    return {f"{perm.content_type.app_label}.{perm.codename}"
            for perm in group.permissions.select_related("content_type")}


def test_the_migration_made_one_group_per_role_with_exactly_its_permissions():
    for role in Role.values:
        assert _held(Group.objects.get(name=role)) == set(ROLE_PERMISSIONS[role]), role
    assert ROLE_PERMISSIONS[Role.ADMIN] == set(PERMISSIONS)
    assert "records.review_records" not in ROLE_PERMISSIONS[Role.CLERK]


def test_accounts_follow_their_role_group(admin_user, lead_department, other_department):
    user, _password = user_create(actor=admin_user, username="zhang", role=Role.CLERK,
                                  department=other_department)
    assert list(user.groups.values_list("name", flat=True)) == [Role.CLERK]
    assert user.has_perm("records.submit_records")
    assert not user.has_perm("records.review_records")
    user = user_update(actor=admin_user, user=user, role=Role.LEAD_REVIEWER,
                       department=lead_department, full_name="张三", is_active=True)
    assert list(user.groups.values_list("name", flat=True)) == [Role.LEAD_REVIEWER]
    assert user.has_perm("records.review_records")


def test_a_clerk_of_another_department_is_refused(clerk, lead_clerk, reviewer,
                                                  other_department, lead_department):
    """The object rule: a clerk acts only for its own department; a reviewer for any."""
    assert p.can_submit_records(clerk, other_department)
    assert not p.can_submit_records(clerk, lead_department)
    assert not p.can_submit_records(lead_clerk, other_department)
    assert p.can_submit_records(reviewer, other_department)
    for perm in ("lists.handle_entries", "lists.propose_entries", "records.submit_records",
                 "approvals.handle_checks"):
        # through Django's own door too (rules' object permission backend)
        assert clerk.has_perm(perm, other_department), perm
        assert not lead_clerk.has_perm(perm, other_department), perm
        assert not p.allowed(lead_clerk, perm, other_department.pk), perm


def test_reviewing_is_the_lead_departments(reviewer, other_department):
    assert p.can_review_records(reviewer)
    reviewer.department = other_department
    assert not p.can_review_records(reviewer)


def _page_cells(html: str) -> dict[str, list[bool]]:
    rows = {}
    for perm, body in re.findall(r'<tr data-perm="([\w.]+)">(.*?)</tr>', html, re.S):
        rows[perm] = [v == "yes" for v in re.findall(r'data-held="(yes|no)"', body)]
    return rows


def test_matrix_page_shows_each_roles_real_permissions(client, admin_user):
    client.force_login(admin_user)
    with translation.override("zh-hans"):
        response = client.get(reverse("permission_matrix"))
    assert response.status_code == 200
    html = response.content.decode()
    cells = _page_cells(html)
    assert list(cells) == list(PERMISSIONS)
    for i, role in enumerate(Role.values):
        held = _held(Group.objects.get(name=role))
        for perm, row in cells.items():
            assert row[i] is (perm in held), (role, perm)
    assert "针对本部门" in html  # the clerks' own-department rule, in words
    assert "属于牵头部门" in html


def test_matrix_page_is_read_from_the_groups_not_written_by_hand(client, admin_user):
    """Take a permission from a group: the page shows it gone."""
    group = Group.objects.get(name=Role.CLERK)
    group.permissions.remove(Permission.objects.get(codename="submit_records"))
    client.force_login(admin_user)
    cells = _page_cells(client.get(reverse("permission_matrix")).content.decode())
    clerk_column = Role.values.index(Role.CLERK)
    assert cells["records.submit_records"][clerk_column] is False
    assert cells["lists.handle_entries"][clerk_column] is True


def test_matrix_page_is_for_administrators_only(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("permission_matrix")).status_code == 403
