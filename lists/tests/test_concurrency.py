"""Two reviewers deciding at once: exactly one succeeds (PostgreSQL, real transactions).

SQLite is skipped: its IMMEDIATE transactions serialise writers anyway, and the audit table's
DELETE trigger breaks the table flush that `transaction=True` tests end with.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from common import clock
from common.errors import ServiceError
from lists import services
from lists.models import BlackState
from lists.tests.helpers import propose, refreshed, to_publicity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real concurrent transactions)")


def _race(*calls: Callable[[], Any], on: dt.date = MONDAY) -> list[Any]:
    """Run the calls in threads released together; return each one's result or exception.
    The clock is frozen here, once: it is a process-wide value the threads share."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 — the losing thread's refusal is the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with clock.frozen_at(on):
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    return results


def test_two_reviewers_deciding_at_once_exactly_one_succeeds(clerk, reviewer, second_reviewer,
                                                             subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    with clock.frozen_at(MONDAY):
        entry = services.black_notify(actor=clerk, entry=entry)
        entry = services.black_record_statement(actor=clerk, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)

    def decide(user: Any, number: str) -> Callable[[], Any]:
        return lambda: services.black_decide(actor=user, entry=entry, decision_number=number,
                                             legal_basis="241号 第十四条", reasons="事实清楚")

    results = _race(decide(reviewer, "A-1"), decide(second_reviewer, "B-1"))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], ServiceError) and losers[0].code == "invalid_transition"
    stored = refreshed(entry)
    assert stored.state == BlackState.DECIDED
    assert stored.decision_number == winners[0].decision_number


def test_two_deadline_jobs_at_once_move_each_entry_once(clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    day = dt.date(2026, 3, 10)

    def job() -> dict[str, int]:
        return services.black_list_deadlines(day)

    results = _race(job, job, on=day)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["in_force"] for r in results) == 1
    assert refreshed(entry).state == BlackState.IN_FORCE
