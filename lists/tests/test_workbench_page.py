"""The lists workbench reads a page of steps from the database (issue 14): the pages, read one
after another, are exactly `pending_steps` (every step built in Python by `next_step`), in the
same order, with the same labels, deadlines and waiting parties, and the same overdue count,
for entries in every state of every list, for a lead (all departments) and a clerk (one)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bench.bench_pages import TODAY, add_list_rows, make_record
from common import clock
from lists.models import (
    BlackListEntry,
    BlacklistGround,
    BlackState,
    CaseState,
    IndustrySanction,
    Objection,
    RedListEntry,
    RedState,
    RepairRequest,
    SanctionState,
    TypicalCase,
)
from lists.selectors import pending_steps, pending_steps_page, staff_steps_due
from records.models import CreditRecord, RecordState, RecordType

pytestmark = pytest.mark.django_db

DAYS = [None, -20, -1, 0, 3, 40]  # deadlines around today, and none


def _day(offset: int | None) -> dt.date | None:
    return None if offset is None else TODAY + dt.timedelta(days=offset)


def _spread(clerk, other_department) -> None:
    """Entries in every state, deadlines before, on and after today, pending and answered
    objections and repairs, record repairs, submitted cases, one department's and another's."""
    rows = {"clerk": clerk, "department": clerk.department,
            "record_type": RecordType.objects.filter(polarity="bad").order_by("code").first(),
            "ground": BlacklistGround.objects.order_by("pk").first()}
    add_list_rows(n=42, start=0, every=2, **rows)
    days = itertools.cycle(DAYS)
    for n, (entry, state) in enumerate(zip(BlackListEntry.objects.order_by("pk"),
                                           itertools.cycle(BlackState.values), strict=False)):
        BlackListEntry.objects.filter(pk=entry.pk).update(
            state=state, statement_ends_on=_day(next(days)), review_due_on=_day(next(days)),
            publish_due_on=_day(next(days)), publicity_ends_on=_day(next(days)),
            department=other_department if n % 5 == 0 else entry.department)
    for n, (entry, state) in enumerate(zip(RedListEntry.objects.order_by("pk"),
                                           itertools.cycle(RedState.values), strict=False)):
        RedListEntry.objects.filter(pk=entry.pk).update(
            state=state, review_due_on=_day(next(days)), publicity_ends_on=_day(next(days)),
            decision_due_on=_day(next(days)), publish_due_on=_day(next(days)),
            department=other_department if n % 6 == 0 else entry.department)
    for n, sanction in enumerate(IndustrySanction.objects.order_by("pk")):
        IndustrySanction.objects.filter(pk=sanction.pk).update(
            state=[SanctionState.PROPOSED, SanctionState.NOTIFIED][n % 2],
            statement_ends_on=_day(next(days)), statement_final=n % 3 == 0)
    for n, objection in enumerate(Objection.objects.order_by("pk")):
        Objection.objects.filter(pk=objection.pk).update(
            reply_due_on=_day(next(days)) or TODAY,
            state=Objection.State.REJECTED if n % 4 == 0 else Objection.State.PENDING)
    for n, repair in enumerate(RepairRequest.objects.order_by("pk")):
        RepairRequest.objects.filter(pk=repair.pk).update(
            decision_due_on=_day(next(days)) or TODAY,
            state=RepairRequest.State.PENDING if n % 3 else RepairRequest.State.REJECTED)
    TypicalCase.objects.filter(pk__in=TypicalCase.objects.order_by("pk").values("pk")[:8]
                               ).update(state=CaseState.SUBMITTED)
    subject = BlackListEntry.objects.order_by("pk").first().subject
    for n in range(5):
        record = CreditRecord.objects.create(**{
            f.attname: getattr(make_record(
                subject=subject, n=5_000 + n, state=RecordState.EFFECTIVE, clerk=clerk,
                department=other_department if n == 0 else clerk.department,
                record_type=rows["record_type"]), f.attname)
            for f in CreditRecord._meta.concrete_fields if f.attname != "id"})
        RepairRequest.objects.create(
            record=record, proof="已整改。", commitment="承诺。", filed_on=TODAY,
            decision_due_on=_day([-3, 0, 9, 9, 30][n]), registered_by=clerk,
            state=RepairRequest.State.PENDING)


def _seen(steps) -> list[tuple]:
    return [(s.kind, s.entry.pk, str(s.label), s.due, s.waiting_for_staff, s.overdue)
            for s in steps]


@pytest.mark.parametrize("who", ["reviewer", "clerk"])
def test_pages_are_the_steps_pending_steps_builds(catalogue, clerk, reviewer, other_department,
                                                  who):
    user = {"reviewer": reviewer, "clerk": clerk}[who]
    with clock.frozen_at(TODAY):
        _spread(clerk, other_department)
        every = pending_steps(user=user)
        paged, number, overdue = [], 1, None
        while True:
            steps, page, overdue = pending_steps_page(user=user, page=number, per_page=7)
            paged += steps
            if not page.has_next():
                break
            number += 1
        seen_every, seen_paged = _seen(every), _seen(paged)  # `overdue` reads the clock
        expected_overdue = sum(1 for s in every if s.overdue)
    assert len(every) > 50
    assert {s.kind for s in every} == {"black", "red", "sanction", "record_repair", "case"}
    assert any(s.overdue for s in every) and any(not s.waiting_for_staff for s in every)
    assert seen_paged == seen_every
    assert overdue == expected_overdue
    assert page.paginator.count == len(every)


@pytest.mark.parametrize("who", ["reviewer", "clerk"])
def test_steps_due_are_pending_steps_filtered(catalogue, clerk, reviewer, other_department,
                                              who):
    """What the home and monitoring pages show (staff steps due by a day, and how many later)
    is `pending_steps` filtered in Python, for horizons before, on and after today."""
    user = {"reviewer": reviewer, "clerk": clerk}[who]
    with clock.frozen_at(TODAY):
        _spread(clerk, other_department)
        every = [s for s in pending_steps(user=user)
                 if s.waiting_for_staff and s.due is not None]
        for offset in (-2, 0, 3, 100):
            until = TODAY + dt.timedelta(days=offset)
            steps, later = staff_steps_due(user=user, until=until)
            expected = [s for s in every if s.due <= until]
            assert _seen(steps) == _seen(expected), offset
            assert later == sum(1 for s in every if s.due > until), offset
    assert any(s.due < TODAY for s in every) and any(s.due > TODAY + dt.timedelta(3)
                                                     for s in every)


def test_a_page_past_the_end_shows_the_last_page(catalogue, clerk, reviewer, other_department):
    """As `Paginator.get_page`: past the end, the last page; not a number, the first."""
    with clock.frozen_at(TODAY):
        _spread(clerk, other_department)
        every = _seen(pending_steps(user=reviewer))
        last, last_page, overdue = pending_steps_page(user=reviewer, page=999, per_page=20)
        first, first_page, _overdue = pending_steps_page(user=reviewer, page="x", per_page=20)
        expected_overdue = sum(1 for s in pending_steps(user=reviewer) if s.overdue)
        seen_last, seen_first = _seen(last), _seen(first)
    count = len(every)
    assert last_page.number == -(-count // 20) and not last_page.has_next()
    assert seen_last == every[(last_page.number - 1) * 20:] and overdue == expected_overdue
    assert first_page.number == 1 and seen_first == every[:20]


def test_a_user_outside_the_staff_sees_no_steps(db):
    from accounts.models import User

    outsider = User.objects.create_user(username="outsider", password="x")
    steps, page, overdue = pending_steps_page(user=outsider, page=1, per_page=50)
    assert steps == [] and overdue == 0 and page.paginator.count == 0
    assert staff_steps_due(user=outsider, until=TODAY) == ([], 0)
