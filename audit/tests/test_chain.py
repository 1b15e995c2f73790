"""The audit log is append-only in the database and tamper-evident by its hash chain."""

from __future__ import annotations

import datetime as dt
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

from audit.models import AuditEvent, ChainHead
from audit.selectors import verify_chain
from audit.services import GENESIS, digest_of, record_event

if TYPE_CHECKING:  # audit sits below accounts: the user model is only a type hint here
    from accounts.models import User

pytestmark = pytest.mark.django_db


def three_events(actor: User) -> list[AuditEvent]:
    return [
        record_event(actor=actor, action="test.one", target=actor, after={"n": 1}),
        record_event(actor=actor, action="test.two", target_type="x.y", target_id="7",
                     before={"name": "旧"}, after={"name": "新", "amount": Decimal("12.50"),
                                                  "on": dt.date(2024, 2, 29)}),
        record_event(actor=None, action="test.three", target_type="x.y", target_id="8"),
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


def verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify_audit")
    message = str(info.value)
    assert f"#{seq}:" in message
    return message


# --- appending -----------------------------------------------------------------------------------

def test_events_form_a_chain(admin_user: User) -> None:
    made = three_events(admin_user)
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    assert [e.hash for e in stored] == [e.hash for e in made]
    assert all(digest_of(e) == e.hash for e in stored)  # survives the database round trip
    assert len({e.hash for e in stored}) == 3
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (3, stored[2].hash)


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
    record_event(actor=None, action="test.numbers",
                 after={"big": 1e20, "whole": 2.0, "ratio": 0.1, "tiny": 1.5e-7, "n": 2**70})
    stored = AuditEvent.objects.get()
    assert stored.after == {"big": 10**20, "whole": 2, "ratio": 0.1, "tiny": 1.5e-7, "n": 2**70}
    assert verify_chain() == (1, None)
    with pytest.raises(ValueError):
        record_event(actor=None, action="test.nan", after={"x": float("nan")})


def test_intact_chain_verifies(admin_user: User) -> None:
    assert verify_chain() == (0, None)
    three_events(admin_user)
    assert verify_chain() == (3, None)
    assert verify_chain(chunk_size=1) == (3, None)


def test_verify_command_reports_an_intact_chain(admin_user: User,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    three_events(admin_user)
    call_command("verify_audit")
    assert "3 events" in capsys.readouterr().out


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


# --- the database refuses changes ----------------------------------------------------------------

def test_update_is_refused_by_the_database(admin_user: User) -> None:
    three_events(admin_user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(action="test.forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        set_after(2, {"name": "伪造"})
    event = AuditEvent.objects.get(seq=2)
    event.actor_label = "someone-else"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(seq=2).action == "test.two"
    assert verify_chain() == (3, None)


def test_delete_is_refused_by_the_database(admin_user: User) -> None:
    three_events(admin_user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [1])
    assert AuditEvent.objects.count() == 3


# --- and if the trigger is dropped, verification finds the change --------------------------------

def test_altered_content_is_found(admin_user: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    set_after(2, {"name": "伪造", "amount": "1.00", "on": "2024-02-29"})
    assert verify_chain()[1].seq == 2
    message = verify_fails_at(2)
    assert "content does not match its hash" in message


@pytest.mark.parametrize("column,value", [
    ("action", "test.forged"),
    ("actor_label", "someone-else"),
    ("target_id", "9"),
    ("occurred_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
])
def test_every_column_is_covered_by_the_hash(admin_user: User, column: str, value: Any) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    raw_sql(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, 2])
    verify_fails_at(2)


def test_rehashed_forgery_breaks_the_next_link(admin_user: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    forged = AuditEvent.objects.get(seq=2)
    forged.after = {"name": "伪造"}
    forged.hash = digest_of(forged)
    forged.save()
    message = verify_fails_at(3)
    assert "previous-hash link" in message


def test_deleted_middle_event_is_found(admin_user: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    checked, broken = verify_chain()
    assert checked == 1
    assert broken is not None and broken.seq == 2
    message = verify_fails_at(2)
    assert "missing event" in message


def test_deleted_last_event_is_found(admin_user: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    checked, broken = verify_chain()
    assert checked == 2
    assert broken is not None
    assert (broken.seq, broken.reason) == (3, "events missing at the end of the chain")
    verify_fails_at(3)


def test_every_event_deleted_is_found(admin_user: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    raw_sql("DELETE FROM audit_auditevent", [])
    checked, broken = verify_chain()
    assert checked == 0
    assert broken is not None and broken.seq == 1


def test_last_event_replaced_is_found(admin_user: User) -> None:
    """Deleting the last event and appending a forged one in its place breaks the head."""
    events = three_events(admin_user)
    drop_append_only_trigger()
    last = events[-1]
    raw_sql("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    forged = AuditEvent(seq=3, occurred_at=last.occurred_at, actor_id=None,
                        actor_label="system", action="test.forged", target_type="x.y",
                        target_id="8", before=None, after=None, prev_hash=events[1].hash)
    forged.hash = digest_of(forged)
    forged.save(force_insert=True)
    message = verify_fails_at(3)
    assert "chain head" in message


def test_appends_continue_the_chain_after_verification(admin_user: User) -> None:
    three_events(admin_user)
    assert verify_chain() == (3, None)
    record_event(actor=admin_user, action="test.four")
    assert verify_chain() == (4, None)


# --- the audit page reports a break in the reader's language ----------------------------------

@pytest.fixture
def restores_language() -> Any:
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_audit_page_reports_a_break_in_chinese(client: Client, admin_user: User,
                                               auditor: User) -> None:
    three_events(admin_user)
    drop_append_only_trigger()
    set_after(2, {"name": "伪造"})
    client.force_login(auditor)
    listing = client.get(reverse("audit:list")).content.decode()
    assert "<h1>审计日志</h1>" in listing and "校验日志链" in listing
    body = client.post(reverse("audit:verify")).content.decode()
    assert 'data-testid="verify-result" data-ok="0"' in body
    assert "日志链在第2号事件处断开" in body and "此前的1条事件完整无误。" in body


def test_audit_page_in_english_after_switching(client: Client, admin_user: User, auditor: User,
                                               restores_language: None) -> None:
    three_events(admin_user)
    client.force_login(auditor)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("audit:list")})
    body = client.post(reverse("audit:verify")).content.decode()
    assert "<h1>Audit log</h1>" in body and "The chain is intact: 3 events checked." in body
    assert "审计日志" not in body and "日志链完整" not in body
