"""Objections against black- and red-list entries (国办发〔2020〕49号 (八))."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import rules
from lists.models import (
    BlackListEntry,
    BlackState,
    Objection,
    RedListEntry,
    RedState,
)
from lists.services._common import _derived_record, _end_derived_record, _locked, _required
from lists.services.black import _black_enter_force, _black_expire, _end_listing_record_on_schedule
from lists.services.key import key_supervision_sync
from lists.services.red import _red_close_publicity
from lists.workflows import advance


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
