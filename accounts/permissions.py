"""Who may do what: Django permissions held by role groups, and one object-level rule each.

Two halves, each in one place:

* role → action: the permissions each role's group holds (`accounts.roles.ROLE_PERMISSIONS`,
  made into Django groups by a data migration);
* conditions beyond the role, with the `rules` library, registered below under the same
  permission names: a clerk acts only for its own department (`acts_for_department`), deciding
  is the lead department's (`in_lead_department`), running checks needs a department.

`allowed(user, perm, obj)` asks both; the `can_…` functions here and in `approvals`, `appeals`,
`lists`, `scoring` and `supervision` are thin names for it that views, the API and services call
(services call them again through `require`, so that no door can skip a check). `rules`'
`ObjectPermissionBackend` is installed too, so `user.has_perm(perm, obj)` with an object answers
the same rule. The administrator's page `/staff/permissions/` shows the whole matrix (`matrix`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import Department, Role
from accounts.roles import PERMISSIONS, role_holds
from common.errors import PermissionDeniedError

if TYPE_CHECKING:
    from accounts.models import User

STAFF_ROLES = set(Role.values) - {Role.ENTERPRISE}  # an enterprise sees /my/ only


def is_staff_member(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and getattr(user, "role", None) in STAFF_ROLES)


# --- predicates: each the one place of its condition ------------------------------------------
def holds(perm: str) -> rules.Predicate:
    """The user's role group holds `perm` (and the account is an active staff account)."""

    @rules.predicate(name=f"holds:{perm}")
    def check(user: Any) -> bool:
        return is_staff_member(user) and role_holds(user.role, perm)

    return check


@rules.predicate
def is_admin(user: Any) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


@rules.predicate
def is_clerk(user: Any) -> bool:
    return getattr(user, "role", None) == Role.CLERK


@rules.predicate
def in_lead_department(user: Any) -> bool:
    """The account belongs to the lead department (牵头部门), which reviews and decides."""
    department = getattr(user, "department", None)
    return department is not None and department.kind == Department.Kind.LEAD


@rules.predicate
def has_department(user: Any) -> bool:
    return getattr(user, "department_id", None) is not None


def _department_id(obj: Any) -> Any:
    if isinstance(obj, Department):
        return obj.pk
    if obj is None or isinstance(obj, int | str):
        return obj
    return obj.department_id


@rules.predicate
def no_object(user: Any, obj: Any) -> bool:
    """Asked in general (e.g. may this account submit at all), not for one department's case."""
    return obj is None


@rules.predicate
def acts_for_department(user: Any, obj: Any) -> bool:
    """The object (a department, a department id, or a case/check carrying one) is the
    account's own department: "谁处罚、谁列入" (建市〔2017〕241号 第十四条), the department that
    found the facts acts on them."""
    return _department_id(obj) == getattr(user, "department_id", None)


#: who finds the subject an enterprise account acts for: registered by the app that keeps
#: enterprise accounts (`appeals`, in its AppConfig.ready), which sits above this one
_subject_resolvers: list[Callable[[Any], Any]] = []


def register_subject_resolver(resolver: Callable[[Any], Any]) -> None:
    """`resolver(user)` → the subject a verified enterprise account acts for, or None."""
    if resolver not in _subject_resolvers:
        _subject_resolvers.append(resolver)


@rules.predicate
def represents_subject(user: Any, obj: Any) -> bool:
    """An enterprise account, verified, asking about its own subject (its own credit report)."""
    if obj is None or getattr(user, "role", None) != Role.ENTERPRISE:
        return False
    return any(resolver(user) == obj for resolver in _subject_resolvers)


#: a clerk acts only for its own department; reviewers and administrators for any
OWN_DEPARTMENT_FOR_CLERKS = ~is_clerk | (no_object | acts_for_department)
DECIDERS = is_admin | in_lead_department
OVERSEERS = holds("approvals.oversee_checks") | (holds("approvals.see_checks")
                                                 & in_lead_department)

RULES: dict[str, rules.Predicate] = {
    "records.submit_records": holds("records.submit_records") & OWN_DEPARTMENT_FOR_CLERKS,
    "records.review_records": holds("records.review_records") & DECIDERS,
    "lists.propose_entries": holds("lists.propose_entries") & OWN_DEPARTMENT_FOR_CLERKS,
    "lists.handle_entries": holds("lists.handle_entries") & OWN_DEPARTMENT_FOR_CLERKS,
    "lists.decide_entries": holds("lists.decide_entries") & DECIDERS,
    "approvals.run_checks": holds("approvals.run_checks") & has_department,
    "approvals.handle_checks": holds("approvals.handle_checks") & (
        has_department & (is_admin | acts_for_department)),
    "approvals.oversee_checks": OVERSEERS,
    "approvals.see_checks": holds("approvals.see_checks") & (OVERSEERS | acts_for_department),
    "appeals.verify_accounts": holds("appeals.verify_accounts") & DECIDERS,
    "appeals.answer_objections": holds("appeals.answer_objections") & DECIDERS,
    "portal.issue_reports": holds("portal.issue_reports") | represents_subject,
    "portal.revoke_documents": holds("portal.revoke_documents") & DECIDERS,
}
for _perm in PERMISSIONS:
    rules.add_perm(_perm, RULES.get(_perm, holds(_perm)))

#: how the matrix page words each predicate of a rule
CONDITION_LABELS = {
    "is_admin": gettext_lazy("administrator"),
    "is_clerk": gettext_lazy("clerk"),
    "in_lead_department": gettext_lazy("of the lead department"),
    "has_department": gettext_lazy("belongs to a department"),
    "no_object": gettext_lazy("asked in general"),
    "acts_for_department": gettext_lazy("for its own department"),
    "represents_subject": gettext_lazy("an enterprise account, for its own subject"),
}


def allowed(user: Any, perm: str, obj: Any = None) -> bool:
    """Whether `user` may `perm` (on `obj`): its role's group holds it and the rule agrees.

    Asks the rule directly rather than `user.has_perm`, which would let a Django superuser pass
    every rule and answer an object-less question from the groups alone.
    """
    return rules.has_perm(perm, user, obj)


def can_edit_subjects(user: User) -> bool:
    return allowed(user, "subjects.edit_subjects")


def can_submit_records(user: User, department: Department | None = None) -> bool:
    """Clerks submit for their own department; reviewers and administrators for any."""
    return allowed(user, "records.submit_records", department)


def can_review_records(user: User) -> bool:
    """Only the lead department's reviewers (and administrators) make records effective."""
    return allowed(user, "records.review_records")


def can_see_all_departments(user: User) -> bool:
    return allowed(user, "accounts.see_all_departments")


def can_unmask_personal_data(user: User) -> bool:
    return allowed(user, "accounts.unmask_personal_data")


def can_read_audit(user: User) -> bool:
    return allowed(user, "audit.read_audit")


def can_manage_accounts(user: User) -> bool:
    """Departments and staff accounts are the administrator's alone."""
    return allowed(user, "accounts.manage_accounts")


def can_issue_reports(user: User, subject: Any = None) -> bool:
    """Staff who serve subjects, for any subject; a verified enterprise account, for its own."""
    return allowed(user, "portal.issue_reports", subject)


def can_revoke_documents(user: User) -> bool:
    """Revoking what the platform certified is the lead department's reviewers' decision."""
    return allowed(user, "portal.revoke_documents")


def require(allowed: bool, action: str) -> None:
    """Raise a translated 403 unless `allowed`; `action` names what was refused."""
    if not allowed:
        raise PermissionDeniedError(
            "permission_denied", _("You are not allowed to %(action)s.") % {"action": action}
        )


# --- the matrix -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatrixRow:
    perm: str
    label: Any
    roles: list[bool]  # in the order of `Role`
    condition: str  # the rule beyond the role, in words ("" when the role is enough)


def _condition(perm: str) -> str:
    """The rule registered for `perm` in words, read from the predicate expression `rules`
    keeps (its own `holds:` part dropped; another permission it builds on quoted by label)."""
    if perm not in RULES:
        return ""
    text = RULES[perm].name
    own, alternative = f"(holds:{perm} & ", f"(holds:{perm} | "
    if text.startswith(own) and text.endswith(")"):
        text = text[len(own):-1]
    elif text.startswith(alternative) and text.endswith(")"):  # the role, or else this rule
        text = "| " + text[len(alternative):-1]
    text = re.sub(r"holds:([\w.]+)", lambda m: f"“{PERMISSIONS[m.group(1)][0]}”", text)
    for name, label in CONDITION_LABELS.items():
        text = re.sub(rf"\b{name}\b", str(label), text)
    words = {"~": pgettext("rule", "not") + " ", "&": pgettext("rule", "and"),
             "|": pgettext("rule", "or")}
    text = re.sub(r"[~&|]", lambda m: words[m.group(0)], text)
    return _unwrap(text)


def _unwrap(text: str) -> str:
    """Drop parentheses around the whole expression."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1]
    return text


def matrix() -> list[MatrixRow]:
    """Role × action as the database's role groups hold it, with each action's rule."""
    from django.contrib.auth.models import Group

    held: dict[str, set[str]] = {role: set() for role in Role.values}
    for group in Group.objects.filter(name__in=Role.values).prefetch_related(
            "permissions__content_type"):
        held[group.name] = {f"{p.content_type.app_label}.{p.codename}"
                            for p in group.permissions.all()}
    return [MatrixRow(perm=perm, label=label,
                      roles=[perm in held[role] for role in Role.values],
                      condition=_condition(perm))
            for perm, (label, _model) in PERMISSIONS.items()]
