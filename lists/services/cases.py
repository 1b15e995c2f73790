"""Typical cases (典型案例): writing, review and publication."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import permissions as p
from lists.models import (
    CaseState,
    TypicalCase,
)
from lists.services._common import _four_eyes, _locked, _required
from lists.workflows import advance
from records.models import CreditRecord
from subjects.models import Subject


# --- typical cases ----------------------------------------------------------------------------
@transaction.atomic
def case_create(
    *, actor: User, title: str, kind: str, body: str, subjects: Sequence[Subject],
    records: Sequence[CreditRecord] = (),
) -> TypicalCase:
    """Write up a typical case (典型案例) linked to its subjects and records."""
    department = actor.department
    account_permissions.require(p.can_propose(actor, department), _("write typical cases"))
    if department is None:
        raise ValidationFailed("required", _("Your account has no department."))
    if kind not in TypicalCase.Kind.values:
        raise ValidationFailed("bad_kind", _("Choose good or bad example."), field="kind")
    if not subjects:
        raise ValidationFailed("required", _("Link at least one subject."), field="subjects")
    subject_ids = {s.pk for s in subjects}
    if any(r.subject_id not in subject_ids for r in records):
        raise ValidationFailed("record_other_subject",
                               _("Every linked record must belong to a linked subject."),
                               field="records")
    case = TypicalCase.objects.create(
        title=_required(title, "title", _("The title is required.")), kind=kind,
        body=_required(body, "body", _("The text is required.")), department=department,
        author=actor,
    )
    case.subjects.set(subjects)
    case.records.set(records)
    record_event(actor=actor, action="lists.case.create", target=case,
                 after={"title": case.title, "kind": kind, "subjects": sorted(subject_ids),
                        "records": [r.pk for r in records]})
    return case


@transaction.atomic
def case_update(*, actor: User, case: TypicalCase, title: str, body: str) -> TypicalCase:
    case = _locked(case)
    account_permissions.require(p.can_handle(case, actor), _("edit typical cases"))
    if case.state != CaseState.DRAFT:
        raise Conflict("invalid_transition", _("Only a draft can be edited."))
    before = {"title": case.title, "body": case.body}
    case.title = _required(title, "title", _("The title is required."))
    case.body = _required(body, "body", _("The text is required."))
    case.save()
    record_event(actor=actor, action="lists.case.update", target=case, before=before,
                 after={"title": case.title, "body": case.body})
    return case


@transaction.atomic
def case_transition(*, actor: User, case: TypicalCase, action: str, comment: str = ""
                    ) -> TypicalCase:
    """submit / return_to_author / publish / withdraw; four eyes for publishing."""
    if action not in {"submit", "return_to_author", "publish", "withdraw"}:
        raise ValidationFailed("bad_action", _("Unknown action."))
    case = _locked(case)
    before = case.state
    advance(case, action, actor=actor)
    comment = (comment or "").strip()
    if action in {"publish", "return_to_author"}:
        _four_eyes(actor, case.author_id)
        case.reviewed_by, case.review_comment = actor, comment
        if action == "return_to_author" and not comment:
            raise ValidationFailed("required", _("Say what must change."), field="comment")
    if action == "publish":
        case.published_on = clock.today()
    if action == "withdraw":
        case.withdrawn_on = clock.today()
        case.withdraw_reason = _required(comment, "comment", _("Give the reason."))
    case.save()
    record_event(actor=actor, action=f"lists.case.{action}", target=case,
                 before={"state": before}, after={"state": case.state, "comment": comment})
    return case
