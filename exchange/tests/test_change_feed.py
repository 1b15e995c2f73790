"""The change feed `GET /api/v1/changes`: records and list decisions since a cursor, in order,
resumable, each change once, no private data; on PostgreSQL, nothing missed when transactions
commit out of the order of their ids."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, connections, transaction

from accounts.models import Scope
from common import clock
from exchange.change_models import ChangeEvent
from exchange.selectors import encode_cursor
from exchange.services import append_change, sequence_changes
from lists.models import KeySupervisionEntry
from lists.tests.helpers import to_in_force
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_correct, record_create, record_revoke
from subjects.models import Subject

from .conftest import ID_NUMBER, Api

DAY = dt.date(2026, 3, 2)
_numbers = itertools.count(1)


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)
    importlib.import_module("lists.migrations.0002_blacklist_grounds").seed(django_apps, None)


@pytest.fixture
def make_record(catalogue, clerk, reviewer) -> Callable[..., CreditRecord]:
    def make(subject: Subject, type_code: str = "penalty_fine", **kwargs: Any) -> CreditRecord:
        record = record_create(
            actor=clerk, subject=subject, record_type=RecordType.objects.get(code=type_code),
            occurred_on=clock.today(), decided_on=clock.today(),
            document_number=f"住建罚〔2026〕{next(_numbers)}号", submit=True, **kwargs)
        return record_approve(actor=reviewer, record=record)

    return make


@pytest.fixture
def feed(issue) -> Api:
    _token, plaintext = issue(scopes=[Scope.CHANGES_READ])
    return Api(plaintext)


def read_all(feed: Api, cursor: str = "", limit: int = 2) -> tuple[list[dict], str]:
    """A consumer: pages until `has_more` is false; returns the items and its cursor."""
    items: list[dict] = []
    while True:
        response = feed.get("/api/v1/changes", cursor=cursor, limit=limit)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"] or cursor
        if not body["has_more"]:
            return items, cursor


def test_records_come_in_order_once_and_new_ones_after_the_cursor(
        feed, make_record, enterprise, reviewer, clerk):
    with clock.frozen_at(DAY):
        first = make_record(enterprise)
        second = make_record(enterprise)
        record_create(actor=clerk, subject=enterprise, record_type=first.record_type,
                      occurred_on=DAY, decided_on=DAY, document_number="未审核-1", submit=True)
    items, cursor = read_all(feed)
    assert [(i["action"], i["object_id"]) for i in items] == [
        ("record.created", first.pk), ("record.created", second.pk)]  # a submission is not
    assert feed.get("/api/v1/changes", cursor=cursor).json()["items"] == []  # nothing twice

    with clock.frozen_at(DAY + dt.timedelta(days=1)):
        correction = record_correct(actor=clerk, record=first, reason="金额有误",
                                    amount=first.amount)
        record_approve(actor=reviewer, record=correction)
        record_revoke(actor=reviewer, record=CreditRecord.objects.get(pk=second.pk),
                      reason="决定被撤销")
    more, cursor2 = read_all(feed, cursor)
    assert [(i["action"], i["object_id"]) for i in more] == [
        ("record.superseded", first.pk), ("record.corrected", correction.pk),
        ("record.revoked", second.pk)]
    assert more[1]["data"]["supersedes"] == first.pk and more[1]["data"]["version"] == 2
    assert read_all(feed, "")[0] == items + more  # from the start again: the same, in order
    assert cursor2 != cursor


def test_no_private_data_id_numbers_masked(feed, make_record, person):
    with clock.frozen_at(DAY):
        record = make_record(person, internal_note="内部：举报人电话13800000000")
    (item,), _cursor = read_all(feed)
    data = item["data"]
    assert data["subject"]["code"] == person.display_code != ID_NUMBER
    assert ID_NUMBER not in str(item) and "13800000000" not in str(item)
    assert data["document_number"] == record.document_number
    assert data["record_type"]["code"] == "penalty_fine"


def test_list_decisions_entries_and_exits(feed, make_record, enterprise, clerk, reviewer):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=enterprise,
                        make_record=lambda s, code: make_record(s, code), on=DAY)
    items, _cursor = read_all(feed, limit=50)
    black = [i["action"] for i in items if i["kind"] == "black"]
    assert black == ["black.decided", "black.publicity", "black.in_force"]  # not the steps
    in_force = next(i for i in items if i["action"] == "black.in_force")
    assert in_force["object_id"] == entry.pk
    assert in_force["data"]["decision_number"] == "住建信〔2026〕1号"
    assert in_force["data"]["effective_from"] == entry.effective_from.isoformat()
    key = [i for i in items if i["kind"] == "key"]  # the black list puts it under key supervision
    assert [i["action"] for i in key] == ["key.in_force"] * len(key) and key
    assert "reason" not in key[0]["data"]  # internal reasons stay inside


def test_key_supervision_exit(feed, enterprise, catalogue):
    with transaction.atomic():
        entry = KeySupervisionEntry.objects.create(subject=enterprise, rule="lowest_grade",
                                                   reason="内部原因", entered_on=DAY)
    with transaction.atomic():
        entry.end()
        entry.ended_on = DAY + dt.timedelta(days=30)
        entry.save()
    items, _cursor = read_all(feed)
    assert [i["action"] for i in items] == ["key.in_force", "key.ended"]
    assert items[1]["data"]["ended_on"] == "2026-04-01"  # the saved entry, not the transition's


def test_refusals(issue, feed):
    _token, plaintext = issue(scopes=[Scope.RECORDS_READ])
    response = Api(plaintext).get("/api/v1/changes")
    assert response.status_code == 403 and response.json()["error"]["code"] == "missing_scope"
    response = feed.get("/api/v1/changes", cursor="not-a-cursor")
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_cursor", "field": "cursor",
        "message": "此游标不是变更订阅给出的；请不带游标从头读取，或使用上次应答的 next_cursor。"}
    assert feed.get("/api/v1/changes", limit=1001).status_code == 422


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/changes"]["get"]
    assert operation["summary"] == "变更订阅：游标之后的信用记录与名单决定，按提交顺序"
    assert {p["name"] for p in operation["parameters"]} == {"cursor", "limit"}


def test_sequencing_gives_increasing_positions_and_resumes(db):
    with transaction.atomic():
        for n in range(5):
            append_change(kind="record", action="record.created", object_id=n, payload={})
    assert sequence_changes(batch=3) == 3 and sequence_changes(batch=3) == 2
    assert sequence_changes() == 0
    positions = list(ChangeEvent.objects.order_by("id").values_list("position", flat=True))
    assert positions == sorted(positions) and len(set(positions)) == 5


# --- PostgreSQL: transactions that commit out of order ---------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_later_one_is_not_missed(issue):
    """Writer A takes the smaller id and commits last: a reader that followed ids would have
    moved past it; the feed hands it out after B, once it commits."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    _token, plaintext = issue(scopes=[Scope.CHANGES_READ])
    feed = Api(plaintext)
    a_inserted, b_read = threading.Event(), threading.Event()

    def writer_a() -> None:
        try:
            with transaction.atomic():
                append_change(kind="record", action="record.created", object_id=1, payload={})
                a_inserted.set()
                b_read.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer_a)
    thread.start()
    assert a_inserted.wait(30)
    with transaction.atomic():
        append_change(kind="record", action="record.created", object_id=2, payload={})
    seen, cursor = read_all(feed)
    assert [i["object_id"] for i in seen] == [2]
    b_read.set()
    thread.join(30)
    later, _cursor = read_all(feed, cursor)
    assert [i["object_id"] for i in later] == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_and_a_reader_nothing_missed_nothing_twice(issue):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    _token, plaintext = issue(scopes=[Scope.CHANGES_READ])
    feed = Api(plaintext)
    writers, each = 6, 40
    done = threading.Event()

    def write(w: int) -> None:
        try:
            for n in range(each):
                with transaction.atomic():
                    append_change(kind="record", action="record.created",
                                  object_id=w * 1000 + n, payload={})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    seen: list[int] = []
    cursor = ""

    def joined() -> None:
        for t in threads:
            t.join(120)
        done.set()

    threading.Thread(target=joined).start()
    while not done.is_set():
        items, cursor = read_all(feed, cursor, limit=7)
        seen += [i["object_id"] for i in items]
    items, cursor = read_all(feed, cursor, limit=7)
    seen += [i["object_id"] for i in items]
    expected = {w * 1000 + n for w in range(writers) for n in range(each)}
    assert len(seen) == len(expected) and set(seen) == expected
    for w in range(writers):  # each writer's own changes in its commit order
        mine = [s for s in seen if s // 1000 == w]
        assert mine == sorted(mine)
    assert encode_cursor(ChangeEvent.objects.order_by("-position").first().position) == cursor
