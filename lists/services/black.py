"""The black list (严重失信主体名单): proposal, notice, statement, decision, publicity, expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ServiceError, ValidationFailed
from lists import permissions as p
from lists import rules, selectors
from lists.models import (
    BLACK_OPEN_STATES,
    BlackListEntry,
    BlacklistGround,
    BlackState,
    NoticeDocument,
)
from lists.services._common import (
    _derived_record,
    _each_due,
    _effective_proofs,
    _four_eyes,
    _locked,
    _required,
    _store_notice,
)
from lists.services.key import key_supervision_sync
from lists.workflows import advance
from records.models import CreditRecord, RecordState
from records.services import (
    record_end_publicity,
)
from subjects.models import Subject


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


def _end_listing_record_on_schedule(entry: BlackListEntry) -> None:
    """The listing record's publicity is the entry's management period, not the catalogue's
    36 months: it is fixed to end with the entry (and ended early if the entry ends early)."""
    if entry.listing_record is None or entry.effective_until is None:
        return
    entry.listing_record = record_end_publicity(
        actor=None, record=entry.listing_record,
        ended_on=entry.effective_until + dt.timedelta(days=1),
        reason=str(_("The listing's management period.")))



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
