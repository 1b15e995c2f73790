"""Walk a black-list case through its steps, for tests that start further along."""

from __future__ import annotations

import datetime as dt

from common import clock
from common.deadlines import run_deadlines
from lists import services
from lists.models import BlackListEntry, BlacklistGround, BlackState


def refreshed(entry: BlackListEntry) -> BlackListEntry:
    return BlackListEntry.objects.get(pk=entry.pk)


def propose(*, clerk, subject, make_record, on: dt.date, ground: str = "fraud",
            type_code: str = "fraud") -> BlackListEntry:
    with clock.frozen_at(on):
        record = make_record(subject, type_code)
        return services.black_propose(
            actor=clerk, subject=subject, ground=BlacklistGround.objects.get(code=ground),
            records=[record], facts="以虚假材料取得资质。")


def to_publicity(*, clerk, reviewer, subject, make_record, on: dt.date) -> BlackListEntry:
    """Proposed, notified, waived statement, reviewed, decided and published on day `on`."""
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=on)
    with clock.frozen_at(on):
        entry = services.black_notify(actor=clerk, entry=entry)
        entry = services.black_record_statement(actor=clerk, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)
        entry = services.black_decide(
            actor=reviewer, entry=entry, decision_number="住建信〔2026〕1号",
            legal_basis="建市〔2017〕241号 第十四条第（一）项", reasons="事实清楚，证据确凿。")
        entry = services.black_publish(actor=reviewer, entry=entry)
    assert entry.state == BlackState.PUBLICITY
    return entry


def to_in_force(*, clerk, reviewer, subject, make_record, on: dt.date) -> BlackListEntry:
    entry = to_publicity(clerk=clerk, reviewer=reviewer, subject=subject,
                         make_record=make_record, on=on)
    day = entry.publicity_ends_on + dt.timedelta(days=1)
    with clock.frozen_at(day):
        run_deadlines(as_of=day)
    entry = refreshed(entry)
    assert entry.state == BlackState.IN_FORCE, entry.listing_record_error
    return entry
