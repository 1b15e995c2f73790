"""The audit log is append-only in the database and tamper-evident by its streams and seals."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from audit import services
from audit.models import SEAL_STREAM, AuditEvent, ChainHead
from audit.selectors import verify_chain
from audit.services import GENESIS, digest_of, merkle_root, record_event, seal
from common.deadlines import run_deadlines

if TYPE_CHECKING:  # audit sits below accounts: the user model is only a type hint here
    from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """Successive appends alternate between streams 1 and 2 (as concurrent writers would)."""
    turns = itertools.cycle([1, 2])
    monkeypatch.setattr(services, "preferred_stream", lambda: next(turns))


def append(actor: Any, action: str, **kwargs: Any) -> AuditEvent:
    with transaction.atomic():
        return record_event(actor=actor, action=action, **kwargs)


def six_events(actor: User) -> list[AuditEvent]:
    """Streams 1 and 2 get three events each, interleaved: seq order s1, s2, s1, s2, s1, s2."""
    return [append(actor, f"test.{n}", target_type="x.y", target_id=str(n), after={"n": n})
            for n in range(1, 7)]


def three_events(actor: User) -> list[AuditEvent]:
    return [
        append(actor, "test.one", target=actor, after={"n": 1}),
        append(actor, "test.two", target_type="x.y", target_id="7",
               before={"name": "旧"}, after={"name": "新", "amount": Decimal("12.50"),
                                            "on": dt.date(2024, 2, 29)}),
        append(None, "test.three", target_type="x.y", target_id="8"),
    ]


def drop_append_only_trigger() -> None:
    """What an intruder with owner rights on the database could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_change ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


def raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def set_after(seq: int, value: Any) -> None:
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    raw_sql(f'UPDATE audit_auditevent SET "after" = %s{cast} WHERE seq = %s',
            [json.dumps(value, ensure_ascii=False), seq])


def rechain(stream: int) -> None:
    """A careful forger: renumber the stream's events in their current order, recompute every
    link and hash, and rewrite the head row, so the stream alone looks intact."""
    prev, last = GENESIS, None
    events = list(AuditEvent.objects.filter(stream=stream).order_by("stream_seq"))
    raw_sql("UPDATE audit_auditevent SET stream_seq = -stream_seq WHERE stream = %s", [stream])
    for position, event in enumerate(events, start=1):
        event.stream_seq, event.prev_hash = position, prev
        event.hash = digest_of(event)
        event.save()
        prev, last = event.hash, event
    ChainHead.objects.filter(id=stream).update(
        seq=len(events), hash=prev, event_seq=last.seq if last else 0)


def verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify_audit")
    message = str(info.value)
    assert f"#{seq}:" in message
    return message


# --- appending -----------------------------------------------------------------------------------

def test_events_form_one_chain_per_stream(admin_user: User, two_streams: None) -> None:
    made = six_events(admin_user)
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.hash for e in stored] == [e.hash for e in made]
    assert [e.seq for e in stored] == sorted(e.seq for e in stored)
    assert [(e.stream, e.stream_seq) for e in stored] == [(1, 1), (2, 1), (1, 2), (2, 2),
                                                          (1, 3), (2, 3)]
    one = [e for e in stored if e.stream == 1]
    assert [e.prev_hash for e in one] == [GENESIS, one[0].hash, one[1].hash]
    assert all(digest_of(e) == e.hash for e in stored)  # survives the database round trip
    heads = {h.id: h for h in ChainHead.objects.all()}
    assert (heads[1].seq, heads[1].hash, heads[1].event_seq) == (3, one[2].hash, one[2].seq)
    assert verify_chain() == (6, None)


def test_event_records_actor_and_target(admin_user: User) -> None:
    first, second, third = three_events(admin_user)
    first = AuditEvent.objects.get(pk=first.pk)
    assert (first.actor_id, first.actor_label) == (admin_user.pk, admin_user.username)
    assert (first.target_type, first.target_id) == ("accounts.user", str(admin_user.pk))
    second = AuditEvent.objects.get(pk=second.pk)
    assert second.after == {"name": "新", "amount": "12.50", "on": "2024-02-29"}
    third = AuditEvent.objects.get(pk=third.pk)
    assert (third.actor_id, third.actor_label) == (None, "system")


def test_numbers_hash_the_same_after_the_database_round_trip() -> None:
    # jsonb (PostgreSQL) returns 1e20 as 100000000000000000000: whole floats are stored as ints.
    append(None, "test.numbers",
           after={"big": 1e20, "whole": 2.0, "ratio": 0.1, "tiny": 1.5e-7, "n": 2**70})
    stored = AuditEvent.objects.get()
    assert stored.after == {"big": 10**20, "whole": 2, "ratio": 0.1, "tiny": 1.5e-7, "n": 2**70}
    assert verify_chain() == (1, None)
    with pytest.raises(ValueError):
        append(None, "test.nan", after={"x": float("nan")})


def test_events_written_before_streams_keep_their_hashes() -> None:
    """Migration 0003 puts old events in stream 1 at position = seq without rehashing them:
    the digest of that combination is the one the single-chain design computed."""
    fields = {"seq": 7, "at": "2026-11-25T10:00:00+00:00", "actor": None,
              "actor_label": "system", "action": "test.old", "type": "x.y", "id": "1",
              "before": None, "after": {"a": 1}, "prev": "ab" * 32}
    old = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False,
                                    separators=(",", ":")).encode()).hexdigest()
    common = {"seq": 7, "occurred_at": fields["at"], "actor_id": None,
              "actor_label": "system", "action": "test.old", "target_type": "x.y",
              "target_id": "1", "before": None, "after": {"a": 1}, "prev_hash": "ab" * 32}
    assert services.event_digest(**common, stream=1, stream_seq=7) == old
    assert services.event_digest(**common, stream=2, stream_seq=7) != old
    assert services.event_digest(**common, stream=1, stream_seq=6) != old


def test_intact_chain_verifies(admin_user: User, two_streams: None) -> None:
    assert verify_chain() == (0, None)
    six_events(admin_user)
    assert verify_chain() == (6, None)
    assert verify_chain(chunk_size=1) == (6, None)


def test_verify_command_reports_and_seals(admin_user: User,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    three_events(admin_user)
    call_command("verify_audit", "--no-seal")
    assert "3 events" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(stream=SEAL_STREAM).exists()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "3 events verified" in out and "Sealed 3 events" in out
    call_command("verify_audit")
    assert "4 events verified" in capsys.readouterr().out  # the seal is an event too


def test_record_event_outside_a_transaction_is_refused() -> None:
    caught: list[BaseException] = []

    def outside() -> None:  # a fresh thread has its own connection, in autocommit mode
        try:
            record_event(actor=None, action="test.outside")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            caught.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=outside)
    thread.start()
    thread.join(timeout=10)
    assert len(caught) == 1 and isinstance(caught[0], RuntimeError)
    assert AuditEvent.objects.count() == 0


# --- sealing -------------------------------------------------------------------------------------

def test_merkle_root_commits_to_every_leaf_and_its_place() -> None:
    leaves = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(5)]
    root = merkle_root(leaves)
    assert merkle_root(list(leaves)) == root
    assert merkle_root(leaves[:4]) != root
    assert merkle_root([leaves[1], leaves[0], *leaves[2:]]) != root
    assert merkle_root([*leaves, leaves[4]]) != root  # a duplicated last leaf is not the same
    assert merkle_root([]) == GENESIS


def test_a_seal_covers_the_new_events_in_order(admin_user: User, two_streams: None) -> None:
    made = six_events(admin_user)
    first = seal()
    assert first is not None and first.stream == SEAL_STREAM and first.stream_seq == 1
    assert first.after["count"] == 6
    assert first.after["root"] == merkle_root([e.hash for e in made])
    assert first.after["heads"] == {"1": [3, made[4].hash], "2": [3, made[5].hash]}
    assert seal() is None  # nothing new
    later = append(admin_user, "test.7")
    second = seal()
    assert second is not None and second.prev_hash == first.hash
    assert (second.after["count"], second.after["root"]) == (1, merkle_root([later.hash]))
    assert verify_chain() == (9, None)


def test_the_deadline_job_seals(admin_user: User) -> None:
    three_events(admin_user)
    run = run_deadlines(as_of=dt.date(2026, 12, 2))
    assert run.summary["audit.seal"] == 3
    assert AuditEvent.objects.filter(stream=SEAL_STREAM).count() == 1


def test_position_tells_what_was_appended_after_it(admin_user: User, two_streams: None) -> None:
    six_events(admin_user)
    position = services.chain_position()
    later = [append(admin_user, "test.later"), append(admin_user, "test.later")]
    assert sorted(services.events_after(position).values_list("pk", flat=True)) == \
        sorted(e.pk for e in later)


# --- the database refuses changes ----------------------------------------------------------------

def test_update_is_refused_by_the_database(admin_user: User) -> None:
    _one, two, _three = three_events(admin_user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=two.seq).update(action="test.forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        set_after(two.seq, {"name": "伪造"})
    event = AuditEvent.objects.get(seq=two.seq)
    event.actor_label = "someone-else"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=two.seq).update(stream_seq=99)
    assert AuditEvent.objects.get(seq=two.seq).action == "test.two"
    assert verify_chain() == (3, None)


def test_delete_is_refused_by_the_database(admin_user: User) -> None:
    events = three_events(admin_user)
    seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=events[2].seq).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_sql("DELETE FROM audit_auditevent WHERE stream = %s", [SEAL_STREAM])
    assert AuditEvent.objects.count() == 4


# --- unsealed events: the stream links and head rows find the change -----------------------------

def test_altered_content_is_found(admin_user: User, two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    set_after(events[2].seq, {"n": 99})
    assert verify_chain()[1].seq == events[2].seq
    assert "content does not match its hash" in verify_fails_at(events[2].seq)


@pytest.mark.parametrize("column,value", [
    ("action", "test.forged"),
    ("actor_label", "someone-else"),
    ("target_id", "9"),
    ("occurred_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ("stream_seq", 10),
])
def test_every_column_is_covered_by_the_hash(admin_user: User, column: str, value: Any) -> None:
    events = three_events(admin_user)
    drop_append_only_trigger()
    raw_sql(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, events[1].seq])
    assert verify_chain()[1] is not None


def test_rehashed_forgery_breaks_the_next_link(admin_user: User, two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    forged = AuditEvent.objects.get(seq=events[0].seq)  # stream 1, position 1
    forged.after = {"n": 99}
    forged.hash = digest_of(forged)
    forged.save()
    assert "previous-hash link" in verify_fails_at(events[2].seq)  # stream 1, position 2


def test_rehashed_forgery_of_a_stream_tail_breaks_the_head(admin_user: User,
                                                           two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    forged = AuditEvent.objects.get(seq=events[5].seq)  # stream 2's last event
    forged.after = {"n": 99}
    forged.hash = digest_of(forged)
    forged.save()
    assert "chain head" in verify_fails_at(events[5].seq)


def test_removed_middle_event_is_found(admin_user: User, two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[2].seq])  # s1 position 2
    checked, broken = verify_chain()
    assert checked == 1
    assert broken is not None and (broken.stream, broken.position) == (1, 2)
    assert "missing event" in verify_fails_at(events[4].seq)


def test_removed_last_event_is_found(admin_user: User, two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[5].seq])
    checked, broken = verify_chain()
    assert broken is not None
    assert (broken.seq, broken.reason) == (events[5].seq, "events missing at the end of stream 2")
    verify_fails_at(events[5].seq)


def test_every_event_removed_is_found(admin_user: User, two_streams: None) -> None:
    six_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent", [])
    checked, broken = verify_chain()
    assert checked == 0 and broken is not None


def test_reordered_events_are_found(admin_user: User, two_streams: None) -> None:
    """Swapping two events' places in their stream changes what their hashes cover."""
    events = six_events(admin_user)
    drop_append_only_trigger()
    a, b = events[0], events[2]  # stream 1, positions 1 and 2
    raw_sql("UPDATE audit_auditevent SET stream_seq = -1 WHERE seq = %s", [a.seq])
    raw_sql("UPDATE audit_auditevent SET stream_seq = 1 WHERE seq = %s", [b.seq])
    raw_sql("UPDATE audit_auditevent SET stream_seq = 2 WHERE seq = %s", [a.seq])
    assert verify_chain()[1] is not None
    verify_fails_at(b.seq)


def test_global_order_swapped_is_found(admin_user: User, two_streams: None) -> None:
    """Swapping the global sequence numbers of events in two streams breaks both hashes."""
    events = six_events(admin_user)
    drop_append_only_trigger()
    a, b = events[0], events[1]
    raw_sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a.seq])
    raw_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    raw_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b.seq])
    assert "content does not match" in verify_chain()[1].reason


def test_inserted_event_is_found(admin_user: User, two_streams: None) -> None:
    """A forged event appended with a valid hash but no head update is beyond the head."""
    events = six_events(admin_user)
    last = events[4]  # stream 1's last
    forged = AuditEvent(seq=events[5].seq + 100, stream=1, stream_seq=4,
                        occurred_at=last.occurred_at, actor_label="system",
                        action="test.forged", target_type="x.y", target_id="8",
                        prev_hash=last.hash)
    forged.hash = digest_of(forged)
    forged.save(force_insert=True)
    assert "after the recorded head" in verify_fails_at(forged.seq)


def test_inserted_event_in_the_middle_is_found(admin_user: User, two_streams: None) -> None:
    events = six_events(admin_user)
    drop_append_only_trigger()
    # make room at stream 1 position 2 and slip a forged event in, linked to position 1
    raw_sql("UPDATE audit_auditevent SET stream_seq = stream_seq + 10 "
            "WHERE stream = 1 AND stream_seq >= 2", [])
    raw_sql("UPDATE audit_auditevent SET stream_seq = stream_seq - 9 "
            "WHERE stream = 1 AND stream_seq >= 12", [])
    forged = AuditEvent(seq=events[0].seq + 1000, stream=1, stream_seq=2,
                        occurred_at=events[0].occurred_at, actor_label="system",
                        action="test.forged", target_type="x.y", target_id="8",
                        prev_hash=events[0].hash)
    forged.hash = digest_of(forged)
    forged.save(force_insert=True)
    broken = verify_chain()[1]
    assert broken is not None and broken.seq == events[2].seq  # the moved event's hash


def test_last_event_replaced_is_found(admin_user: User, two_streams: None) -> None:
    """Deleting a stream's last event and appending a forged one in its place breaks the head."""
    events = six_events(admin_user)
    drop_append_only_trigger()
    last = events[5]
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    forged = AuditEvent(seq=last.seq, stream=2, stream_seq=3, occurred_at=last.occurred_at,
                        actor_label="system", action="test.forged", target_type="x.y",
                        target_id="8", prev_hash=events[3].hash)
    forged.hash = digest_of(forged)
    forged.save(force_insert=True)
    assert "chain head" in verify_fails_at(last.seq)


def test_appends_continue_the_chain_after_verification(admin_user: User) -> None:
    three_events(admin_user)
    assert verify_chain() == (3, None)
    append(admin_user, "test.four")
    assert verify_chain() == (4, None)


# --- sealed events: even a stream re-chained by a careful forger fails its seal ------------------

def _sealed_six(actor: User) -> list[AuditEvent]:
    events = six_events(actor)
    assert seal() is not None
    assert verify_chain() == (7, None)
    drop_append_only_trigger()
    return events


def _fails_the_seal() -> None:
    checked, broken = verify_chain()
    assert broken is not None, "the forgery went unnoticed"
    assert broken.reason == "sealed batch does not match its Merkle root"
    assert broken.stream == SEAL_STREAM
    verify_fails_at(broken.seq)


def test_sealed_altered_event_is_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    set_after(events[2].seq, {"n": 99})
    rechain(1)
    assert verify_chain()[1] is not None
    _fails_the_seal()


def test_sealed_removed_event_is_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[3].seq])
    rechain(2)
    _fails_the_seal()


def test_sealed_removed_tail_is_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[5].seq])
    rechain(2)
    _fails_the_seal()


def test_sealed_reordered_events_are_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    a, b = events[0], events[2]
    raw_sql("UPDATE audit_auditevent SET stream_seq = -1 WHERE seq = %s", [a.seq])
    raw_sql("UPDATE audit_auditevent SET stream_seq = 1 WHERE seq = %s", [b.seq])
    raw_sql("UPDATE audit_auditevent SET stream_seq = 2 WHERE seq = %s", [a.seq])
    rechain(1)
    _fails_the_seal()


def test_sealed_global_order_swapped_is_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    a, b = events[0], events[1]
    raw_sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a.seq])
    raw_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    raw_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b.seq])
    rechain(1)
    rechain(2)
    _fails_the_seal()


def test_sealed_inserted_event_is_found(admin_user: User, two_streams: None) -> None:
    events = _sealed_six(admin_user)
    forged = AuditEvent(seq=events[0].seq + 1000, stream=1, stream_seq=0,
                        occurred_at=events[0].occurred_at, actor_label="system",
                        action="test.forged", target_type="x.y", target_id="8",
                        prev_hash=GENESIS, hash="f" * 64)
    forged.save(force_insert=True)  # placed first in stream 1, then the stream re-chained
    rechain(1)
    _fails_the_seal()


def test_altered_seal_is_found(admin_user: User, two_streams: None) -> None:
    _sealed_six(admin_user)
    the_seal = AuditEvent.objects.get(stream=SEAL_STREAM)
    set_after(the_seal.seq, {**the_seal.after, "count": 5})
    assert "content does not match" in verify_fails_at(the_seal.seq)


def test_removed_seal_is_found(admin_user: User, two_streams: None) -> None:
    _sealed_six(admin_user)
    raw_sql("DELETE FROM audit_auditevent WHERE stream = %s", [SEAL_STREAM])
    broken = verify_chain()[1]
    assert broken is not None and broken.reason == "events missing at the end of stream 0"


def test_unsealed_events_after_a_seal_are_still_checked(admin_user: User,
                                                        two_streams: None) -> None:
    _sealed_six(admin_user)
    later = append(admin_user, "test.later")
    append(admin_user, "test.later2")
    set_after(later.seq, {"forged": True})
    assert "content does not match" in verify_fails_at(later.seq)


# --- concurrent writers (PostgreSQL: real transactions in threads) -------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_all_land_and_the_chain_verifies() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the concurrency test is PostgreSQL's")
    services.ensure_heads()  # as migration 0003 left them (the test database was flushed)
    writers, per_writer = 8, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(per_writer):
                with transaction.atomic():
                    record_event(actor=None, action="test.concurrent",
                                 target_type="x.y", target_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    events = AuditEvent.objects.filter(action="test.concurrent")
    assert events.count() == writers * per_writer
    assert len(set(events.values_list("target_id", flat=True))) == writers * per_writer
    assert len(set(events.values_list("stream", flat=True))) > 1
    assert verify_chain() == (writers * per_writer, None)
    sealed = seal()
    assert sealed is not None and sealed.after["count"] == writers * per_writer
    assert verify_chain() == (writers * per_writer + 1, None)


@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_writers_transaction() -> None:
    """While one transaction holds its stream open, another appends and commits at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    services.ensure_heads()  # as migration 0003 left them (the test database was flushed)
    holding, release = threading.Event(), threading.Event()
    done: list[float] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                record_event(actor=None, action="test.slow")
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def quick_writer() -> None:
        try:
            with transaction.atomic():
                record_event(actor=None, action="test.quick")
            done.append(1)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert holding.wait(timeout=30)
    quick = threading.Thread(target=quick_writer)
    quick.start()
    quick.join(timeout=10)
    finished_while_held = bool(done)
    release.set()
    slow.join(timeout=30)
    assert finished_while_held
    assert AuditEvent.objects.count() == 2
    assert verify_chain() == (2, None)


# --- the audit page reports a break in the reader's language ----------------------------------

@pytest.fixture
def restores_language() -> Any:
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_audit_page_reports_a_break_in_chinese(client: Client, admin_user: User,
                                               auditor: User) -> None:
    events = three_events(admin_user)
    drop_append_only_trigger()
    set_after(events[1].seq, {"name": "伪造"})
    client.force_login(auditor)
    listing = client.get(reverse("audit:list")).content.decode()
    assert "<h1>审计日志</h1>" in listing and "校验日志链" in listing
    body = client.post(reverse("audit:verify")).content.decode()
    assert 'data-testid="verify-result" data-ok="0"' in body
    assert f"日志链在第{events[1].seq}号事件处断开" in body and "此前的1条事件完整无误。" in body


def test_audit_page_in_english_after_switching(client: Client, admin_user: User, auditor: User,
                                               restores_language: None) -> None:
    three_events(admin_user)
    client.force_login(auditor)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("audit:list")})
    body = client.post(reverse("audit:verify")).content.decode()
    assert "<h1>Audit log</h1>" in body and "The chain is intact: 3 events checked." in body
    assert "审计日志" not in body and "日志链完整" not in body
