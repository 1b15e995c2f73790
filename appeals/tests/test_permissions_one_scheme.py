"""Self-service and credit-report permissions live in the one scheme (`accounts.permissions`):
role groups hold `appeals.*` and `portal.*`, the object rules decide the rest (the lead
department decides; an enterprise account issues its own subject's report only), and the
administrator's matrix page shows them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import permissions as p
from accounts.models import Role
from appeals import permissions as appeal_permissions

pytestmark = pytest.mark.django_db

NEW = ["appeals.view_queue", "appeals.verify_accounts", "appeals.answer_objections",
       "portal.issue_reports", "portal.revoke_documents"]


def test_role_groups_hold_the_new_permissions_as_the_table_says() -> None:
    held = {g.name: {f"{x.content_type.app_label}.{x.codename}" for x in g.permissions.all()}
            for g in Group.objects.filter(name__in=Role.values)}
    assert set(NEW) <= held[Role.ADMIN]
    assert set(NEW) <= held[Role.LEAD_REVIEWER]
    assert held[Role.CLERK] & set(NEW) == {"portal.issue_reports"}
    assert held[Role.WINDOW_OFFICER] & set(NEW) == {"portal.issue_reports", "appeals.view_queue"}
    assert held[Role.LEADER] & set(NEW) == {"appeals.view_queue"}
    assert held[Role.ENTERPRISE] == set()


def test_who_may_issue_and_revoke(admin_user, reviewer, clerk, lead_clerk, window_officer,
                                  leader, auditor, enterprise_user, subject,
                                  other_subject) -> None:
    for user in (admin_user, reviewer, clerk, window_officer):
        assert p.can_issue_reports(user, other_subject), user.role
    for user in (leader, auditor):
        assert not p.can_issue_reports(user, subject), user.role
    # an enterprise account: its own subject's report only, and only once verified
    assert p.can_issue_reports(enterprise_user, subject)
    assert not p.can_issue_reports(enterprise_user, other_subject)
    assert not p.can_issue_reports(enterprise_user)
    assert enterprise_user.has_perm("portal.issue_reports", subject)  # Django's own door
    account = enterprise_user.enterprise_account
    account.state = account.State.PENDING
    account.save()
    assert not p.can_issue_reports(enterprise_user, subject)
    # revoking a certified document: the lead department's reviewers and administrators
    assert p.can_revoke_documents(reviewer) and p.can_revoke_documents(admin_user)
    for user in (clerk, lead_clerk, window_officer, leader, auditor, enterprise_user):
        assert not p.can_revoke_documents(user), user.role


def test_self_service_names_ask_the_one_scheme(reviewer, clerk, window_officer, leader,
                                               other_department) -> None:
    assert appeal_permissions.can_verify_accounts(reviewer)
    assert appeal_permissions.can_answer(reviewer)
    assert not appeal_permissions.can_verify_accounts(window_officer)
    assert appeal_permissions.can_view_queue(leader)
    assert appeal_permissions.can_view_queue(window_officer)
    assert not appeal_permissions.can_view_queue(clerk)
    # a reviewer moved out of the lead department no longer decides (the object rule)
    reviewer.department = other_department
    assert not appeal_permissions.can_answer(reviewer)
    assert not p.can_revoke_documents(reviewer)


def test_the_matrix_page_shows_the_new_actions(admin_user) -> None:
    client = Client()
    client.force_login(admin_user)
    body = client.get("/staff/permissions/").content.decode()
    for label in ("查看企业自助事项队列", "核验企业账号", "答复企业异议", "出具信用报告",
                  "作废可验证文书", "企业账号，仅限本企业"):
        assert label in body, label
