"""Credit repair (信用修复) of black-list entries and the commitments it rests on."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import permissions as p
from lists import rules
from lists.models import (
    BlackListEntry,
    BlackState,
    RepairRequest,
)
from lists.services._common import _four_eyes, _locked, _required
from lists.services.black import _end_listing_effects
from lists.services.key import key_supervision_sync
from lists.workflows import advance
from records.models import CreditRecord, RecordState
from records.services import (
    record_create,
    record_repair,
    repair_refusal,
)


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
