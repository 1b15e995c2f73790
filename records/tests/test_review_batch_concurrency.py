"""Two reviewers batch-approving overlapping selections at once: each record decided once.

PostgreSQL only (real concurrent transactions and row locks); SQLite serialises writers anyway
and the audit table's DELETE trigger breaks the flush that `transaction=True` tests end with.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from audit.models import AuditEvent
from common import clock
from records import services
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2024, 6, 3)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real concurrent transactions)")


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 — a refusal is a result too
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with clock.frozen_at(MONDAY):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    return results


def test_overlapping_batches_decide_each_record_exactly_once(clerk, reviewer, second_reviewer):
    subject = Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                     name="福州市示范物业服务有限公司",
                                     category=Category.PROPERTY_SERVICE)
    fine = RecordType.objects.create(
        code="penalty_fine", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")
    with clock.frozen_at(MONDAY):
        ids = [services.record_create(
            actor=clerk, subject=subject, record_type=fine, occurred_on=dt.date(2024, 1, 10),
            decided_on=dt.date(2024, 2, 1), document_number=f"罚〔2024〕{n}号", submit=True,
        ).pk for n in range(60)]
    first, second = ids[:40], ids[20:]  # 20 records in both selections

    def batch(user: Any, chosen: list[int]) -> Callable[[], Any]:
        # the second reviewer walks the selection from the other end as it would arrive
        return lambda: services.records_review_batch(actor=user, ids=chosen, decision="approve")

    results = _race(batch(reviewer, first), batch(second_reviewer, list(reversed(second))))
    assert not [r for r in results if isinstance(r, Exception)], results
    decided = Counter(i.record_id for r in results for i in r.decided)
    refused = [i for r in results for i in r.refused]
    assert sorted(decided) == sorted(ids) and set(decided.values()) == {1}
    assert all(i.code == "invalid_state" for i in refused) and len(refused) == 20
    assert CreditRecord.objects.filter(state=RecordState.EFFECTIVE).count() == 60
    per_record = Counter(AuditEvent.objects.filter(action="record.approve")
                         .values_list("target_id", flat=True))
    assert set(per_record.values()) == {1} and len(per_record) == 60
