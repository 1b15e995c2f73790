"""Industry sanctions (行业惩戒): proposal, notice, statement, decision, revocation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import permissions as p
from lists import rules
from lists.models import (
    IndustrySanction,
    NoticeDocument,
    SanctionState,
)
from lists.services._common import (
    _derived_record,
    _end_derived_record,
    _four_eyes,
    _locked,
    _required,
    _store_notice,
)
from lists.workflows import advance
from records.models import CreditRecord, RecordState
from subjects.models import Subject


# --- industry sanctions -----------------------------------------------------------------------
def _act_record_problem(*, subject: Subject, record: CreditRecord | None) -> str | None:
    """Why `record` cannot be the record of the sanctioned act, or None."""
    if record is None:
        return None
    if record.subject_id != subject.pk:
        return _("Record %(n)s belongs to another subject.") % {"n": record.document_number}
    if record.state != RecordState.EFFECTIVE or record.record_type.polarity != "bad":
        return _("Record %(n)s is not an effective bad record.") % {"n": record.document_number}
    return None


@transaction.atomic
def sanction_propose(
    *, actor: User, subject: Subject, kind: str, scope: str, grounds: str, legal_basis: str,
    document_number: str, occurred_on: dt.date, act_record: CreditRecord | None = None,
) -> IndustrySanction:
    """Propose an industry sanction (警告、通报批评、公开谴责) with its grounds and scope.

    `act_record` is the record of the same act when it is already in the archive (say the
    fine for the same conduct): one act gives one record, so the decided sanction links to it
    and adds no second record the grade would count again.
    """
    department = actor.department
    account_permissions.require(p.can_propose(actor, department), _("propose sanctions"))
    if department is None:
        raise ValidationFailed("required", _("Your account has no department."))
    if kind not in IndustrySanction.Kind.values:
        raise ValidationFailed("bad_kind", _("Unknown sanction."), field="kind")
    if scope not in IndustrySanction.Scope.values:
        raise ValidationFailed("bad_scope", _("Unknown scope of publication."), field="scope")
    if occurred_on > clock.today():
        raise ValidationFailed("future_date", _("The date it occurred cannot be in the future."),
                               field="occurred_on")
    problem = _act_record_problem(subject=subject, record=act_record)
    if problem:
        raise ValidationFailed("bad_act_record", problem, field="act_record")
    sanction = IndustrySanction.objects.create(
        subject=subject, kind=kind, scope=scope,
        grounds=_required(grounds, "grounds", _("State the grounds.")),
        legal_basis=_required(legal_basis, "legal_basis", _("State the legal basis.")),
        document_number=_required(document_number, "document_number",
                                  _("The document number is required.")),
        occurred_on=occurred_on, department=department, proposed_by=actor,
        proposed_at=clock.now(), act_record=act_record,
    )
    record_event(actor=actor, action="lists.sanction.propose", target=sanction,
                 after={"subject": subject.pk, "kind": kind, "scope": scope,
                        "grounds": sanction.grounds,
                        "act_record": act_record.pk if act_record else None})
    return sanction


def _sanction_notice(sanction: IndustrySanction, *, actor: User, kind: str, template: str
                     ) -> NoticeDocument:
    """Render and keep the notice or the decision of a sanction, with its checksum and its
    verification link (`_store_notice`)."""
    return _store_notice(kind=kind, actor=actor, template=template, sanction=sanction, context={
        "sanction": sanction, "subject": sanction.subject, "issued_on": clock.today(),
        "statement_days": rules.parameter("sanction_statement_working_days"),
    })


@transaction.atomic
def sanction_notify(*, actor: User, sanction: IndustrySanction) -> IndustrySanction:
    """Serve the notice of intended sanction (告知书) and open the statement period.

    行政处罚法 第四十四条、第四十五条 (警告 and 通报批评 are administrative penalties since 2021):
    before the decision the party is told the facts, reasons, basis and its right to state and
    defend itself; the period ends on `rules.sanction_statement_deadline`.
    """
    sanction = _locked(sanction)
    advance(sanction, "notify", actor=actor)
    sanction.notified_on = clock.today()
    sanction.statement_ends_on = rules.sanction_statement_deadline(
        notified_on=sanction.notified_on)
    sanction.save()
    _sanction_notice(sanction, actor=actor, kind=NoticeDocument.Kind.SANCTION_NOTICE,
                     template="lists/notices/sanction_notice.html")
    record_event(actor=actor, action="lists.sanction.notify", target=sanction,
                 before={"state": SanctionState.PROPOSED},
                 after={"state": sanction.state, "notified_on": sanction.notified_on,
                        "statement_ends_on": sanction.statement_ends_on})
    return sanction


@transaction.atomic
def sanction_record_statement(*, actor: User, sanction: IndustrySanction, statement: str,
                              final: bool = False) -> IndustrySanction:
    """Record the party's statement and defence (陈述申辩), or its waiver (`final`)."""
    sanction = _locked(sanction)
    account_permissions.require(p.can_handle(sanction, actor), _("record statements"))
    if sanction.state != SanctionState.NOTIFIED:
        raise Conflict("invalid_transition",
                       _("A statement can be recorded only while the statement period runs."))
    statement = (statement or "").strip()
    if not statement and not final:
        raise ValidationFailed("required", _("Enter the statement, or record that the subject "
                                             "waives it."), field="statement")
    before = {"statement": sanction.statement, "final": sanction.statement_final}
    if statement:
        sanction.statement = f"{sanction.statement}\n\n{statement}".strip()
    sanction.statement_final = sanction.statement_final or final
    sanction.save()
    record_event(actor=actor, action="lists.sanction.statement", target=sanction, before=before,
                 after={"statement": sanction.statement, "final": sanction.statement_final})
    return sanction


def sanction_decision_refusal(*, sanction: IndustrySanction, as_of: dt.date) -> str | None:
    """Why the sanction may not be decided on `as_of`, or None: not before the notice was
    served and the statement period ended, unless the party finished or waived its statement
    (行政处罚法 第四十四条、第四十五条、第六十二条: a penalty decided without hearing the party
    does not stand). The refusal names the first day a decision is possible."""
    if sanction.state == SanctionState.PROPOSED:
        return _("Serve the notice of intended sanction first: the party must be heard before "
                 "the decision (《中华人民共和国行政处罚法》第四十四条、第四十五条).")
    if sanction.statement_ends_on and sanction.statement_ends_on >= as_of \
            and not sanction.statement_final:
        return _("The statement period runs until %(d)s; the decision is possible from %(n)s, "
                 "or earlier once the party has finished or waived its statement "
                 "(《中华人民共和国行政处罚法》第四十五条).") % {
            "d": sanction.statement_ends_on,
            "n": sanction.statement_ends_on + dt.timedelta(days=1)}
    return None


@transaction.atomic
def sanction_decide(*, actor: User, sanction: IndustrySanction, comment: str = ""
                    ) -> IndustrySanction:
    """Decide the sanction after the party was heard, with a printable decision (决定书).

    It becomes an effective bad record (public or internal by its scope) entered by the
    proposer and approved by the decider, so grades reflect it; when the act is already on
    record (`act_record`), the sanction links to that record and adds none, so the same
    conduct is not counted twice.
    """
    sanction = _locked(sanction)
    today = clock.today()
    refusal = sanction_decision_refusal(sanction=sanction, as_of=today)
    if refusal:
        raise Conflict("statement_period_running", refusal)
    advance(sanction, "decide", actor=actor)
    _four_eyes(actor, sanction.proposed_by_id)
    sanction.decided_on, sanction.decided_by = today, actor
    sanction.decision_number = sanction.document_number
    sanction.comment = (comment or "").strip()
    record = None
    if sanction.act_record_id is None:
        record, error = _derived_record(
            creator=sanction.proposed_by, approver=actor, subject=sanction.subject,
            type_code=f"sanction_{sanction.kind}", occurred_on=sanction.occurred_on,
            decided_on=today, document_number=sanction.document_number,
            department=sanction.department, description=sanction.grounds,
            is_public=sanction.scope == IndustrySanction.Scope.PUBLIC,
        )
        if record is None:
            raise Conflict("record_failed", error)
        sanction.record = record
    sanction.save()
    _sanction_notice(sanction, actor=actor, kind=NoticeDocument.Kind.SANCTION_DECISION,
                     template="lists/notices/sanction_decision.html")
    record_event(actor=actor, action="lists.sanction.decide", target=sanction,
                 before={"state": SanctionState.NOTIFIED},
                 after={"state": sanction.state, "decided_on": today,
                        "record": record.pk if record else None,
                        "act_record": sanction.act_record_id})
    return sanction


@transaction.atomic
def sanction_reject(*, actor: User, sanction: IndustrySanction, comment: str
                    ) -> IndustrySanction:
    sanction = _locked(sanction)
    before = sanction.state
    advance(sanction, "reject", actor=actor)
    _four_eyes(actor, sanction.proposed_by_id)
    sanction.comment = _required(comment, "comment", _("Give the reasons."))
    sanction.decided_by, sanction.decided_on = actor, clock.today()
    sanction.save()
    record_event(actor=actor, action="lists.sanction.reject", target=sanction,
                 before={"state": before},
                 after={"state": sanction.state, "comment": sanction.comment})
    return sanction


@transaction.atomic
def sanction_revoke(*, actor: User, sanction: IndustrySanction, reason: str
                    ) -> IndustrySanction:
    """Revoke a decided sanction (annulled on review); its record is revoked with it."""
    sanction = _locked(sanction)
    advance(sanction, "revoke", actor=actor)
    reason = _required(reason, "reason", _("Give the reason."))
    sanction.comment = reason
    sanction.save()
    error = _end_derived_record(sanction.record, actor=actor, reason=reason)
    if error:
        raise Conflict("record_failed", error)
    record_event(actor=actor, action="lists.sanction.revoke", target=sanction,
                 before={"state": SanctionState.DECIDED},
                 after={"state": sanction.state, "reason": reason})
    return sanction
