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
from typing import Any, NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Max, Q

from audit.models import SEAL_STREAM, AuditEvent, ChainHead
from common import clock
from common.statements import Statement, direct, insert_statement, run, sqlite_execute

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


class Claim(NamedTuple):
    """A stream's head, locked for this transaction, and the global `seq` of the next event."""
    stream: int
    position: int  # the stream's last position (the new event takes position + 1)
    hash: str  # the stream's last hash (the new event's prev_hash)
    seq: int


def claim_statement(*, stream: int | None = None) -> Statement:
    """The one statement that locks a stream's head and takes the next global `seq` (ADR 0006).

    PostgreSQL: the preferred stream if free, else the first free one (`SKIP LOCKED`, no row
    when all are held), and the sequence's `nextval` on the one row locked (in the outer
    SELECT, so exactly one value is taken). With `stream` given, that stream, waiting for it.
    SQLite runs one writer at a time: the preferred (or given) stream's head and MAX(seq) + 1.
    """
    heads, events = ChainHead._meta.db_table, AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        if stream is None:
            inner = (f"SELECT id, seq, hash FROM {heads} WHERE id BETWEEN 1 AND %s "
                     "ORDER BY (id = %s) DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED")
            params: list[Any] = [stream_count(), preferred_stream()]
        else:
            inner = f"SELECT id, seq, hash FROM {heads} WHERE id = %s FOR UPDATE"
            params = [stream]
        return Statement(
            f"SELECT h.id, h.seq, h.hash, nextval(pg_get_serial_sequence('{events}', 'id')) "
            f"FROM ({inner}) h", params)
    return Statement(
        f"SELECT id, seq, hash, (SELECT COALESCE(MAX(seq), 0) + 1 FROM {events}) "
        f"FROM {heads} WHERE id = %s", [preferred_stream() if stream is None else stream])


def claim_of(rows: list[tuple[Any, ...]] | None) -> Claim | None:
    """The claim a `claim_statement` returned; None when it found no free head."""
    if not rows:
        return None
    stream, position, hash_, seq = rows[0]
    return Claim(int(stream), int(position), hash_, int(seq))


def claim(*, stream: int | None = None) -> Claim:
    """Claim a stream (`claim_statement`) for this transaction.

    When no head was free (PostgreSQL, every stream held), wait for the preferred one; when
    the head rows are missing (a flushed test database, a raised `AUDIT_STREAMS`), create them.
    """
    for _attempt in range(2):
        got = claim_of(run([claim_statement(stream=stream)])[0])
        if got is None and stream is None and connection.vendor == "postgresql":
            got = claim_of(run([claim_statement(stream=preferred_stream())])[0])
        if got is not None:
            return got
        ensure_heads()
    raise RuntimeError("audit chain head rows are missing")


def event_fields(
    *, actor: Any, action: str, target: models.Model | None = None, target_type: str = "",
    target_id: str = "", before: Any = None, after: Any = None,
) -> dict[str, Any]:
    """An event's own columns, as `record_event` stores them."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    return {
        "occurred_at": clock.now(), "actor_id": actor_id,
        "actor_label": str(getattr(actor, "username", "") or actor or "system"),
        "action": action, "target_type": target_type, "target_id": str(target_id),
        "before": _plain(before), "after": _plain(after),
    }


def chained(*, claim: Claim, fields: dict[str, Any]) -> tuple[AuditEvent, list[Statement]]:
    """The event on the claimed stream, hashed, and its two writes: the INSERT and the head's
    UPDATE. On PostgreSQL the event's id is its `seq` (both from the id sequence)."""
    event = AuditEvent(seq=claim.seq, stream=claim.stream, stream_seq=claim.position + 1,
                       prev_hash=claim.hash, **fields)
    if connection.vendor == "postgresql":
        event.id = claim.seq
    event.hash = digest_of(event)
    head = Statement(f"UPDATE {ChainHead._meta.db_table} SET seq = %s, hash = %s, "
                     "event_seq = %s WHERE id = %s",
                     [event.stream_seq, event.hash, event.seq, event.stream])
    return event, [insert_statement([event]), head]


def event_statements(
    *, claim: Claim, actor: Any, action: str, target: models.Model | None = None,
    target_type: str = "", target_id: str = "", before: Any = None, after: Any = None,
) -> tuple[AuditEvent, list[Statement]]:
    """`record_event` for a caller that batches its writes (the credit check): the event and
    the statements that append it, for the caller to run in its transaction, after the
    `claim_statement` it ran earlier in the same transaction."""
    return chained(claim=claim, fields=event_fields(
        actor=actor, action=action, target=target, target_type=target_type,
        target_id=target_id, before=before, after=after))


def _append(*, claim: Claim, fields: dict[str, Any]) -> AuditEvent:
    event, (insert_event, update_head) = chained(claim=claim, fields=fields)
    if connection.vendor == "postgresql":
        run([insert_event, update_head])  # one round trip
    elif direct(connection):  # SQLite, nobody counting queries: on the driver's connection
        event.id = sqlite_execute(connection, *insert_event).lastrowid
        sqlite_execute(connection, *update_head)
    else:
        with connection.cursor() as cursor:
            cursor.execute(*insert_event)
            event.id = cursor.lastrowid
            cursor.execute(*update_head)
    event._state.adding, event._state.db = False, connection.alias
    return event


def record_event(
    *, actor: Any, action: str, target: models.Model | None = None,
    target_type: str = "", target_id: str = "", before: Any = None, after: Any = None,
) -> AuditEvent:
    """Append one event to a free stream. Must run inside the caller's transaction.

    Three statements: the head locked with the next `seq` taken (`claim_statement`), the
    event's INSERT and the head's UPDATE (on PostgreSQL these two are one round trip)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the writing service's transaction")
    fields = event_fields(actor=actor, action=action, target=target, target_type=target_type,
                          target_id=target_id, before=before, after=after)
    return _append(claim=claim(), fields=fields)


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
        head = claim(stream=SEAL_STREAM)
        previous = last_seal()
        since = heads_of(previous)
        upto = {h.id: (h.seq, h.hash) for h in ChainHead.objects.exclude(id=SEAL_STREAM)
                .order_by("id") if h.seq > 0}
        hashes = batch_hashes(since=since, upto=upto)
        if not hashes:
            return None
        number = head.position + 1
        fields = {
            "occurred_at": clock.now(), "actor_id": None,
            "actor_label": str(getattr(actor, "username", "") or actor or "system"),
            "action": SEAL_ACTION, "target_type": "audit.seal", "target_id": str(number),
            "before": None,
            "after": _plain({"heads": {str(s): [p, h] for s, (p, h) in upto.items()},
                             "count": len(hashes), "root": merkle_root(hashes)}),
        }
        return _append(claim=head, fields=fields)


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
