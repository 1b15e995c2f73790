"""Who may take each step of a list procedure: predicates over (entry, user).

They are attached to the django-fsm transitions (`permission=`) so the state machine itself
says who may fire each transition, and `lists.workflows.advance` asks them before acting. They
are names for `accounts.permissions` rules (roles in `accounts.roles`), the single place roles
are interpreted:

* handling a case (proposing, serving the notice, recording a statement, registering an
  objection or repair request) is for those who may enter records for the case's department
  ("谁处罚、谁列入", 建市〔2017〕241号 第十四条: the department that found the facts lists);
* deciding (listing, dismissing, publishing, answering objections and repair requests) is for the
  lead department's reviewers, as the credit records themselves are;
* transitions driven by a date (statement period over, publicity over, duration over) are made
  by the deadline job only, which acts as `None`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.permissions import allowed

if TYPE_CHECKING:
    from accounts.models import Department, User


def can_propose(user: User | None, department: Department | None = None) -> bool:
    """Enter a list proposal, a sanction or a typical case for `department`."""
    return allowed(user, "lists.propose_entries", department)


def can_handle(entry: Any, user: User | None) -> bool:
    """Act for the department that carries the case (clerks of it, reviewers, administrators)."""
    return allowed(user, "lists.handle_entries", entry)


def can_decide(entry: Any, user: User | None) -> bool:
    """Decide on a case: the lead department's reviewers and administrators."""
    return allowed(user, "lists.decide_entries", entry)


def system_only(entry: Any, user: User | None) -> bool:
    """A date moves the case, not a person: only the deadline job (actor None) may fire it."""
    return user is None


def handler_or_system(entry: Any, user: User | None) -> bool:
    """The job when the period ends, or the department earlier (e.g. the subject waived)."""
    return user is None or can_handle(entry, user)


def decider_or_system(entry: Any, user: User | None) -> bool:
    """The job (a rule fired, e.g. a bad record became effective) or a reviewer."""
    return user is None or can_decide(entry, user)


def can_view_lists(user: User | None) -> bool:
    return allowed(user, "lists.view_lists")
