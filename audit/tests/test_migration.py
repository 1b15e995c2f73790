"""Migration 0003 turns a single-chain log into stream 1 without touching a hash."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent, ChainHead
from audit.selectors import verify_chain
from audit.services import GENESIS, record_event, seal
from common.browser_testing import SQLITE_TRIGGERS

BEFORE = [("audit", "0002_append_only")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("audit")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_audit_flushable")
def test_old_single_chain_events_verify_after_the_migration() -> None:
    latest = _latest()
    _migrate(BEFORE)
    try:
        prev = GENESIS
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_chainhead")
            for seq in (1, 2, 3):  # written the way the single-chain code wrote them
                at = "2026-11-25T10:00:00+00:00"
                body = {"seq": seq, "at": at, "actor": None, "actor_label": "system",
                        "action": "old.event", "type": "x.y", "id": str(seq), "before": None,
                        "after": {"n": seq}, "prev": prev}
                digest = hashlib.sha256(json.dumps(
                    body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                ).encode()).hexdigest()
                cursor.execute(
                    "INSERT INTO audit_auditevent (seq, occurred_at, actor_label, action, "
                    "target_type, target_id, before, after, prev_hash, hash) VALUES "
                    f"(%s, %s, 'system', 'old.event', 'x.y', %s, NULL, %s{cast}, %s, %s)",
                    [seq, at, str(seq), json.dumps({"n": seq}), prev, digest])
                prev = digest
            cursor.execute("INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, 3, %s)",
                           [prev])
    finally:
        _migrate(latest)
    old = list(AuditEvent.objects.order_by("seq"))
    assert [(e.stream, e.stream_seq) for e in old] == [(1, 1), (1, 2), (1, 3)]
    assert ChainHead.objects.get(id=1).event_seq == 3
    assert ChainHead.objects.count() >= 17  # the seal stream and 16 writer streams
    assert verify_chain() == (3, None)
    with transaction.atomic():
        record_event(actor=None, action="new.event")
    sealed = seal()
    assert sealed is not None and sealed.after["count"] == 4
    assert verify_chain() == (5, None)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the trigger is back
        AuditEvent.objects.filter(seq=1).update(action="forged")
    if connection.vendor == "sqlite":  # SQLite's test flush deletes rows: let it (see fixture)
        with connection.cursor() as cursor:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
