"""Concurrent checks and deadline runs on PostgreSQL (real transactions, row locks).

SQLite is skipped: its IMMEDIATE transactions serialise writers anyway, and the audit table's
DELETE trigger breaks the table flush that `transaction=True` tests end with.

`serialized_rollback` puts the migrations' data (holiday calendar, catalogues) back for the
tests after these. Observed on PostgreSQL: a serialized test that follows the live-server
browser test fails to reload that data (duplicate content types), while the reverse order
works; the browser module is therefore named to be collected last (test_workbench_browser.py).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from approvals.models import CommitmentState, CreditCheck
from approvals.services import commitment_record, credit_check
from common import clock
from common.deadlines import run_deadlines
from records.models import CreditRecord

from .conftest import MONDAY, scan

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real concurrent transactions)")


def _race(*calls: Callable[[], Any], on: dt.date) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 — reported as the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with clock.frozen_at(on):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    return results


def test_concurrent_checks_get_distinct_consecutive_numbers(catalogue, good_subject,
                                                            window_officer):
    def check() -> str:
        return credit_check(actor=window_officer, code_or_name=good_subject.code,
                            matter_code="property_service_filing").number

    numbers = _race(*[check] * 6, on=MONDAY)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers) == [f"XYHC-2026-{i:06d}" for i in range(1, 7)]
    assert CreditCheck.objects.count() == 6


def test_two_deadline_runs_at_once_breach_once(graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
        commitment = commitment_record(actor=window_officer, credit_check=check,
                                       missing=["business_licence"], signer="李四", scan=scan())
    day = commitment.deadline + dt.timedelta(days=1)
    runs = _race(lambda: run_deadlines(as_of=day), lambda: run_deadlines(as_of=day), on=day)
    assert sum(r.summary["approvals.commitments"] for r in runs) == 1, runs
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.BREACHED
    assert CreditRecord.objects.filter(record_type__code="commitment_breach").count() == 1
