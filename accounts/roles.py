"""Role → action: the Django permissions each role's group holds (the one table).

Each `Role` is a Django `Group` of the same name; the group holds the permissions below and every
account is a member of its role's group (`sync_membership`, on every save). The groups are
created by the data migration `accounts.0003_role_groups` from this table; a test checks that
the groups in the database hold exactly these permissions, so a change here needs a migration
that calls `sync_role_groups` again. Conditions beyond the role (a clerk acts only for its own
department, reviewing is the lead department's) are object-level rules in `accounts.permissions`.

The permissions are custom ones ("app.action"), filed under one model of the app they belong to,
so that `user.has_perm("records.review_records")` reads as what it allows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import Role

#: permission → (label shown on the matrix page, the model whose content type files it)
PERMISSIONS: dict[str, tuple[Any, str]] = {
    "accounts.manage_accounts": (_("Manage departments and staff accounts"), "user"),
    "accounts.see_all_departments": (_("See every department's work"), "user"),
    "accounts.unmask_personal_data": (_("See unmasked personal data"), "user"),
    "audit.read_audit": (_("Read the audit log"), "auditevent"),
    "subjects.edit_subjects": (_("Create and edit subjects"), "subject"),
    "records.submit_records": (_("Submit credit records"), "creditrecord"),
    "records.review_records": (_("Make credit records effective"), "creditrecord"),
    "approvals.run_checks": (_("Run credit checks"), "creditcheck"),
    "approvals.handle_checks": (_("Record commitments and feedback on checks"), "creditcheck"),
    "approvals.see_checks": (_("See credit checks"), "creditcheck"),
    "approvals.oversee_checks": (_("Oversee every department's checks"), "creditcheck"),
    "lists.view_lists": (_("View lists and cases"), "blacklistentry"),
    "lists.propose_entries": (_("Propose list entries, sanctions and cases"), "blacklistentry"),
    "lists.handle_entries": (_("Handle a list case (notice, statement, objection, repair)"),
                             "blacklistentry"),
    "lists.decide_entries": (_("Decide on list cases"), "blacklistentry"),
    "scoring.view_grades": (_("View grades"), "scoringmodel"),
    "scoring.manage_models": (_("Manage scoring models and re-grades"), "scoringmodel"),
    "supervision.read_supervision": (_("View supervision"), "inspectionplan"),
    "supervision.plan_inspections": (_("Plan random inspections"), "inspectionplan"),
    "supervision.record_results": (_("Record inspection results"), "inspectionplan"),
    "supervision.manage_measures": (_("Change supervision measures"), "inspectionplan"),
    "appeals.view_queue": (_("See the self-service queue (accounts, objections, repair)"),
                           "appeal"),
    "appeals.verify_accounts": (_("Verify enterprise accounts"), "enterpriseaccount"),
    "appeals.answer_objections": (_("Answer enterprises' objections"), "appeal"),
    "portal.issue_reports": (_("Issue credit reports"), "verifiabledocument"),
    "portal.revoke_documents": (_("Revoke verifiable documents"), "verifiabledocument"),
}

_EVERY_ROLE = {
    "lists.view_lists", "scoring.view_grades", "supervision.read_supervision",
    "approvals.see_checks",
}
_WRITER = {
    "subjects.edit_subjects", "records.submit_records", "lists.propose_entries",
    "lists.handle_entries", "supervision.record_results",
}
_CHECKER = {"approvals.run_checks", "approvals.handle_checks"}
# Issuing a report is a write in the platform's name (audited): the roles that serve subjects.
_ISSUER = {"portal.issue_reports"}
# The lead department's reviewers decide what enterprises ask for, as they review records.
_DECIDER = {"records.review_records", "lists.decide_entries", "appeals.verify_accounts",
            "appeals.answer_objections", "portal.revoke_documents"}
_QUEUE = {"appeals.view_queue"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.LEAD_REVIEWER: frozenset(
        _EVERY_ROLE | _WRITER | _CHECKER | _ISSUER | _DECIDER | _QUEUE | {
            "accounts.see_all_departments", "accounts.unmask_personal_data",
            "scoring.manage_models", "supervision.plan_inspections"}),
    # A clerk works for its own department only: no queue of every enterprise's requests.
    Role.CLERK: frozenset(_EVERY_ROLE | _WRITER | _CHECKER | _ISSUER),
    Role.WINDOW_OFFICER: frozenset(
        _EVERY_ROLE | _CHECKER | _ISSUER | _QUEUE | {"accounts.see_all_departments",
                                                      "accounts.unmask_personal_data"}),
    Role.LEADER: frozenset(
        _EVERY_ROLE | _QUEUE | {"accounts.see_all_departments", "approvals.oversee_checks"}),
    Role.AUDITOR: frozenset(
        _EVERY_ROLE | _QUEUE | {"accounts.see_all_departments", "accounts.unmask_personal_data",
                                "audit.read_audit", "approvals.oversee_checks"}),
    # An enterprise account holds no staff permission: it sees its own subject on /my/ only
    # (issuing its own credit report is an object rule in `accounts.permissions`).
    Role.ENTERPRISE: frozenset(),
}


def role_holds(role: str | None, perm: str) -> bool:
    """Whether `role`'s group holds `perm` (read from this table: no query, so permission checks
    on unsaved accounts and in tests without a database answer the same)."""
    return perm in ROLE_PERMISSIONS.get(role or "", frozenset())


def sync_role_groups(apps: Any) -> None:
    """Make one group per role hold exactly its permissions (creating the permissions and their
    content types as needed). `apps` is a migration's historical registry or `django.apps.apps`.
    """
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    rows = {}
    for name, (label, model) in PERMISSIONS.items():
        app_label, codename = name.split(".")
        ct, _created = content_type.objects.get_or_create(app_label=app_label, model=model)
        row, _created = permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": str(label)[:255]})
        rows[name] = row
    for role in Role.values:
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set([rows[n] for n in sorted(ROLE_PERMISSIONS[role])])


def sync_membership(user: Any) -> None:
    """Put `user` in its role's group and out of the other roles' groups (other groups stay)."""
    from django.contrib.auth.models import Group

    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    others = [g for name, g in groups.items() if name != user.role]
    if others:
        user.groups.remove(*others)
    if user.role in groups:
        user.groups.add(groups[user.role])
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
