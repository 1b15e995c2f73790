"""The red list (守信激励名单): nomination, review, publicity, decision, removal, expiry."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import Department, User
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import permissions as p
from lists import rules, selectors
from lists.eligibility import RED_LIST_NOMINATION, require_eligible
from lists.models import (
    RED_OPEN_STATES,
    NoticeDocument,
    RedListCriterion,
    RedListEntry,
    RedState,
)
from lists.services._common import (
    _derived_record,
    _each_due,
    _end_derived_record,
    _four_eyes,
    _lead_department,
    _locked,
    _required,
    _store_notice,
)
from lists.workflows import advance
from records.models import CreditRecord, RecordState
from records.services import record_end_publicity, record_resume_publicity
from subjects.models import Subject


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


def _pause_listing_record(entry: RedListEntry) -> None:
    """A suspended entry's commendation stops counting the day it is suspended.

    国发〔2016〕33号: incentives are for subjects without bad records; while the entry is
    suspended, its own `redlisted` record must not lift the grade nor show on the public site.
    Its publicity ends today (`record_end_publicity`); the date it had is kept on the entry and
    given back if the suspension is lifted (`red_release`); removal revokes the record.
    """
    record = entry.listing_record
    if record is None or record.state != RecordState.EFFECTIVE:
        return
    entry.held_record_publicity_ends_on = record.publicity_ends_on
    record_end_publicity(actor=None, record=record, ended_on=clock.today(),
                         reason=str(_("The red-list entry was suspended.")))


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
        _pause_listing_record(entry)
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
    if entry.listing_record_id and entry.held_record_publicity_ends_on:
        record_resume_publicity(actor=actor, record=entry.listing_record,
                                publicity_ends_on=entry.held_record_publicity_ends_on,
                                reason=reason)
    entry.held_record_publicity_ends_on = None
    entry.save()
    record_event(actor=actor, action="lists.red.release", target=entry,
                 before={"state": RedState.ON_HOLD}, after={"state": entry.state,
                                                              "reason": reason})
    return entry



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
