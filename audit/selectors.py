"""Reading and verifying the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from audit.models import SEAL_STREAM, AuditEvent, ChainHead
from audit.services import (
    GENESIS,
    SEAL_ACTION,
    batch_hashes,
    digest_of,
    heads_of,
    merkle_root,
)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    stream: int = 0
    position: int = 0


def _verify_streams(*, chunk_size: int) -> tuple[int, ChainBreak | None]:
    """Walk every stream in position order: gap-free positions, previous-hash links, content
    hashes, and the stream's head row (so a removed or added tail is found too)."""
    heads = {h.id: h for h in ChainHead.objects.all()}
    checked = 0
    stream, expected_pos, expected_prev = None, 1, GENESIS
    last: AuditEvent | None = None

    def tail_break(s: int, last_pos: int, last_event: AuditEvent | None) -> ChainBreak | None:
        head = heads.get(s)
        head_pos = head.seq if head is not None else 0
        if last_pos < head_pos:
            return ChainBreak(head.event_seq if head else 0,
                              f"events missing at the end of stream {s}", s, last_pos + 1)
        if last_pos > head_pos and last_event is not None:
            # appended while we walked? then the head row has moved on since we read it
            fresh = ChainHead.objects.filter(id=s).first()
            if fresh is not None and fresh.seq >= last_pos:
                return None
            return ChainBreak(last_event.seq, f"event after the recorded head of stream {s}",
                              s, last_pos)
        if last_event is not None and head is not None and last_event.hash != head.hash:
            return ChainBreak(last_event.seq, "does not match the recorded chain head",
                              s, last_pos)
        return None

    seen: set[int] = set()
    for event in AuditEvent.objects.order_by("stream", "stream_seq").iterator(
            chunk_size=chunk_size):
        if event.stream != stream:
            if stream is not None and (broken := tail_break(stream, expected_pos - 1, last)):
                return checked, broken
            stream, expected_pos, expected_prev, last = event.stream, 1, GENESIS, None
            seen.add(event.stream)
        if event.stream_seq != expected_pos:
            return checked, ChainBreak(event.seq, "missing event before it (gap in stream "
                                       f"{event.stream})", event.stream, expected_pos)
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.seq, "previous-hash link does not match",
                                       event.stream, event.stream_seq)
        if digest_of(event) != event.hash:
            return checked, ChainBreak(event.seq, "content does not match its hash",
                                       event.stream, event.stream_seq)
        expected_prev, expected_pos, last = event.hash, expected_pos + 1, event
        checked += 1
    if stream is not None and (broken := tail_break(stream, expected_pos - 1, last)):
        return checked, broken
    for s, head in sorted(heads.items()):
        if s not in seen and head.seq > 0:
            return checked, ChainBreak(head.event_seq, f"events missing at the end of stream {s}",
                                       s, 1)
    return checked, None


def _verify_seals() -> ChainBreak | None:
    """Recompute every seal's count and Merkle root from the events it covers, in `seq` order:
    a sealed event that was altered, removed, inserted or moved — even with every hash of its
    stream recomputed and the head row rewritten — no longer gives the sealed root."""
    since: dict[int, tuple[int, str]] = {}
    seals = AuditEvent.objects.filter(stream=SEAL_STREAM, action=SEAL_ACTION)
    for seal in seals.order_by("stream_seq").iterator(chunk_size=200):
        upto = heads_of(seal)
        hashes = batch_hashes(since=since, upto=upto)
        sealed = seal.after or {}
        if len(hashes) != sealed.get("count") or merkle_root(hashes) != sealed.get("root"):
            return ChainBreak(seal.seq, "sealed batch does not match its Merkle root",
                              SEAL_STREAM, seal.stream_seq)
        since = upto
    return None


def verify_chain(*, chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Check the whole log; return how many events were checked and the first break.

    Streams the table so a log of millions of events is checked in constant memory. Every
    event is checked by its stream's links whether sealed or not; sealed ones again by their
    seal's Merkle root. Events appended while the walk runs may be reported as beyond their
    stream's head read at the start: verify again.
    """
    checked, broken = _verify_streams(chunk_size=chunk_size)
    if broken is None:
        broken = _verify_seals()
    return checked, broken


def events_for(*, target_type: str, target_id: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type=target_type, target_id=str(target_id))


def recent_events(*, limit: int = 20) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-seq")[:limit]


def events_by(*, actor_id: int, limit: int = 15) -> QuerySet[AuditEvent]:
    """A person's own latest actions (what a clerk sees as "my recent activity")."""
    return AuditEvent.objects.filter(actor_id=actor_id).order_by("-seq")[:limit]
