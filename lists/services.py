"""Writes on lists: one function per business action, each one transaction with its audit event.

Every step fires one transition through `lists.workflows.advance` on a row locked with
SELECT … FOR UPDATE, so two reviewers acting at once are serialised: the second one finds the
state already moved and is told so (`Conflict`). Dates come from `lists.rules`, one function per
rule. Feedback into the archive (a listing, a commendation, a sanction) is written as credit
records through `records.services`, never by touching scoring.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import Department, User
from audit.services import record_event
from common import clock
from common.errors import Conflict, PermissionDeniedError, ServiceError, ValidationFailed
from common.pdf import render_pdf
from lists import catalogue, rules, selectors
from lists import permissions as p
from lists.eligibility import RED_LIST_NOMINATION, require_eligible
from lists.models import (
    BLACK_OPEN_STATES,
    RED_OPEN_STATES,
    BlackListEntry,
    BlacklistGround,
    BlackState,
    CaseState,
    IndustrySanction,
    KeyState,
    KeySupervisionEntry,
    NoticeDocument,
    Objection,
    RedListCriterion,
    RedListEntry,
    RedState,
    RepairRequest,
    SanctionState,
    TypicalCase,
)
from lists.workflows import advance
from records.models import CreditRecord, RecordState
from records.services import (
    record_approve,
    record_create,
    record_end_publicity,
    record_repair,
    record_revoke,
    repair_refusal,
)
from subjects.models import Subject

M = TypeVar("M", bound=models.Model)


# --- helpers ----------------------------------------------------------------------------------
def _locked(instance: M) -> M:
    """Re-read the row under SELECT … FOR UPDATE (a no-op on SQLite, whose IMMEDIATE
    transactions already serialise writers); the caller re-checks the state it expects."""
    model = type(instance)
    return model.objects.select_for_update(of=("self",)).get(pk=instance.pk)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("required", message, field=field)
    return value


def _four_eyes(actor: User, *others: User | int | None) -> None:
    """Whoever proposed (or nominated, or wrote) a case never decides on it."""
    ids = {getattr(o, "pk", o) for o in others if o is not None}
    if actor.pk in ids:
        raise PermissionDeniedError(
            "four_eyes", _("You proposed this case; another reviewer must decide on it."))


def _lead_department() -> Department:
    lead = Department.objects.filter(kind=Department.Kind.LEAD).first()
    if lead is None:
        raise ValidationFailed("no_lead_department", _("No lead department is configured."))
    return lead


def _derived_record(
    *, creator: User | None, approver: User | None, subject: Subject, type_code: str,
    occurred_on: dt.date, decided_on: dt.date, document_number: str, department: Department,
    description: str, is_public: bool | None = None,
) -> tuple[CreditRecord | None, str]:
    """Feed a list decision back into the archive as an effective credit record.

    The record goes through `records.services` like any other: the case's proposer enters it and
    the decider approves it (the same two pairs of eyes that made the decision). If either can no
    longer act (account disabled, role changed), the decision still stands and the failure is
    returned, to be shown on the workbench so that a clerk enters the record by hand.
    """
    if creator is None or approver is None or creator.pk == approver.pk:
        return None, _("No second person is available to approve the listing record.")
    try:
        with transaction.atomic():
            record = record_create(
                actor=creator, subject=subject,
                record_type=catalogue.derived_record_type(type_code),
                occurred_on=occurred_on, decided_on=decided_on,
                document_number=document_number, source_department=department,
                description=description, is_public=is_public, submit=True,
            )
            record = record_approve(actor=approver, record=record,
                                    comment=_("Derived from a list decision."))
    except ServiceError as exc:
        return None, str(exc.message)
    return record, ""


def _end_derived_record(record: CreditRecord | None, *, actor: User | None, reason: str) -> str:
    """Revoke the record a listing created when the listing is annulled or repaired.

    发改委令第36号: repair means 终止公示、停止共享和使用 and the evaluation is updated; an upheld
    objection means the listing should never have been. Revoking sends record_state_changed, so
    grades and key supervision follow at once.
    """
    if record is None:
        return ""
    if actor is None:
        return _("No reviewer is available to revoke the listing record.")
    current = CreditRecord.objects.get(pk=record.pk)
    if current.state != RecordState.EFFECTIVE:
        return ""
    try:
        with transaction.atomic():
            record_revoke(actor=actor, record=current, reason=reason)
    except ServiceError as exc:  # the list decision stands; the workbench shows the failure
        return str(exc.message)
    return ""


def _store_notice(
    *, kind: str, actor: User, template: str, context: dict[str, Any],
    black_entry: BlackListEntry | None = None, red_entry: RedListEntry | None = None,
) -> NoticeDocument:
    """Render a notice to PDF and keep it with its SHA-256, so what was served can be proved."""
    pdf = render_pdf(template, context)
    digest = hashlib.sha256(pdf).hexdigest()
    notice = NoticeDocument(kind=kind, black_entry=black_entry, red_entry=red_entry,
                            issued_on=clock.today(), sha256=digest, size=len(pdf),
                            created_by=actor)
    # Named by checksum: if the transaction rolls back, the orphan file is harmless and a retry
    # that renders the same bytes reuses the name.
    notice.file.save(f"{digest}.pdf", ContentFile(pdf), save=False)
    notice.save()
    record_event(actor=actor, action=f"lists.notice.{kind}", target=notice,
                 after={"sha256": digest, "size": len(pdf),
                        "entry": (black_entry or red_entry).pk})  # type: ignore[union-attr]
    return notice


def _effective_proofs(
    *, subject: Subject, ground: BlacklistGround, records: Sequence[CreditRecord], today: dt.date,
) -> list[CreditRecord]:
    """The cited records that prove the ground, or a refusal that says which one does not.

    A record proves a ground only if it is the subject's, of a type the ground names, effective,
    and still inside its publicity period: 建市〔2017〕241号 第十三条 forbids using bad records
    past their disclosure period for punishment.
    """
    if not records:
        raise ValidationFailed("no_proof", _("Cite at least one effective record that proves "
                                             "the ground."), field="records")
    proofs = []
    for record in records:
        label = record.document_number
        if record.subject_id != subject.pk:
            raise ValidationFailed("proof_other_subject",
                                   _("Record %(n)s belongs to another subject.") % {"n": label},
                                   field="records")
        if record.record_type.code not in ground.record_type_codes:
            raise ValidationFailed(
                "proof_wrong_type",
                _("Record %(n)s (%(t)s) does not prove the ground “%(g)s”.")
                % {"n": label, "t": record.record_type.name, "g": ground.name}, field="records")
        if record.state != RecordState.EFFECTIVE:
            raise ValidationFailed(
                "proof_not_effective",
                _("Record %(n)s is not effective (%(s)s); only effective records prove a ground.")
                % {"n": label, "s": record.get_state_display()}, field="records")
        if record.publicity_ends_on < today:
            raise ValidationFailed(
                "proof_expired",
                _("Record %(n)s is past its publicity period and may no longer be used for "
                  "punishment.") % {"n": label}, field="records")
        proofs.append(record)
    if ground.window_months:
        start = rules.red_list_clean_window_start(as_of=today, months=ground.window_months)
        in_window = [r for r in proofs if r.occurred_on >= start]
    else:
        in_window = proofs
    if len(in_window) < ground.min_records:
        raise ValidationFailed(
            "proof_insufficient",
            _("The ground “%(g)s” needs %(n)s such records%(w)s.")
            % {"g": ground.name, "n": ground.min_records,
               "w": _(" within %(m)s months") % {"m": ground.window_months}
               if ground.window_months else ""}, field="records")
    return proofs


# --- black list -------------------------------------------------------------------------------
@transaction.atomic
def black_propose(
    *, actor: User, subject: Subject, ground: BlacklistGround, records: Sequence[CreditRecord],
    facts: str,
) -> BlackListEntry:
    """Propose listing a subject, citing the effective records that prove a listed ground.

    Only the grounds in the catalogue may be used (国办发〔2020〕49号 (六): 清单管理); the
    proposing department is the actor's ("谁处罚、谁列入", 建市〔2017〕241号 第十四条).
    """
    department = actor.department
    account_permissions.require(p.can_propose(actor, department), _("propose black-list entries"))
    if department is None:
        raise ValidationFailed("required", _("Your account has no department."))
    facts = _required(facts, "facts", _("State the facts and the reason for listing."))
    if not ground.is_active:
        raise ValidationFailed("inactive_ground", _("The ground “%(g)s” is no longer in use.")
                               % {"g": ground.name}, field="ground")
    Subject.objects.select_for_update().filter(pk=subject.pk).first()  # one proposal at a time
    if BlackListEntry.objects.filter(
        subject=subject, ground=ground, state__in=[*BLACK_OPEN_STATES, BlackState.IN_FORCE]
    ).exists():
        raise Conflict("already_proposed",
                       _("%(s)s already has an open or in-force black-list entry on this ground.")
                       % {"s": subject.name})
    records = list(CreditRecord.objects.select_related("record_type")
                   .filter(pk__in=[r.pk for r in records]))
    proofs = _effective_proofs(subject=subject, ground=ground, records=records,
                               today=clock.today())
    entry = BlackListEntry.objects.create(
        subject=subject, ground=ground, department=department, facts=facts,
        proposed_by=actor, proposed_at=clock.now(),
    )
    entry.records.set(proofs)
    record_event(actor=actor, action="lists.black.propose", target=entry,
                 after={"subject": subject.pk, "ground": ground.code, "facts": facts,
                        "records": [r.pk for r in proofs]})
    return entry


def _intent_context(entry: BlackListEntry) -> dict[str, Any]:
    return {
        "entry": entry, "subject": entry.subject, "records": list(entry.records.all()),
        "issued_on": entry.notified_on, "notice_number": f"GZ-{entry.pk:06d}",
        "statement_days": rules.parameter("black_statement_working_days"),
        "objection_days": rules.parameter("objection_reply_working_days"),
        "duration_months": rules.parameter("black_management_months"),
    }


@transaction.atomic
def black_notify(*, actor: User, entry: BlackListEntry) -> BlackListEntry:
    """Serve the notice of intended listing (告知书) and open the statement period.

    国办发〔2020〕49号 (八): before the decision the subject is told the reason, the legal basis
    and its rights; the period ends on `rules.statement_and_defence_deadline`.
    """
    entry = _locked(entry)
    advance(entry, "notify", actor=actor)
    entry.notified_on = clock.today()
    entry.statement_ends_on = rules.statement_and_defence_deadline(notified_on=entry.notified_on)
    entry.save()
    _store_notice(kind=NoticeDocument.Kind.INTENT, actor=actor, black_entry=entry,
                  template="lists/notices/intent.html", context=_intent_context(entry))
    record_event(actor=actor, action="lists.black.notify", target=entry,
                 before={"state": BlackState.PROPOSED},
                 after={"state": entry.state, "notified_on": entry.notified_on,
                        "statement_ends_on": entry.statement_ends_on})
    return entry


@transaction.atomic
def black_record_statement(
    *, actor: User, entry: BlackListEntry, statement: str, final: bool = False,
) -> BlackListEntry:
    """Record the subject's statement and defence (陈述申辩), or its waiver (`final`, empty text).

    Only while the statement period runs; `final` lets the review start before the period ends
    (the subject has said all it wants to say).
    """
    entry = _locked(entry)
    account_permissions.require(p.can_handle(entry, actor), _("record statements"))
    if entry.state != BlackState.NOTIFIED:
        raise Conflict("invalid_transition",
                       _("A statement can be recorded only while the statement period runs."))
    statement = (statement or "").strip()
    if not statement and not final:
        raise ValidationFailed("required", _("Enter the statement, or record that the subject "
                                             "waives it."), field="statement")
    before = {"statement": entry.statement, "final": entry.statement_final}
    if statement:
        entry.statement = f"{entry.statement}\n\n{statement}".strip()
        entry.statement_received_on = clock.today()
    entry.statement_final = entry.statement_final or final
    entry.save()
    record_event(actor=actor, action="lists.black.statement", target=entry, before=before,
                 after={"statement": entry.statement, "final": entry.statement_final})
    return entry


def _begin_review(entry: BlackListEntry, *, actor: User | None, as_of: dt.date) -> None:
    advance(entry, "begin_review", actor=actor)
    ready = min(as_of, entry.statement_ends_on) if entry.statement_ends_on else as_of
    entry.review_due_on = rules.listing_review_deadline(ready_on=ready)
    entry.save()
    record_event(actor=actor, action="lists.black.begin_review", target=entry,
                 before={"state": BlackState.NOTIFIED},
                 after={"state": entry.state, "review_due_on": entry.review_due_on})


@transaction.atomic
def black_begin_review(*, actor: User, entry: BlackListEntry) -> BlackListEntry:
    """Start the review before the statement period ends: only if the subject has finished."""
    entry = _locked(entry)
    today = clock.today()
    if entry.state == BlackState.NOTIFIED and not entry.statement_final and (
        entry.statement_ends_on and entry.statement_ends_on >= today
    ):
        raise Conflict(
            "statement_period_running",
            _("The statement period runs until %(d)s; the review starts after it, or earlier "
              "only if the subject has finished or waived its statement.")
            % {"d": entry.statement_ends_on})
    _begin_review(entry, actor=actor, as_of=today)
    return entry


@transaction.atomic
def black_decide(
    *, actor: User, entry: BlackListEntry, decision_number: str, legal_basis: str,
    reasons: str, measures: str = "", decided_on: dt.date | None = None,
) -> BlackListEntry:
    """Decide to list, with the legal basis, reasons and measures (国办发〔2020〕49号; the Anhui
    rule: the decision states reason, basis, measures, removal conditions and remedies).

    The decision date is kept apart from the effective period, which starts only after the
    publicity. Two reviewers deciding at once: the row lock lets one through, the other is told
    the entry has moved on.
    """
    entry = _locked(entry)
    advance(entry, "decide", actor=actor)
    _four_eyes(actor, entry.proposed_by_id)
    entry.decision_number = _required(decision_number, "decision_number",
                                      _("The decision document number is required."))
    entry.decision_basis = _required(legal_basis, "legal_basis",
                                     _("State the legal basis of the decision."))
    entry.decision_reasons = _required(reasons, "reasons", _("State the reasons."))
    entry.measures = (measures or "").strip() or str(selectors.DEFAULT_BLACK_MEASURES)
    entry.decided_on = decided_on or clock.today()
    if entry.decided_on > clock.today():
        raise ValidationFailed("future_date", _("The decision date cannot be in the future."),
                               field="decided_on")
    if entry.notified_on and entry.decided_on < entry.notified_on:
        raise ValidationFailed(
            "decided_before_notice",
            _("The decision date cannot be earlier than the notice (%(d)s): the subject must be "
              "heard first.") % {"d": entry.notified_on}, field="decided_on")
    entry.decided_by = actor
    entry.duration_months = rules.parameter("black_management_months")
    entry.publish_due_on = rules.publication_deadline(decided_on=entry.decided_on)
    entry.save()
    record_event(actor=actor, action="lists.black.decide", target=entry,
                 before={"state": BlackState.UNDER_REVIEW},
                 after={"state": entry.state, "decision_number": entry.decision_number,
                        "decided_on": entry.decided_on, "legal_basis": entry.decision_basis,
                        "reasons": entry.decision_reasons, "measures": entry.measures,
                        "duration_months": entry.duration_months})
    return entry


@transaction.atomic
def black_dismiss(*, actor: User, entry: BlackListEntry, reasons: str) -> BlackListEntry:
    """Decide not to list (e.g. the statement and defence was accepted), with reasons."""
    entry = _locked(entry)
    advance(entry, "dismiss", actor=actor)
    _four_eyes(actor, entry.proposed_by_id)
    entry.decision_reasons = _required(reasons, "reasons", _("State the reasons."))
    entry.decided_on, entry.decided_by = clock.today(), actor
    entry.ended_on, entry.end_reason = entry.decided_on, entry.decision_reasons
    entry.save()
    record_event(actor=actor, action="lists.black.dismiss", target=entry,
                 before={"state": BlackState.UNDER_REVIEW},
                 after={"state": entry.state, "reasons": entry.decision_reasons})
    return entry


@transaction.atomic
def black_withdraw(*, actor: User, entry: BlackListEntry, reason: str) -> BlackListEntry:
    """The proposing department withdraws its proposal before a decision."""
    entry = _locked(entry)
    before = entry.state
    advance(entry, "withdraw", actor=actor)
    entry.ended_on = clock.today()
    entry.end_reason = _required(reason, "reason", _("Give the reason for withdrawing."))
    entry.save()
    record_event(actor=actor, action="lists.black.withdraw", target=entry,
                 before={"state": before}, after={"state": entry.state, "reason": reason})
    return entry


def _announcement_context(entry: BlackListEntry) -> dict[str, Any]:
    return {
        "entry": entry, "subject": entry.subject, "issued_on": entry.published_on,
        "effective_from": entry.publicity_ends_on + dt.timedelta(days=1)
        if entry.publicity_ends_on else None,
        "objection_days": rules.parameter("objection_reply_working_days"),
    }


@transaction.atomic
def black_publish(*, actor: User, entry: BlackListEntry) -> BlackListEntry:
    """Publish the decision and open its publicity (公示), with the announcement (公示公告)."""
    entry = _locked(entry)
    advance(entry, "publish", actor=actor)
    entry.published_on = clock.today()
    entry.publicity_ends_on = rules.black_list_publicity_end(published_on=entry.published_on)
    entry.save()
    _store_notice(kind=NoticeDocument.Kind.ANNOUNCEMENT, actor=actor, black_entry=entry,
                  template="lists/notices/announcement.html",
                  context=_announcement_context(entry))
    record_event(actor=actor, action="lists.black.publish", target=entry,
                 before={"state": BlackState.DECIDED},
                 after={"state": entry.state, "published_on": entry.published_on,
                        "publicity_ends_on": entry.publicity_ends_on})
    return entry


def _black_enter_force(entry: BlackListEntry, *, actor: User | None, as_of: dt.date,
                       effective_from: dt.date) -> None:
    """Bring a published entry into force for its management period and feed it back as a
    `blacklisted` record, so the scoring veto applies and the subject page shows it."""
    advance(entry, "enter_force", actor=actor)
    entry.effective_from = effective_from
    entry.effective_until = rules.black_list_management_period_end(
        effective_from=entry.effective_from, months=entry.duration_months)
    record, error = _derived_record(
        creator=entry.proposed_by, approver=entry.decided_by, subject=entry.subject,
        type_code="blacklisted", occurred_on=entry.decided_on or entry.effective_from,
        decided_on=min(entry.effective_from, clock.today()),
        document_number=f"{entry.decision_number}·B{entry.pk}", department=entry.department,
        description=f"{entry.ground.name}：{entry.decision_reasons}",
    )
    entry.listing_record, entry.listing_record_error = record, error
    _end_listing_record_on_schedule(entry)
    entry.save()
    record_event(actor=actor, action="lists.black.in_force", target=entry,
                 before={"state": BlackState.PUBLICITY},
                 after={"state": entry.state, "effective_from": entry.effective_from,
                        "effective_until": entry.effective_until,
                        "record": record.pk if record else None, "record_error": error})
    key_supervision_sync(subject_ids=[entry.subject_id], as_of=as_of)


def _end_listing_effects(entry: BlackListEntry, *, ended_on: dt.date, reason: str) -> str:
    """A black-list entry's own record ends with the entry (expired, lifted): its publicity
    stops the day before `ended_on`, which re-grades the subject and re-checks key supervision
    in this transaction (record_state_changed). Returns an error to show, or ""."""
    record = entry.listing_record
    if record is None:
        return ""
    try:
        with transaction.atomic():
            record_end_publicity(actor=None, record=record, ended_on=ended_on, reason=reason)
    except ServiceError as exc:
        return str(exc.message)
    return ""


def _black_expire(entry: BlackListEntry, *, as_of: dt.date) -> None:
    """The management period is over: the entry, its record, the key-supervision flag and
    every measure derived from them end on the day after its last day (建市〔2017〕241号
    第十六条), whichever day the job runs."""
    advance(entry, "expire", actor=None)
    assert entry.effective_until is not None
    entry.ended_on = entry.effective_until + dt.timedelta(days=1)
    entry.end_reason = _("The management period ended.")
    entry.listing_record_error = _end_listing_effects(
        entry, ended_on=entry.ended_on, reason=str(entry.end_reason)) or \
        entry.listing_record_error
    entry.save()
    record_event(actor=None, action="lists.black.expire", target=entry,
                 before={"state": BlackState.IN_FORCE},
                 after={"state": entry.state, "ended_on": entry.ended_on})
    key_supervision_sync(subject_ids=[entry.subject_id], as_of=as_of)


# --- objections (black and red) ---------------------------------------------------------------
def _fixed_dates(entry: BlackListEntry | RedListEntry) -> dict[str, str | None]:
    """The step dates as they stand, kept on the objection so resuming can prove them."""
    names = ["publicity_ends_on", "effective_from", "effective_until"]
    return {n: (getattr(entry, n).isoformat() if getattr(entry, n) else None) for n in names}


def objection_refusal(*, entry: BlackListEntry | RedListEntry, ground: str,
                      new_evidence: str) -> str | None:
    """Why an objection on `ground` may not be registered now, or None.

    国办发〔2020〕49号 (八): an objection is checked and answered; once answered on a ground, the
    same objection again needs new evidence, or the procedure could be stalled for ever by
    repeating it. The reply names the earlier answer's date.
    """
    answered = entry.objections.filter(ground=ground, state=Objection.State.REJECTED
                                       ).order_by("-decided_on").first()
    if answered and not (new_evidence or "").strip():
        return _("An objection on the ground “%(g)s” was already answered (rejected on %(d)s); "
                 "a repeated objection needs new evidence (国办发〔2020〕49号 (八)).") % {
            "g": Objection.Ground(ground).label, "d": answered.decided_on}
    return None


@transaction.atomic
def objection_file(
    *, actor: User, entry: BlackListEntry | RedListEntry, objector: str, grounds: str,
    ground: str = Objection.Ground.OTHER, new_evidence: str = "",
) -> Objection:
    """Register an objection (异议) to a published entry.

    国办发〔2020〕49号 (八); the reply is due on `rules.objection_reply_deadline`. The first
    objection on a ground suspends the entry, keeping the dates fixed at that moment
    (`Objection.fixed_dates`); one suspension per entry and ground — a later objection on the
    same ground needs new evidence and is examined without suspending again. One objection is
    handled at a time.
    """
    entry = _locked(entry)
    before = entry.state
    if ground not in Objection.Ground.values:
        raise ValidationFailed("bad_ground", _("Choose the ground of the objection."),
                               field="ground")
    refusal = objection_refusal(entry=entry, ground=ground, new_evidence=new_evidence)
    if refusal:
        raise Conflict("repeated_objection", refusal, field="new_evidence")
    if entry.objections.filter(state=Objection.State.PENDING).exists():
        raise Conflict("objection_pending", _("An objection is already pending."))
    suspends = not entry.objections.filter(ground=ground, suspends=True).exists()
    today = clock.today()
    objection = Objection(
        objector=_required(objector, "objector", _("Name who objects.")),
        grounds=_required(grounds, "grounds", _("State the grounds of the objection.")),
        ground=ground, new_evidence=(new_evidence or "").strip(), suspends=suspends,
        suspended_state=entry.state if suspends else "", fixed_dates=_fixed_dates(entry),
        filed_on=today, reply_due_on=rules.objection_reply_deadline(filed_on=today),
        registered_by=actor,
    )
    if suspends:
        advance(entry, "suspend", actor=actor)
        entry.save()
    elif entry.state not in {BlackState.PUBLICITY, BlackState.IN_FORCE, RedState.PUBLICITY}:
        raise Conflict("invalid_transition",
                       _("Objections can be registered only while the entry is published."))
    if isinstance(entry, BlackListEntry):
        objection.black_entry = entry
    else:
        objection.red_entry = entry
    try:
        with transaction.atomic():
            objection.save()
    except IntegrityError as exc:
        raise Conflict("objection_pending", _("An objection is already pending.")) from exc
    record_event(actor=actor, action=f"lists.{entry.kind}.objection", target=entry,
                 before={"state": before},
                 after={"state": entry.state, "objection": objection.pk,
                        "objector": objection.objector, "ground": ground,
                        "grounds": objection.grounds, "suspends": suspends,
                        "fixed_dates": objection.fixed_dates,
                        "reply_due_on": objection.reply_due_on})
    if isinstance(entry, BlackListEntry) and suspends:
        # While the objection is pending the listing does not punish (DESIGN.md: an entry can
        # be suspended while an objection is pending): its record stops counting in grades.
        # The decider revokes it, as the two pairs of eyes that made the decision entered it.
        error = _end_derived_record(entry.listing_record, actor=entry.decided_by,
                                    reason=_("Suspended: objection pending."))
        if error:
            entry.listing_record_error = error
            entry.save(update_fields=["listing_record_error"])
        key_supervision_sync(subject_ids=[entry.subject_id], as_of=today)
    return objection


def _black_resume(entry: BlackListEntry, *, actor: User, objection: Objection,
                  today: dt.date) -> None:
    """Resume a suspended black-list entry on the dates fixed before the suspension.

    Nothing is recomputed from the day of the answer (国办发〔2020〕49号 (八) gives the subject
    no advantage from objecting, and none to the authority from answering late): an entry whose
    publicity ended meanwhile comes into force from the day after that publicity, and its
    management period ends when it would have ended anyway.
    """
    back_to = objection.suspended_state or (
        BlackState.IN_FORCE if entry.effective_from else BlackState.PUBLICITY)
    advance(entry, "resume", actor=actor, back_to=back_to)
    if back_to == BlackState.IN_FORCE and entry.effective_until \
            and entry.effective_until >= today:  # the listing punishes again from today
        entry.listing_record, entry.listing_record_error = _derived_record(
            creator=entry.proposed_by, approver=entry.decided_by, subject=entry.subject,
            type_code="blacklisted", occurred_on=entry.decided_on or entry.effective_from,
            decided_on=today,
            document_number=f"{entry.decision_number}·B{entry.pk}·O{objection.pk}",
            department=entry.department,
            description=f"{entry.ground.name}：{entry.decision_reasons}",
        )
        if entry.listing_record is not None:
            _end_listing_record_on_schedule(entry)
    entry.save()


def _end_listing_record_on_schedule(entry: BlackListEntry) -> None:
    """The listing record's publicity is the entry's management period, not the catalogue's
    36 months: it is fixed to end with the entry (and ended early if the entry ends early)."""
    if entry.listing_record is None or entry.effective_until is None:
        return
    entry.listing_record = record_end_publicity(
        actor=None, record=entry.listing_record,
        ended_on=entry.effective_until + dt.timedelta(days=1),
        reason=str(_("The listing's management period.")))


@transaction.atomic
def objection_decide(*, actor: User, objection: Objection, upheld: bool, reply: str
                     ) -> Objection:
    """Answer an objection with reasons. Upheld: the entry is void (removed, its listing record
    revoked). Rejected: the entry continues where it was, on the dates fixed before."""
    objection = _locked(objection)
    entry: BlackListEntry | RedListEntry = _locked(objection.black_entry or objection.red_entry)
    if objection.state != Objection.State.PENDING:
        raise Conflict("already_answered", _("This objection has already been answered."))
    reply = _required(reply, "reply", _("Give the reasons for the answer."))
    today = clock.today()
    before = entry.state
    if upheld:
        advance(entry, "void", actor=actor)
        entry.ended_on, entry.end_reason = today, reply
        entry.listing_record_error = _end_derived_record(
            entry.listing_record, actor=actor, reason=_("Objection upheld: %(r)s") % {"r": reply})
        entry.save()
    elif not objection.suspends:
        pass  # examined without suspending: the entry ran on and runs on
    elif isinstance(entry, BlackListEntry):
        _black_resume(entry, actor=actor, objection=objection, today=today)
    else:
        advance(entry, "resume", actor=actor)
        entry.save()
    objection.state = Objection.State.UPHELD if upheld else Objection.State.REJECTED
    objection.decided_by, objection.decided_on, objection.reply = actor, today, reply
    objection.save()
    record_event(actor=actor, action=f"lists.{entry.kind}.objection_answer", target=entry,
                 before={"state": before},
                 after={"state": entry.state, "objection": objection.pk,
                        "upheld": upheld, "reply": reply,
                        "dates": _fixed_dates(entry)})
    if isinstance(entry, BlackListEntry):
        if entry.state == BlackState.PUBLICITY and entry.publicity_ends_on \
                and entry.publicity_ends_on < today:
            _black_enter_force(entry, actor=None, as_of=today,
                               effective_from=rules.black_list_effective_from(
                                   publicity_ends_on=entry.publicity_ends_on,
                                   as_of=entry.publicity_ends_on + dt.timedelta(days=1)))
        if entry.state == BlackState.IN_FORCE and entry.effective_until \
                and entry.effective_until < today:
            _black_expire(entry, as_of=today)
        key_supervision_sync(subject_ids=[entry.subject_id], as_of=today)
    elif entry.state == RedState.PUBLICITY and entry.publicity_ends_on \
            and entry.publicity_ends_on < today:
        _red_close_publicity(entry)
    return objection


# --- credit repair ----------------------------------------------------------------------------
def black_repair_refusal(*, entry: BlackListEntry, as_of: dt.date) -> str | None:
    """Why credit repair may not remove this black-list entry on `as_of`, or None: only an entry
    in force, once its minimum time on the list is reached (`rules.credit_repair_earliest_date`,
    发改委令第58号 / 第36号); the refusal names the first possible day."""
    if entry.state != BlackState.IN_FORCE or entry.effective_from is None:
        return _("Credit repair can be requested only for an entry in force.")
    earliest = rules.credit_repair_earliest_date(effective_from=entry.effective_from)
    if as_of < earliest:
        return _("Credit repair may remove this entry from %(d)s: the minimum of %(m)s months "
                 "on the list must be reached first (发改委令第58号、第36号).") % {
            "d": earliest, "m": rules.parameter("black_repair_earliest_months")}
    return None


def _can_register_repair(actor: User, *, entry: BlackListEntry | None,
                         record: CreditRecord | None) -> bool:
    if entry is not None:
        return p.can_handle(entry, actor)
    assert record is not None
    return (account_permissions.can_submit_records(actor, record.source_department)
            or account_permissions.can_review_records(actor))


@transaction.atomic
def repair_request(*, actor: User, proof: str, commitment: str,
                   entry: BlackListEntry | None = None, record: CreditRecord | None = None
                   ) -> RepairRequest:
    """Register a credit-repair application for a black-list entry in force or for one bad
    record in publicity (国办发〔2025〕22号 / 发改委令第36号).

    The application carries the proof that the dishonest act is corrected and the obligations
    fulfilled, and the repair commitment (信用修复承诺书), which binds until the day the
    publicity or the listing would have ended; breaking it becomes a new record
    (`repair_commitment_breach`). Refused before the minimum period, with the day it becomes
    possible.
    """
    if (entry is None) == (record is None):
        raise ValidationFailed("bad_target", _("Apply for one black-list entry or one record."))
    today = clock.today()
    if entry is not None:
        entry = _locked(entry)
        target: BlackListEntry | CreditRecord = entry
        refusal = black_repair_refusal(entry=entry, as_of=today)
        binds_until = entry.effective_until
    else:
        assert record is not None
        record = CreditRecord.objects.select_related("record_type", "source_department").get(
            pk=record.pk)
        target = record
        refusal = repair_refusal(record=record, as_of=today)
        binds_until = record.publicity_ends_on
    account_permissions.require(_can_register_repair(actor, entry=entry, record=record),
                                _("register repair requests"))
    if refusal:
        raise Conflict("repair_refused", refusal)
    request = RepairRequest(
        entry=entry, record=record,
        proof=_required(proof, "proof", _("Describe the proof that the obligations are "
                                          "fulfilled.")),
        commitment=_required(commitment, "commitment",
                             _("The credit repair commitment (信用修复承诺书) is part of the "
                               "application (发改委令第36号).")),
        commitment_until=binds_until,
        filed_on=today, decision_due_on=rules.credit_repair_decision_deadline(filed_on=today),
        registered_by=actor,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:
        raise Conflict("repair_pending", _("A repair request is already pending.")) from exc
    record_event(actor=actor, action="lists.repair_request", target=target,
                 after={"request": request.pk, "proof": request.proof,
                        "commitment": request.commitment,
                        "commitment_until": request.commitment_until,
                        "decision_due_on": request.decision_due_on})
    return request


def _black_repaired(entry: BlackListEntry, *, actor: User, reasons: str, today: dt.date
                    ) -> None:
    """The entry leaves the list today; its own record's publicity ends with it and key
    supervision follows (发改委令第36号: 终止公示、停止共享和使用、解除惩戒)."""
    advance(entry, "repair", actor=actor)
    entry.ended_on, entry.end_reason = today, reasons
    entry.listing_record_error = _end_listing_effects(
        entry, ended_on=today, reason=str(_("Credit repair: %(r)s") % {"r": reasons}))
    entry.save()
    record_event(actor=actor, action="lists.black.repaired", target=entry,
                 before={"state": BlackState.IN_FORCE},
                 after={"state": entry.state, "ended_on": today, "reasons": reasons})
    key_supervision_sync(subject_ids=[entry.subject_id], as_of=today)


def _entries_resting_on(record: CreditRecord) -> list[BlackListEntry]:
    """In-force black-list entries that the repaired record was a basis of and that no other
    proof still supports (241号 第十三条: only records in publicity prove a ground)."""
    today = clock.today()
    entries = []
    for entry in BlackListEntry.objects.select_for_update(of=("self",)).filter(
            records=record, state=BlackState.IN_FORCE):
        others = entry.records.exclude(pk=record.pk).filter(
            state=RecordState.EFFECTIVE, publicity_ends_on__gte=today)
        if others.count() < entry.ground.min_records:
            entries.append(entry)
    return entries


@transaction.atomic
def repair_decide(*, actor: User, request: RepairRequest, approve: bool, reasons: str
                  ) -> RepairRequest:
    """Decide a repair request.

    Approved for a record: its publicity ends today, sharing stops, the measures derived from it
    are lifted and the grade is re-computed the same day (`records.services.record_repair`);
    black-list entries resting only on it are removed as repaired. Approved for an entry: the
    entry leaves the list today with every consequence (发改委令第36号).
    """
    request = _locked(request)
    if request.state != RepairRequest.State.PENDING:
        raise Conflict("already_answered", _("This request has already been decided."))
    reasons = _required(reasons, "reasons", _("Give the reasons for the decision."))
    today = clock.today()
    entry = _locked(request.entry) if request.entry_id else None
    if entry is not None:
        account_permissions.require(p.can_decide(entry, actor), _("decide repair requests"))
    else:
        account_permissions.require(account_permissions.can_review_records(actor),
                                    _("decide repair requests"))
    target: BlackListEntry | CreditRecord
    if entry is not None:
        target = entry
        if approve:
            refusal = black_repair_refusal(entry=entry, as_of=today)
            if refusal:
                raise Conflict("repair_refused", refusal)
            _black_repaired(entry, actor=actor, reasons=reasons, today=today)
    else:
        assert request.record is not None
        target = request.record
        if approve:
            _four_eyes(actor, request.registered_by_id)
            target = record_repair(actor=actor, record=request.record, reason=reasons)
            for resting in _entries_resting_on(target):
                _black_repaired(resting, actor=actor, reasons=reasons, today=today)
    request.state = RepairRequest.State.APPROVED if approve else RepairRequest.State.REJECTED
    request.decided_by, request.decided_on, request.reasons = actor, today, reasons
    request.save()
    record_event(actor=actor, action="lists.repair_decide", target=target,
                 after={"request": request.pk, "approved": approve, "reasons": reasons,
                        "state": target.state})
    return request


@transaction.atomic
def repair_commitment_breach(*, actor: User, request: RepairRequest, facts: str,
                             document_number: str, occurred_on: dt.date | None = None
                             ) -> CreditRecord:
    """The subject broke its repair commitment (信用修复承诺书) while it bound: the breach
    becomes a new bad record (`commitment_breach`), submitted for review like any record
    (发改委令第36号: a false commitment or a breach is itself dishonest conduct)."""
    request = _locked(request)
    today = clock.today()
    occurred_on = occurred_on or today
    if request.state != RepairRequest.State.APPROVED:
        raise Conflict("not_granted", _("Only a granted repair carries a commitment."))
    if request.breached_on:
        raise Conflict("already_breached", _("The breach was already recorded on %(d)s.")
                       % {"d": request.breached_on})
    if request.commitment_until and occurred_on > request.commitment_until:
        raise Conflict("commitment_over",
                       _("The commitment bound until %(d)s; conduct after that day is not a "
                         "breach of it.") % {"d": request.commitment_until})
    subject = request.entry.subject if request.entry_id else request.record.subject
    from records.models import RecordType

    record_type = RecordType.objects.get(code="commitment_breach")
    record = record_create(
        actor=actor, subject=subject, record_type=record_type, occurred_on=occurred_on,
        decided_on=today, document_number=_required(document_number, "document_number",
                                                     _("The document number is required.")),
        description=_required(facts, "facts", _("State the facts of the breach.")),
        submit=True,
    )
    request.breached_on, request.breach_record = occurred_on, record
    request.save()
    record_event(actor=actor, action="lists.repair_breach", target=request,
                 after={"record": record.pk, "occurred_on": occurred_on, "facts": facts})
    return record


# --- red list ---------------------------------------------------------------------------------
def _red_eligibility(subject: Subject, *, today: dt.date) -> None:
    if RedListEntry.objects.filter(
        subject=subject, state__in=[*RED_OPEN_STATES, RedState.IN_FORCE]
    ).exists():
        raise Conflict("already_nominated",
                       _("%(s)s already has an open or valid red-list entry.")
                       % {"s": subject.name})
    # A bad record in force, a sanction, key supervision, the black list, a broken commitment:
    # the conditions kept as data beside the measures, each naming its rule and end date.
    require_eligible(subject_id=subject.pk, as_of=today, incentive=RED_LIST_NOMINATION)


@transaction.atomic
def red_nominate(*, actor: User, subject: Subject, reasons: str) -> RedListEntry:
    """A department nominates a subject for the red list, with its reasons."""
    department = actor.department
    account_permissions.require(p.can_propose(actor, department), _("nominate for the red list"))
    if department is None:
        raise ValidationFailed("required", _("Your account has no department."))
    reasons = _required(reasons, "reasons", _("Give the reasons for the nomination."))
    Subject.objects.select_for_update().filter(pk=subject.pk).first()
    today = clock.today()
    _red_eligibility(subject, today=today)
    entry = RedListEntry.objects.create(
        subject=subject, source=RedListEntry.Source.DEPARTMENT, department=department,
        reasons=reasons, nominated_by=actor, nominated_at=clock.now(),
        review_due_on=rules.red_list_review_deadline(nominated_on=today),
    )
    record_event(actor=actor, action="lists.red.nominate", target=entry,
                 after={"subject": subject.pk, "source": entry.source, "reasons": reasons})
    return entry


def red_nominate_by_rule(*, as_of: dt.date) -> int:
    """Nominate every subject a red-list criterion picks (criteria are data per category).

    Runs in the deadline job; each nomination is its own transaction and skips subjects that
    already have an open or valid entry, so running twice nominates nobody twice.
    """
    created = 0
    lead: Department | None = None
    for criterion in RedListCriterion.objects.filter(is_active=True):
        for subject_id, reason in selectors.red_list_candidates(criterion=criterion,
                                                                as_of=as_of):
            with transaction.atomic():
                subject = Subject.objects.select_for_update().get(pk=subject_id)
                try:
                    _red_eligibility(subject, today=as_of)
                except Conflict:
                    continue
                lead = lead or _lead_department()
                entry = RedListEntry.objects.create(
                    subject=subject, source=RedListEntry.Source.RULE, criterion=criterion,
                    department=lead, reasons=reason, nominated_at=clock.now(),
                    review_due_on=rules.red_list_review_deadline(nominated_on=as_of),
                )
                record_event(actor=None, action="lists.red.nominate", target=entry,
                             after={"subject": subject.pk, "source": entry.source,
                                    "criterion": criterion.pk, "reasons": reason})
                created += 1
    return created


@transaction.atomic
def red_review(*, actor: User, entry: RedListEntry, admit: bool, comment: str = ""
               ) -> RedListEntry:
    """The lead department reviews a nomination: admit it to publicity (with the announcement)
    or refuse it with reasons. Four eyes: the nominator does not review."""
    entry = _locked(entry)
    advance(entry, "admit" if admit else "reject", actor=actor)
    _four_eyes(actor, entry.nominated_by_id)
    entry.reviewed_by, entry.review_comment = actor, (comment or "").strip()
    today = clock.today()
    if admit:
        entry.publicity_started_on = today
        entry.publicity_ends_on = rules.red_list_publicity_end(started_on=today)
    else:
        entry.review_comment = _required(comment, "comment", _("Give the reasons."))
        entry.ended_on, entry.end_reason = today, entry.review_comment
    entry.save()
    if admit:
        _store_notice(kind=NoticeDocument.Kind.RED_ANNOUNCEMENT, actor=actor, red_entry=entry,
                      template="lists/notices/red_announcement.html",
                      context={"entry": entry, "subject": entry.subject, "issued_on": today,
                               "objection_days": rules.parameter("objection_reply_working_days")})
    record_event(actor=actor, action="lists.red.review", target=entry,
                 before={"state": RedState.NOMINATED},
                 after={"state": entry.state, "comment": entry.review_comment,
                        "publicity_ends_on": entry.publicity_ends_on})
    return entry


def _red_close_publicity(entry: RedListEntry) -> None:
    advance(entry, "close_publicity", actor=None)
    assert entry.publicity_ends_on is not None
    entry.decision_due_on = rules.red_list_decision_deadline(
        publicity_ends_on=entry.publicity_ends_on)
    entry.save()
    record_event(actor=None, action="lists.red.publicity_closed", target=entry,
                 before={"state": RedState.PUBLICITY},
                 after={"state": entry.state, "decision_due_on": entry.decision_due_on})


@transaction.atomic
def red_decide(
    *, actor: User, entry: RedListEntry, commend: bool, commendation: str = "",
    commendation_text: str = "", decision_number: str = "", reasons: str = "",
) -> RedListEntry:
    """Decide after the publicity: commend (表扬 or 嘉奖, recorded with the decision) or not."""
    entry = _locked(entry)
    advance(entry, "decide" if commend else "reject", actor=actor)
    _four_eyes(actor, entry.nominated_by_id)
    today = clock.today()
    entry.decided_on, entry.decided_by = today, actor
    if commend:
        if commendation not in {"praise", "award"}:
            raise ValidationFailed("required", _("Choose the commendation: praise or award."),
                                   field="commendation")
        entry.commendation = commendation
        entry.commendation_text = (commendation_text or "").strip()
        entry.decision_number = _required(decision_number, "decision_number",
                                          _("The decision document number is required."))
        entry.publish_due_on = rules.publication_deadline(decided_on=today)
    else:
        entry.review_comment = _required(reasons, "reasons", _("Give the reasons."))
        entry.ended_on, entry.end_reason = today, entry.review_comment
    entry.save()
    record_event(actor=actor, action="lists.red.decide", target=entry,
                 before={"state": RedState.AWAITING_DECISION},
                 after={"state": entry.state, "commendation": entry.commendation,
                        "text": entry.commendation_text, "number": entry.decision_number})
    return entry


@transaction.atomic
def red_publish(*, actor: User, entry: RedListEntry) -> RedListEntry:
    """Publish the commendation: the entry is valid from today for `red_list_validity_end`, and a
    `redlisted` good record feeds the grade."""
    entry = _locked(entry)
    advance(entry, "publish", actor=actor)
    today = clock.today()
    entry.effective_from = today
    entry.effective_until = rules.red_list_validity_end(effective_from=today)
    creator = next((u for u in (entry.nominated_by, entry.reviewed_by, entry.decided_by)
                    if u is not None and u.pk != actor.pk), None)
    record, error = _derived_record(
        creator=creator, approver=actor, subject=entry.subject, type_code="redlisted",
        occurred_on=entry.decided_on or today, decided_on=today,
        document_number=f"{entry.decision_number}·R{entry.pk}", department=entry.department,
        description=(f"{entry.get_commendation_display()}："
                     f"{entry.commendation_text or entry.reasons}"),
    )
    entry.listing_record, entry.listing_record_error = record, error
    entry.save()
    record_event(actor=actor, action="lists.red.publish", target=entry,
                 before={"state": RedState.DECIDED},
                 after={"state": entry.state, "effective_from": entry.effective_from,
                        "effective_until": entry.effective_until,
                        "record": record.pk if record else None, "record_error": error})
    return entry


def _red_remove(entry: RedListEntry, *, actor: User | None, reason: str) -> None:
    before = entry.state
    advance(entry, "remove", actor=actor)
    entry.ended_on, entry.end_reason = clock.today(), reason
    if entry.listing_record_id:
        error = _end_derived_record(entry.listing_record, actor=actor,
                                    reason=str(_("Removed from the red list.")))
        entry.listing_record_error = error or entry.listing_record_error
    entry.save()
    record_event(actor=actor, action="lists.red.remove", target=entry,
                 before={"state": before}, after={"state": entry.state, "reason": reason})


@transaction.atomic
def red_remove(*, actor: User, entry: RedListEntry, reason: str) -> RedListEntry:
    """A reviewer removes a red-list entry (e.g. facts that came to light), with the reason."""
    entry = _locked(entry)
    _red_remove(entry, actor=actor, reason=_required(reason, "reason", _("Give the reason.")))
    return entry


def red_remove_for_record(*, record: CreditRecord) -> int:
    """Suspend at once every open or valid red-list entry of the record's subject when a
    disqualifying bad record becomes effective (`rules.red_list_removal_applies`).

    国发〔2016〕33号 and 国办发〔2020〕49号 (七): an incentive is for subjects without bad
    records, and a list states the procedure for leaving it; so the entry is suspended the day
    the record becomes effective (it no longer counts as on the red list anywhere), and a
    reviewer then removes it with reasons (`red_remove`) or, if the record is revoked,
    lifts the suspension (`red_release`). Called inside the records service's transaction
    (record_state_changed); returns the number of entries suspended.
    """
    if record.state != RecordState.EFFECTIVE or record.record_type.polarity != "bad":
        return 0
    if not rules.red_list_removal_applies(severity=record.record_type.severity):
        return 0
    held = 0
    for entry in RedListEntry.objects.select_for_update().filter(
        subject_id=record.subject_id, state__in=[*RED_OPEN_STATES, RedState.IN_FORCE]
    ):
        before = entry.state
        advance(entry, "hold", actor=None)
        entry.held_from_state, entry.held_on, entry.held_by_record = before, clock.today(), record
        entry.save()
        record_event(actor=None, action="lists.red.hold", target=entry,
                     before={"state": before},
                     after={"state": entry.state, "record": record.pk,
                            "reason": _("A disqualifying bad record became effective: %(n)s "
                                        "(%(t)s).") % {"n": record.document_number,
                                                       "t": record.record_type.name}})
        held += 1
    return held


@transaction.atomic
def red_release(*, actor: User, entry: RedListEntry, reason: str) -> RedListEntry:
    """Lift a suspension whose disqualifying record is no longer effective (revoked, corrected
    away): the entry returns to the state it was in. While the record stands, refused."""
    entry = _locked(entry)
    reason = _required(reason, "reason", _("Give the reason."))
    record = entry.held_by_record
    if record is not None and record.state == RecordState.EFFECTIVE:
        raise Conflict("still_disqualified",
                       _("Record %(n)s is still effective; the entry can only be removed "
                         "(国发〔2016〕33号).") % {"n": record.document_number})
    back_to = entry.held_from_state or RedState.IN_FORCE
    advance(entry, "release", actor=actor, back_to=back_to)
    entry.save()
    record_event(actor=actor, action="lists.red.release", target=entry,
                 before={"state": RedState.ON_HOLD}, after={"state": entry.state,
                                                              "reason": reason})
    return entry


# --- key supervision --------------------------------------------------------------------------
def key_supervision_sync(*, subject_ids: Iterable[int] | None = None,
                         as_of: dt.date | None = None) -> tuple[int, int]:
    """Bring key supervision in line with its rules for the given subjects (None = everyone).

    Set-based: the selectors return, per rule, the subjects the rule holds for now with the
    reason; entries are opened where a rule newly holds and ended (with the reason) where it no
    longer does. Returns (entered, ended). Safe to run twice: an open entry per (subject, rule)
    is unique, and only open entries are ended.
    """
    as_of = as_of or clock.today()
    ids = None if subject_ids is None else list(subject_ids)
    should = selectors.key_supervision_should(subject_ids=ids, as_of=as_of)
    entered = ended = 0
    with transaction.atomic():
        open_qs = KeySupervisionEntry.objects.select_for_update().filter(
            state=KeyState.IN_FORCE)
        if ids is not None:
            open_qs = open_qs.filter(subject_id__in=ids)
        current = {(e.subject_id, e.rule): e for e in open_qs}
        for key, why in should.items():
            if key in current:
                continue
            subject_id, rule = key
            entry = KeySupervisionEntry(
                subject_id=subject_id, rule=rule, reason=why["reason"],
                trigger_record_id=why.get("record"), trigger_black_id=why.get("black"),
                grade=why.get("grade", ""), measures=list(selectors.key_measures()),
                entered_on=as_of,
            )
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:  # a concurrent sync opened it
                continue
            record_event(actor=None, action="lists.key.enter", target=entry,
                         after={"subject": subject_id, "rule": rule, "reason": entry.reason})
            entered += 1
        for key, entry in current.items():
            if key in should:
                continue
            advance(entry, "end", actor=None)
            entry.ended_on = as_of
            entry.end_reason = str(_("The rule no longer holds: %(r)s.")
                                   % {"r": entry.get_rule_display()})
            entry.save()
            record_event(actor=None, action="lists.key.end", target=entry,
                         after={"subject": entry.subject_id, "rule": entry.rule,
                                "reason": entry.end_reason})
            ended += 1
    return entered, ended


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
    """Render and keep the notice or the decision of a sanction, with its checksum."""
    pdf = render_pdf(template, {
        "sanction": sanction, "subject": sanction.subject, "issued_on": clock.today(),
        "statement_days": rules.parameter("sanction_statement_working_days"),
    })
    digest = hashlib.sha256(pdf).hexdigest()
    notice = NoticeDocument(kind=kind, sanction=sanction, issued_on=clock.today(),
                            sha256=digest, size=len(pdf), created_by=actor)
    notice.file.save(f"{digest}.pdf", ContentFile(pdf), save=False)
    notice.save()
    record_event(actor=actor, action=f"lists.notice.{kind}", target=notice,
                 after={"sha256": digest, "size": len(pdf), "sanction": sanction.pk})
    return notice


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


# --- deadline job -----------------------------------------------------------------------------
def _each_due(model: type[M], due: Q, step: Any) -> int:
    """Apply `step(entry)` to every row matching `due`, each in its own transaction with the
    row locked (SKIP LOCKED: a row another worker holds is left for the next run) and the
    condition re-checked under the lock, so every row moves exactly once."""
    moved = 0
    for pk in list(model.objects.filter(due).values_list("pk", flat=True)):
        with transaction.atomic():
            entry = model.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                due, pk=pk).first()
            if entry is None:
                continue
            step(entry)
            moved += 1
    return moved


def black_list_deadlines(as_of: dt.date) -> dict[str, int]:
    """Statement period ended → under review; publicity ended → in force; management period
    ended → expired. Conditions compare stored last days with `as_of`, so a run after a gap
    of days moves everything that fell due in between, once."""
    return {
        "to_review": _each_due(
            BlackListEntry,
            Q(state=BlackState.NOTIFIED, statement_ends_on__lt=as_of),
            lambda e: _begin_review(e, actor=None, as_of=as_of)),
        "in_force": _each_due(
            BlackListEntry,
            Q(state=BlackState.PUBLICITY, publicity_ends_on__lt=as_of),
            lambda e: _black_enter_force(
                e, actor=None, as_of=as_of,
                # the day after the publicity, even when the job ran days later
                effective_from=rules.black_list_effective_from(
                    publicity_ends_on=e.publicity_ends_on,
                    as_of=e.publicity_ends_on + dt.timedelta(days=1)))),
        "expired": _each_due(
            BlackListEntry,
            Q(state=BlackState.IN_FORCE, effective_until__lt=as_of),
            lambda e: _black_expire(e, as_of=as_of)),
        # an entry that ended before its record was tied to it (older data): end the record now
        "records_ended": _each_due(
            BlackListEntry,
            Q(state__in=[BlackState.EXPIRED, BlackState.REPAIRED],
              listing_record__state=RecordState.EFFECTIVE,
              listing_record__publicity_ends_on__gte=models.F("ended_on")),
            lambda e: _end_listing_effects(e, ended_on=e.ended_on,
                                           reason=str(e.end_reason or _("The listing ended.")))),
    }


def red_list_deadlines(as_of: dt.date) -> dict[str, int]:
    """Publicity ended → awaiting decision; validity ended → expired; nominations by rule."""
    return {
        "publicity_closed": _each_due(
            RedListEntry, Q(state=RedState.PUBLICITY, publicity_ends_on__lt=as_of),
            _red_close_publicity),
        "expired": _each_due(
            RedListEntry, Q(state=RedState.IN_FORCE, effective_until__lt=as_of),
            lambda e: _red_expire(e)),
        "nominated": red_nominate_by_rule(as_of=as_of),
    }


def _red_expire(entry: RedListEntry) -> None:
    advance(entry, "expire", actor=None)
    assert entry.effective_until is not None
    entry.ended_on = entry.effective_until + dt.timedelta(days=1)
    entry.end_reason = _("The validity period ended.")
    entry.save()
    record_event(actor=None, action="lists.red.expire", target=entry,
                 before={"state": RedState.IN_FORCE},
                 after={"state": entry.state, "ended_on": entry.ended_on})
