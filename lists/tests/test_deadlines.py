"""The deadline job: each entry moves exactly once, whether the job runs twice, after a gap of
days, or across the National Day holiday."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command

from audit.models import AuditEvent
from common import clock
from common.deadlines import registered, run_deadlines
from lists import services
from lists.models import BlackState
from lists.tests.helpers import propose, refreshed, to_publicity

MONDAY = dt.date(2026, 3, 2)


def _run(day: dt.date) -> dict:
    with clock.frozen_at(day):
        run = run_deadlines(as_of=day)
    assert run.ok, run.error
    return run.summary


def test_handlers_are_registered():
    assert {"lists.black", "lists.red", "lists.key"} <= set(registered())


def test_running_twice_moves_once(clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    day = dt.date(2026, 3, 10)
    first, second = _run(day), _run(day)
    assert first["lists.black"] == 1 and second["lists.black"] == 0
    assert refreshed(entry).state == BlackState.IN_FORCE
    assert AuditEvent.objects.filter(action="lists.black.in_force").count() == 1


def test_a_gap_of_days_moves_every_step_that_fell_due_once(clerk, reviewer, subject,
                                                           make_record):
    """Nothing ran for two years: one entry goes notified → under review, another published →
    in force → expired in the same run, with the dates the rules set (not the run's date)."""
    notified = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY,
                       ground="tax_evasion", type_code="tax_evasion")
    with clock.frozen_at(MONDAY):
        notified = services.black_notify(actor=clerk, entry=notified)
    published = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                             make_record=make_record, on=MONDAY)
    later = dt.date(2028, 6, 1)
    assert _run(later)["lists.black"] == 3
    notified, published = refreshed(notified), refreshed(published)
    assert notified.state == BlackState.UNDER_REVIEW
    assert notified.review_due_on == dt.date(2026, 3, 23)  # counted from the period's end
    assert published.state == BlackState.EXPIRED
    assert published.effective_from == dt.date(2026, 3, 10)
    assert published.effective_until == dt.date(2027, 3, 10)
    assert published.ended_on == dt.date(2027, 3, 11)
    assert _run(later)["lists.black"] == 0
    assert AuditEvent.objects.filter(action="lists.black.expire").count() == 1
    assert AuditEvent.objects.filter(action="lists.black.in_force").count() == 1


def test_statement_period_across_national_day(clerk, reviewer, subject, make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record,
                    on=dt.date(2026, 9, 28))
    with clock.frozen_at(dt.date(2026, 9, 28)):
        entry = services.black_notify(actor=clerk, entry=entry)
    assert entry.statement_ends_on == dt.date(2026, 10, 10)  # the adjusted working Saturday
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 7), dt.date(2026, 10, 10)):
        _run(day)
        assert refreshed(entry).state == BlackState.NOTIFIED, day
    _run(dt.date(2026, 10, 11))
    entry = refreshed(entry)
    assert entry.state == BlackState.UNDER_REVIEW
    # review target: 10 working days from 10/10 → 10/12 … 10/23
    assert entry.review_due_on == dt.date(2026, 10, 23)


def test_publicity_across_national_day_then_in_force(clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=dt.date(2026, 9, 29))
    assert entry.publicity_ends_on == dt.date(2026, 10, 12)
    _run(dt.date(2026, 10, 12))
    assert refreshed(entry).state == BlackState.PUBLICITY
    _run(dt.date(2026, 10, 13))
    entry = refreshed(entry)
    assert entry.state == BlackState.IN_FORCE
    assert entry.effective_from == dt.date(2026, 10, 13)


def test_management_command_runs_the_handlers(clerk, reviewer, subject, make_record):
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=MONDAY)
    out = StringIO()
    with clock.frozen_at(dt.date(2026, 3, 10)):
        call_command("process_deadlines", "--as-of", "2026-03-10", stdout=out)
    assert "lists.black: 1" in out.getvalue()
    assert refreshed(entry).state == BlackState.IN_FORCE
