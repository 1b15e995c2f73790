"""Appending to the audit log and sealing it. Every service that writes calls `record_event`
inside its own transaction, so the change and its audit row commit or roll back together (as
Zulip does). Appends take one of several stream heads that no other writer holds, so writers
do not queue behind each other (ADR 0006); `seal` links the streams into one ordered chain of
Merkle-rooted batches."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Max, Q

from audit.models import SEAL_STREAM, AuditEvent, ChainHead
from common import clock

GENESIS = "0" * 64
LEGACY_STREAM = 1  # events written before streams existed form stream 1 with stream_seq == seq
SEAL_ACTION = "audit.seal"


def stream_count() -> int:
    """How many writer streams (more streams: fewer writers ever wait for one)."""
    return max(1, int(getattr(settings, "AUDIT_STREAMS", 16)))


def _number(text: str) -> float | int:
    """A whole-valued float becomes an int: PostgreSQL's jsonb gives 1e20 back as
    100000000000000000000, which would no longer hash the same."""
    number = float(text)
    return int(number) if number.is_integer() else number


def _plain(value: Any) -> Any:
    """Reduce dates, decimals and model instances to JSON primitives so the stored JSON and the
    hashed JSON are the same bytes on SQLite and PostgreSQL."""
    return json.loads(
        json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str,
                   allow_nan=False),
        parse_float=_number,
    )


def event_digest(
    *, seq: int, occurred_at: str, actor_id: int | None, actor_label: str, action: str,
    target_type: str, target_id: str, before: Any, after: Any, prev_hash: str,
    stream: int = LEGACY_STREAM, stream_seq: int | None = None,
) -> str:
    """The SHA-256 over an event's canonical JSON; shared by append and verification.

    The stream and the position in it are part of the hash, except for the one combination
    every event written before streams existed has (stream 1, position == seq), so those
    events keep their original hashes; the canonical form stays one-to-one with the fields.
    """
    body: dict[str, Any] = {
        "seq": seq, "at": occurred_at, "actor": actor_id, "actor_label": actor_label,
        "action": action, "type": target_type, "id": target_id,
        "before": before, "after": after, "prev": prev_hash,
    }
    stream_seq = seq if stream_seq is None else stream_seq
    if (stream, stream_seq) != (LEGACY_STREAM, seq):
        body["stream"], body["sseq"] = stream, stream_seq
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def digest_of(event: AuditEvent) -> str:
    return event_digest(
        seq=event.seq, occurred_at=event.occurred_at.astimezone(dt.UTC).isoformat(),
        actor_id=event.actor_id,
        actor_label=event.actor_label, action=event.action, target_type=event.target_type,
        target_id=event.target_id, before=event.before, after=event.after,
        prev_hash=event.prev_hash, stream=event.stream, stream_seq=event.stream_seq,
    )


def merkle_root(hashes: Iterable[str]) -> str:
    """The Merkle root of event hashes in order (RFC 6962 style: leaves and nodes prefixed
    differently, an odd node promoted), so one root commits to every event and its place."""
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    if not level:
        return GENESIS
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A model's concrete field values as JSON primitives, for before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return _plain({name: getattr(instance, name) for name in names})


# --- taking a stream -----------------------------------------------------------------------------

def preferred_stream() -> int:
    """The stream this process and thread try first, so concurrent writers usually start on
    different rows; any free stream will do."""
    return 1 + (os.getpid() * 31 + threading.get_ident()) % stream_count()


def ensure_heads() -> None:
    """Create the head rows that are missing (migration 0003 creates them; a flushed test
    database or a raised `AUDIT_STREAMS` needs more). Run it outside a busy transaction:
    a writer creating them holds the new rows until it commits."""
    ChainHead.objects.bulk_create(
        [ChainHead(id=i, seq=0, hash=GENESIS, event_seq=0)
         for i in range(SEAL_STREAM, stream_count() + 1)],
        ignore_conflicts=True,
    )


def _lock_head(*, stream: int | None = None) -> ChainHead:
    """Lock one stream's head row for this transaction.

    PostgreSQL: the preferred stream if free, else the first free one (`SKIP LOCKED`), and
    only if every stream is busy, wait for the preferred one. SQLite runs one writer at a
    time anyway, so the preferred stream is simply taken.
    """
    wanted = preferred_stream() if stream is None else stream
    for _attempt in range(2):
        if connection.vendor == "postgresql" and stream is None:
            head = ChainHead.objects.raw(
                f"SELECT * FROM {ChainHead._meta.db_table} WHERE id BETWEEN 1 AND %s "
                "ORDER BY (id = %s) DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                [stream_count(), wanted])
            found = next(iter(head), None)
            if found is not None:
                return found
        found = ChainHead.objects.select_for_update().filter(id=wanted).first()
        if found is not None:
            return found
        ensure_heads()
    raise RuntimeError("audit chain head rows are missing")


def _next_seq() -> int:
    """The next global sequence number, without a lock on PostgreSQL (the table's own id
    sequence); SQLite holds its single write lock here already."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
        else:
            cursor.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def _append(*, head: ChainHead, fields: dict[str, Any]) -> AuditEvent:
    seq = _next_seq()
    event = AuditEvent(seq=seq, stream=head.id, stream_seq=head.seq + 1, prev_hash=head.hash,
                       **fields)
    if connection.vendor == "postgresql":
        event.id = seq  # taken from the id sequence: keep the two equal
    event.hash = digest_of(event)
    event.save(force_insert=True)
    head.seq, head.hash, head.event_seq = event.stream_seq, event.hash, event.seq
    head.save(update_fields=["seq", "hash", "event_seq"])
    return event


def record_event(
    *, actor: Any, action: str, target: models.Model | None = None,
    target_type: str = "", target_id: str = "", before: Any = None, after: Any = None,
) -> AuditEvent:
    """Append one event to a free stream. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the writing service's transaction")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    actor_label = str(getattr(actor, "username", "") or actor or "system")
    fields = {
        "occurred_at": clock.now(), "actor_id": actor_id, "actor_label": actor_label,
        "action": action, "target_type": target_type, "target_id": str(target_id),
        "before": _plain(before), "after": _plain(after),
    }
    return _append(head=_lock_head(), fields=fields)


# --- sealing -------------------------------------------------------------------------------------

def heads_of(event: AuditEvent | None) -> dict[int, tuple[int, str]]:
    """The stream heads a seal event covers: {stream: (position, hash)}."""
    if event is None:
        return {}
    return {int(s): (int(pos), h) for s, (pos, h) in (event.after or {})["heads"].items()}


def batch_filter(*, since: dict[int, tuple[int, str]], upto: dict[int, tuple[int, str]]) -> Q:
    """The events after the `since` heads and up to the `upto` heads (writer streams only)."""
    q = Q(pk__in=[])
    for s, (pos, _h) in upto.items():
        low = since.get(s, (0, GENESIS))[0]
        if pos > low:
            q |= Q(stream=s, stream_seq__gt=low, stream_seq__lte=pos)
    return q


def batch_hashes(*, since: dict[int, tuple[int, str]], upto: dict[int, tuple[int, str]]
                 ) -> list[str]:
    """Hashes of a sealed batch's events in global order (what its Merkle root covers)."""
    q = batch_filter(since=since, upto=upto)
    return list(AuditEvent.objects.filter(q).exclude(stream=SEAL_STREAM)
                .order_by("seq").values_list("hash", flat=True))


def last_seal() -> AuditEvent | None:
    return (AuditEvent.objects.filter(stream=SEAL_STREAM, action=SEAL_ACTION)
            .order_by("-stream_seq").first())


def seal(*, actor: Any = None) -> AuditEvent | None:
    """Seal every committed event not sealed yet into the chain of seals; None if none.

    One short transaction: lock the seal stream (only sealers wait for it, never writers),
    read the writer streams' committed heads, and append a seal event to stream 0 holding
    those heads, the number of events newly covered and their Merkle root in `seq` order.
    Each seal is chained to the previous one by the stream's hash links, so the seals fix
    the order of every event they cover.
    """
    with transaction.atomic():
        head = _lock_head(stream=SEAL_STREAM)
        previous = last_seal()
        since = heads_of(previous)
        upto = {h.id: (h.seq, h.hash) for h in ChainHead.objects.exclude(id=SEAL_STREAM)
                .order_by("id") if h.seq > 0}
        hashes = batch_hashes(since=since, upto=upto)
        if not hashes:
            return None
        number = head.seq + 1
        fields = {
            "occurred_at": clock.now(), "actor_id": None,
            "actor_label": str(getattr(actor, "username", "") or actor or "system"),
            "action": SEAL_ACTION, "target_type": "audit.seal", "target_id": str(number),
            "before": None,
            "after": _plain({"heads": {str(s): [p, h] for s, (p, h) in upto.items()},
                             "count": len(hashes), "root": merkle_root(hashes)}),
        }
        return _append(head=head, fields=fields)


def seal_job(as_of: dt.date) -> int:
    """Deadline-job handler: seal what is unsealed; returns how many events were sealed."""
    event = seal()
    return int(event.after["count"]) if event is not None else 0


def chain_position() -> dict[int, int]:
    """Every stream's committed last position: a point in the log to ask "what came after"."""
    return dict(ChainHead.objects.values_list("id", "seq"))


def events_after(position: dict[int, int]) -> models.QuerySet[AuditEvent]:
    """Events appended after `chain_position()` returned `position` (committed since, or still
    being written then: a writer holds its stream's head until it commits)."""
    q = ~Q(stream__in=list(position))
    for stream, pos in position.items():
        q |= Q(stream=stream, stream_seq__gt=pos)
    return AuditEvent.objects.filter(q)


def last_seq() -> int:
    return AuditEvent.objects.aggregate(seq=Max("seq"))["seq"] or 0
