"""The change feed's receivers: what goes into the outbox when a record or a list decision
changes (`GET /api/v1/changes` reads it, `exchange.selectors.changes_after`).

They run in the changing service's own transaction (records' `record_state_changed`, django-fsm's
`post_transition` and `post_save` of the list entries, connected in `exchange.apps`), so a change
and its feed row commit or roll back together, and neither records nor lists import exchange
(DESIGN.md: an app imports only from apps to its left). The payloads are what may leave the
platform: ID numbers masked as everywhere in the API, no internal notes or reasons.
"""

from __future__ import annotations

from typing import Any

from exchange.change_models import ChangeEvent
from exchange.services import append_change
from lists.models import (
    BlackListEntry,
    BlackState,
    KeyState,
    KeySupervisionEntry,
    RedListEntry,
    RedState,
)
from records.models import CreditRecord, RecordState

#: The list states that are decisions others act on. A transition into or out of one of them is
#: published; the due-process steps before a decision (proposal, notice, statement, review) are
#: internal and stay out of the feed.
DECIDED_STATES: dict[str, set[str]] = {
    ChangeEvent.Kind.BLACK: {BlackState.DECIDED, BlackState.PUBLICITY, BlackState.IN_FORCE,
                             BlackState.SUSPENDED},
    ChangeEvent.Kind.RED: {RedState.DECIDED, RedState.IN_FORCE},
    ChangeEvent.Kind.KEY: {KeyState.IN_FORCE},
}
LIST_MODELS: dict[type, str] = {BlackListEntry: ChangeEvent.Kind.BLACK,
                                RedListEntry: ChangeEvent.Kind.RED,
                                KeySupervisionEntry: ChangeEvent.Kind.KEY}
_PENDING = "_change_feed_transitions"


# --- writes --------------------------------------------------------------------------------------
def _subject(subject: Any) -> dict[str, Any]:
    """As the API shows a subject everywhere: an individual's ID number masked."""
    return {"code": subject.display_code, "name": subject.name, "kind": subject.kind,
            "category": subject.category}


def record_payload(record: CreditRecord) -> dict[str, Any]:
    """A record as the feed shows it: the decision's public facts, never the internal note."""
    rt, dept = record.record_type, record.source_department
    return {
        "record_id": record.pk, "version": record.version, "supersedes": record.supersedes_id,
        "subject": _subject(record.subject),
        "record_type": {"code": rt.code, "name": rt.name, "polarity": rt.polarity,
                        "severity": rt.severity},
        "document_number": record.document_number,
        "source_department": {"code": dept.code, "name": dept.name,
                              "source_kind": dept.source_kind},
        "occurred_on": record.occurred_on, "decided_on": record.decided_on,
        "publicity_ends_on": record.publicity_ends_on, "state": record.state,
        "is_public": record.is_public, "amount": record.amount,
    }


def _record_action(record: CreditRecord) -> str:
    if record.state == RecordState.EFFECTIVE:
        seen = ChangeEvent.objects.filter(kind=ChangeEvent.Kind.RECORD, object_id=record.pk)
        if seen.exists():
            return "record.updated"  # e.g. its publicity ended with a listing
        return "record.corrected" if record.supersedes_id else "record.created"
    return {RecordState.CORRECTED: "record.superseded", RecordState.REVOKED: "record.revoked",
            RecordState.REPAIRED: "record.repaired"}.get(record.state, f"record.{record.state}")


def note_record_change(sender: Any, record: CreditRecord, **kwargs: Any) -> None:
    """Receiver of `records.signals.record_state_changed` (sent inside the reviewing
    transaction): a record took effect (first version: created; a later one: corrected), was
    superseded, revoked or repaired, or its publicity changed."""
    append_change(kind=ChangeEvent.Kind.RECORD, action=_record_action(record),
                  object_id=record.pk, payload=record_payload(record))


def list_payload(kind: str, entry: Any) -> dict[str, Any]:
    """A list entry as the feed shows it: the published decision, no internal reasons."""
    out: dict[str, Any] = {"entry_id": entry.pk, "subject": _subject(entry.subject),
                           "state": entry.state}
    if kind == ChangeEvent.Kind.KEY:
        out.update(rule=entry.rule, entered_on=entry.entered_on, ended_on=entry.ended_on)
        return out
    out.update(decision_number=entry.decision_number or None, decided_on=entry.decided_on,
               effective_from=entry.effective_from, effective_until=entry.effective_until,
               ended_on=entry.ended_on)
    if kind == ChangeEvent.Kind.BLACK:
        out["ground"] = entry.ground.name
    else:
        out["commendation"] = entry.commendation or None
    return out


def note_list_transition(sender: Any, instance: Any, name: str, source: str, target: str,
                         **kwargs: Any) -> None:
    """Receiver of django-fsm's `post_transition`: remember a decision's transition on the
    instance; `note_list_saved` writes it once the entry is saved with its dates."""
    kind = LIST_MODELS.get(type(instance))
    if kind is None or source == target:
        return
    decided = DECIDED_STATES[kind]
    if source in decided or target in decided:
        pending = instance.__dict__.setdefault(_PENDING, [])
        pending.append(target)


def note_list_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Receiver of `post_save` of the list entries: the remembered transitions go out with the
    entry as saved; a key-supervision entry is born in force (no transition), so its creation
    is its entry."""
    kind = LIST_MODELS.get(type(instance))
    if kind is None:
        return
    targets = instance.__dict__.pop(_PENDING, [])
    if created and instance.state in DECIDED_STATES[kind] and not targets:
        targets = [instance.state]
    for target in targets:
        append_change(kind=kind, action=f"{kind}.{target}", object_id=instance.pk,
                      payload=list_payload(kind, instance))
