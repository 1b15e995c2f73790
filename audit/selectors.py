"""Reading and verifying the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from audit.models import AuditEvent, ChainHead
from audit.services import GENESIS, digest_of


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(*, chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in order; return how many events were checked and the first break.

    Streams the table so a log of millions of events is checked in constant memory. The chain
    head (last sequence number and hash, written in the same transaction as each event) is read
    first, so deleting the newest events is found too; events appended while the walk runs are
    simply checked as well.
    """
    head = ChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return checked, ChainBreak(expected_seq, "missing event (gap in sequence)")
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.seq, "previous-hash link does not match")
        if digest_of(event) != event.hash:
            return checked, ChainBreak(event.seq, "content does not match its hash")
        if event.seq == head_seq and event.hash != head_hash:
            return checked, ChainBreak(event.seq, "does not match the recorded chain head")
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    if checked < head_seq:
        return checked, ChainBreak(expected_seq, "events missing at the end of the chain")
    return checked, None


def events_for(*, target_type: str, target_id: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type=target_type, target_id=str(target_id))


def recent_events(*, limit: int = 20) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-seq")[:limit]


def events_by(*, actor_id: int, limit: int = 15) -> QuerySet[AuditEvent]:
    """A person's own latest actions (what a clerk sees as "my recent activity")."""
    return AuditEvent.objects.filter(actor_id=actor_id).order_by("-seq")[:limit]
