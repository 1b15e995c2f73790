"""POST /api/v1/credit-check/bulk: up to 1,000 subjects in one call, each answer the numbered
snapshot a single check would store, read set-based (the query count does not grow with the
number of subjects)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from approvals.models import CheckMeasure, CreditCheck, Via
from approvals.services import credit_check, credit_check_bulk
from audit.models import AuditEvent
from common import clock

from .conftest import MONDAY, as_json, new_subject, uscc

pytestmark = [pytest.mark.django_db]
FILING = "property_service_filing"
VOLATILE = {"number", "checked_at"}


def post(plaintext: str, body: Any) -> Any:
    return Client().post("/api/v1/credit-check/bulk", json.dumps(body),
                         content_type="application/json",
                         headers={"Authorization": f"Bearer {plaintext}"})


def same(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in VOLATILE}


@pytest.fixture
def county(graded, make_subject, make_record, blacklist) -> dict[str, Any]:
    """A clean subject, one with bad records, one on the black list, a developer."""
    clean = make_subject("福州示范物业服务有限公司")
    fined = make_subject("福州多记录物业有限公司")
    listed = make_subject("福州黑名单物业有限公司")
    developer = make_subject("福州某房地产开发有限公司", category="developer")
    day = MONDAY - dt.timedelta(days=30)
    for _n in range(2):
        make_record(fined, "property_fee_violation", decided_on=day)
    blacklist(listed, since=day)
    graded(MONDAY)
    return {"clean": clean, "fined": fined, "listed": listed, "developer": developer}


def test_each_answer_is_the_snapshot_a_single_check_stores(county, token, window_officer):
    _token, plaintext = token()
    codes = [county["clean"].code, county["fined"].code.lower(), county["listed"].code,
             "91350100M000100Y44", uscc(987_654), county["developer"].code]
    with clock.frozen_at(MONDAY):
        response = post(plaintext, {"matter": FILING, "codes": codes})
        singles = {key: credit_check(actor=_token.user, code_or_name=county[key].code,
                                     matter_code=FILING, via=Via.API,
                                     token_label=f"{_token.name} ({_token.prefix})")
                   for key in ("clean", "fined", "listed")}  # as GET /credit-check runs it
    assert response.status_code == 200, response.content
    body = as_json(response)
    assert (body["count"], body["checked"]) == (6, 3)
    items = body["items"]
    assert [i["index"] for i in items] == list(range(6))
    for item, key in zip(items[:3], ("clean", "fined", "listed"), strict=True):
        stored = CreditCheck.objects.get(number=item["check"]["number"])
        assert item["check"]["number"] == stored.number and stored.via == Via.API
        assert item["check"]["grade"] == stored.result["grade"]
        single = CreditCheck.objects.get(pk=singles[key].pk)
        assert same(stored.result) == same(single.result)  # what a single check stores
        assert CheckMeasure.objects.filter(credit_check=stored).count() == len(
            stored.result["measures"])
    assert items[1]["check"]["bad_records"]["count"] == 2
    assert [m["kind"] for m in items[2]["check"]["lists"]][:1] == ["black"]
    assert items[3]["error"]["code"] == "bad_check_character" and items[3]["check"] is None
    assert items[4]["error"]["code"] == "subject_not_found"
    assert items[5]["error"]["code"] == "matter_not_for_category"
    numbers = [i["check"]["number"] for i in items[:3]]
    assert numbers == [f"XYHC-2026-{n:06d}" for n in (1, 2, 3)]  # consecutive, then the singles
    event = AuditEvent.objects.get(action="approvals.check_bulk")
    assert [c["number"] for c in event.after["checks"]] == numbers


def _queries(actor: Any, codes: list[str]) -> tuple[int, int]:
    """(reads and other statements, inserts) of one bulk call."""
    with CaptureQueriesContext(connection) as ctx:
        outcomes = credit_check_bulk(actor=actor, matter_code=FILING, codes=codes)
    assert all(isinstance(o, CreditCheck) for o in outcomes)
    inserts = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    return len(ctx.captured_queries) - len(inserts), len(inserts)


def test_queries_do_not_grow_with_the_number_of_subjects(county, window_officer):
    """5 subjects or 60 (each set with one on the black list and one with bad records, whose
    eligibility conditions are read in full as in a single check): the same number of reads
    and updates. Inserts are multi-row (the snapshots, their measures, one audit event); SQLite
    takes at most 999 parameters per statement, so there they come in batches of ~50 rows."""
    many = [new_subject(f"福州批量物业{n}有限公司").code for n in range(60)]
    flagged = [county["listed"].code, county["fined"].code]
    with clock.frozen_at(MONDAY):
        _queries(window_officer, flagged + many[:2])  # fills the per-process catalogue caches
        small = _queries(window_officer, flagged + many[:3])
        large = _queries(window_officer, flagged + many)
    assert small[0] == large[0], (small, large)
    assert large[0] <= 16
    # PostgreSQL: one insert per table; SQLite: the snapshots and measures in a few batches
    assert large[1] <= (4 if connection.vendor == "postgresql" else 8), large


def test_more_than_the_limit_is_refused_in_chinese(county, token):
    _token, plaintext = token()
    response = post(plaintext, {"matter": FILING, "codes": [county["clean"].code] * 1001})
    assert response.status_code == 422
    assert as_json(response)["error"] == {
        "code": "too_many_subjects", "field": "codes",
        "message": "一次最多核查1000个主体；本次请求列出了1001个。"}
    assert not CreditCheck.objects.exists()
    empty = post(plaintext, {"matter": FILING, "codes": []})
    assert empty.status_code == 422 and as_json(empty)["error"]["code"] == "required"


def test_a_thousand_subjects_in_one_call(catalogue, token):
    _token, plaintext = token()
    codes = [new_subject(f"千家物业{n}有限公司", established_on=None).code for n in range(1000)]
    with clock.frozen_at(MONDAY):
        response = post(plaintext, {"matter": FILING, "codes": codes})
    assert response.status_code == 200, response.content[:500]
    assert as_json(response)["checked"] == 1000 and CreditCheck.objects.count() == 1000


def test_scope_matter_and_schema(county, token, client):
    _t, plaintext = token(scopes=["matters:read"])
    refused = post(plaintext, {"matter": FILING, "codes": [county["clean"].code]})
    assert refused.status_code == 403
    _t, plaintext = token()
    unknown = post(plaintext, {"matter": "no_such_matter", "codes": [county["clean"].code]})
    assert unknown.status_code == 404 and as_json(unknown)["error"]["code"] == "matter_not_found"
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/credit-check/bulk"]["post"]
    assert operation["summary"] == "一次核查多个主体（每项单独留存、编号）"


def test_eligibility_conditions_are_read_once_for_all_subjects_meeting_them(
        county, window_officer, make_subject, make_record, blacklist, graded):
    """One subject with bad records and one on the black list, or four of each: the same
    number of reads (each condition is one query for every subject whose probe found it), and
    each subject's refusals are what its single check finds."""
    day = MONDAY - dt.timedelta(days=30)
    fined = [county["fined"]] + [make_subject(f"福州再罚物业{n}有限公司") for n in range(3)]
    listed = [county["listed"]] + [make_subject(f"福州再黑物业{n}有限公司") for n in range(3)]
    for subject in fined[1:]:
        make_record(subject, "property_fee_violation", decided_on=day)
    for subject in listed[1:]:
        blacklist(subject, since=day)
    graded(MONDAY)
    everyone = [county["clean"].code] + [s.code for s in fined + listed]
    with clock.frozen_at(MONDAY):
        _queries(window_officer, everyone)  # every grade's measures row in the process cache
        few = _queries(window_officer, [county["clean"].code, fined[0].code, listed[0].code])
        many = _queries(window_officer, everyone)
        outcomes = credit_check_bulk(actor=window_officer, matter_code=FILING,
                                     codes=[s.code for s in fined + listed])
        singles = [credit_check(actor=window_officer, subject=s, matter_code=FILING)
                   for s in fined + listed]
    assert few[0] == many[0], (few, many)
    for bulk, single in zip(outcomes, singles, strict=True):
        assert bulk.result["eligibility"] == single.result["eligibility"]
        assert bulk.result["eligibility"], bulk.subject
        assert bulk.result["refused"] == single.result["refused"]

