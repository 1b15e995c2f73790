"""Appending to the audit log. Every service that writes calls `record_event` inside its own
transaction, so the change and its audit row commit or roll back together (as Zulip does)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from audit.models import AuditEvent, ChainHead
from common import clock

GENESIS = "0" * 64


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
) -> str:
    """The SHA-256 over an event's canonical JSON; shared by append and verification."""
    body = json.dumps(
        {
            "seq": seq, "at": occurred_at, "actor": actor_id, "actor_label": actor_label,
            "action": action, "type": target_type, "id": target_id,
            "before": before, "after": after, "prev": prev_hash,
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def digest_of(event: AuditEvent) -> str:
    return event_digest(
        seq=event.seq, occurred_at=event.occurred_at.astimezone(dt.UTC).isoformat(),
        actor_id=event.actor_id,
        actor_label=event.actor_label, action=event.action, target_type=event.target_type,
        target_id=event.target_id, before=event.before, after=event.after,
        prev_hash=event.prev_hash,
    )


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A model's concrete field values as JSON primitives, for before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return _plain({name: getattr(instance, name) for name in names})


def record_event(
    *, actor: Any, action: str, target: models.Model | None = None,
    target_type: str = "", target_id: str = "", before: Any = None, after: Any = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the writing service's transaction")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    actor_label = str(getattr(actor, "username", "") or actor or "system")
    occurred_at = clock.now()
    event = AuditEvent(
        seq=head.seq + 1, occurred_at=occurred_at, actor_id=actor_id,
        actor_label=actor_label, action=action, target_type=target_type,
        target_id=str(target_id), before=_plain(before), after=_plain(after),
        prev_hash=head.hash,
    )
    event.hash = digest_of(event)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event
