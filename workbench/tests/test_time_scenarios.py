"""Day-by-day scenarios: nothing outlives its basis (issue 10, "Done when").

Each scenario steps the injectable clock across the boundary days and runs the deadline job
each day, as the embedded scheduler does, then reads what a user would see: the grade of the
category's current batch, the list entries and key supervision, the facts the credit check reads.
"""

from __future__ import annotations

import datetime as dt

import pytest

from common import clock
from common.deadlines import run_deadlines
from common.errors import Conflict
from lists import services
from lists.models import (
    BlackListEntry,
    BlacklistGround,
    BlackState,
    KeyState,
    KeySupervisionEntry,
    Objection,
)
from lists.tests.helpers import refreshed
from records.models import CreditRecord, RecordState, RecordType
from records.services import record_approve, record_create
from scoring.engine import regrade_in_effect
from scoring.models import CurrentBatch, Evaluation
from scoring.services import install_shipped_models
from subjects.models import Subject

START = dt.date(2026, 1, 15)


@pytest.fixture
def graded(catalogue) -> Subject:
    """A property-service company graded by the shipped composite model (published)."""
    install_shipped_models(publish=True)
    subject = Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91330100716105852F",
                                     name="示例物业服务有限公司", category="property_service")
    with clock.frozen_at(START):
        regrade_in_effect(as_of=START, categories=["property_service"])
    return subject


def grade(subject: Subject) -> str:
    pointer = CurrentBatch.objects.get(category=subject.category)
    return Evaluation.objects.get(batch=pointer.batch_id, subject=subject).grade


def day(on: dt.date) -> None:
    """One day of the embedded scheduler: the deadline job for that day."""
    with clock.frozen_at(on):
        run = run_deadlines(as_of=on)
    assert run.ok, run.error


def key_open(subject: Subject) -> set[str]:
    return set(KeySupervisionEntry.objects.filter(subject=subject, state=KeyState.IN_FORCE)
               .values_list("rule", flat=True))


def check_lists(subject: Subject) -> set[str]:
    """What the credit check page reads about lists (approvals' own selector)."""
    from approvals.selectors import list_memberships

    return {m["kind"] for m in list_memberships(subject=subject)}


def enter(clerk, reviewer, subject, code, *, on, months=None, number=None) -> CreditRecord:
    with clock.frozen_at(on):
        record = record_create(
            actor=clerk, subject=subject, record_type=RecordType.objects.get(code=code),
            occurred_on=on, decided_on=on, document_number=number or f"物罚〔{on:%Y%m%d}〕号",
            publicity_months=months, submit=True)
        return record_approve(actor=reviewer, record=record)


# --- a 一般 bad record that expires ----------------------------------------------------------
def _two_general(clerk, reviewer, subject, *, months=6) -> list[CreditRecord]:
    """Two 一般 records of one decision day: 77 - 5 - 5 = 67 points, grade A → B."""
    return [enter(clerk, reviewer, subject, "penalty_fine", on=START, months=months,
                  number="物罚〔2026〕1号"),
            enter(clerk, reviewer, subject, "false_advertising", on=START, months=months,
                  number="物罚〔2026〕2号")]


def test_a_general_bad_record_stops_counting_the_day_after_its_publicity(
        graded, clerk, reviewer):
    subject = graded
    assert grade(subject) == "A"  # 77 points, no bad record
    records = _two_general(clerk, reviewer, subject)
    assert records[0].publicity_ends_on == dt.date(2026, 7, 15)
    assert grade(subject) == "B"  # re-graded in the approving transaction
    for on in (dt.date(2026, 7, 14), dt.date(2026, 7, 15)):  # last days of the publicity
        day(on)
        assert grade(subject) == "B", on
        assert {r["id"] for r in _bad_in_force(subject, on)} == {r.pk for r in records}
    day(dt.date(2026, 7, 16))  # the day after: the grade no longer counts them
    assert grade(subject) == "A"
    assert _bad_in_force(subject, dt.date(2026, 7, 16)) == []
    evaluation = Evaluation.objects.get(batch=CurrentBatch.objects.get(
        category="property_service").batch_id, subject=subject)
    assert evaluation.as_of == dt.date(2026, 7, 16)
    # the job is idempotent: a second run the same day changes nothing
    day(dt.date(2026, 7, 16))
    assert grade(subject) == "A"


def _bad_in_force(subject, on) -> list[dict]:
    """The bad records the credit check counts as in force on `on` (publicity running)."""
    from approvals.selectors import effective_bad_records

    return [r for r in effective_bad_records(subject=subject) if r["publicity_ends_on"] >= on]


def test_a_gap_of_days_is_caught_up_once(graded, clerk, reviewer):
    subject = graded
    _two_general(clerk, reviewer, subject)
    day(dt.date(2026, 7, 10))
    assert grade(subject) == "B"
    day(dt.date(2026, 7, 20))  # the scheduler was down for ten days
    assert grade(subject) == "A"


# --- the black list: expiry and repair end every consequence that day -------------------------
def _listed(clerk, reviewer, subject, *, on) -> BlackListEntry:
    """Listed on the ground of two 较大 accidents (serious records: the listing is the only
    severe thing about the subject)."""
    first = enter(clerk, reviewer, subject, "accident_larger", on=on, number="安罚〔2026〕1号")
    second = enter(clerk, reviewer, subject, "accident_larger", on=on, number="安罚〔2026〕2号")
    with clock.frozen_at(on):
        entry = services.black_propose(
            actor=clerk, subject=subject,
            ground=BlacklistGround.objects.get(code="repeated_larger_accidents"),
            records=[first, second], facts="一年内发生两次较大安全事故。")
        entry = services.black_notify(actor=clerk, entry=entry)
        entry = services.black_record_statement(actor=clerk, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)
        entry = services.black_decide(
            actor=reviewer, entry=entry, decision_number="住建信〔2026〕9号",
            legal_basis="建市〔2017〕241号 第十四条", reasons="事实清楚。")
        entry = services.black_publish(actor=reviewer, entry=entry)
    on = entry.publicity_ends_on
    while on <= entry.publicity_ends_on + dt.timedelta(days=1):
        day(on)
        on += dt.timedelta(days=1)
    entry = refreshed(entry)
    assert entry.state == BlackState.IN_FORCE
    return entry


def _consequences(subject) -> tuple[str, set[str], set[str]]:
    return grade(subject), key_open(subject), check_lists(subject)


def test_a_black_list_entry_that_expires_ends_every_consequence_that_day(
        graded, clerk, reviewer):
    subject = graded
    entry = _listed(clerk, reviewer, subject, on=START)
    grade_listed, keys, lists_seen = _consequences(subject)
    assert grade_listed == "D"  # the model's own veto label (its grade list)
    assert "black_list" in keys and "black" in lists_seen
    last = entry.effective_until
    assert entry.listing_record.publicity_ends_on == last  # its record ends with it
    day(last)
    assert _consequences(subject)[0] == "D"
    assert refreshed(entry).state == BlackState.IN_FORCE
    day(last + dt.timedelta(days=1))
    entry = refreshed(entry)
    assert entry.state == BlackState.EXPIRED and entry.ended_on == last + dt.timedelta(days=1)
    grade_after, keys, lists_seen = _consequences(subject)
    assert grade_after == "C"  # the serious accident records are still in publicity
    # the listing's own consequences are gone; the lowest grade is a basis of its own
    assert keys == {"lowest_grade"} and "black" not in lists_seen


def test_a_black_list_entry_that_is_repaired_ends_every_consequence_that_day(
        graded, clerk, reviewer, second_reviewer):
    subject = graded
    entry = _listed(clerk, reviewer, subject, on=START)
    earliest = entry.effective_from + dt.timedelta(days=1)
    with clock.frozen_at(dt.date(2026, 5, 20)):
        request = services.repair_request(actor=clerk, entry=entry, proof="整改验收合格",
                                          commitment="本单位承诺依法诚信经营。")
        services.repair_decide(actor=reviewer, request=request, approve=True,
                               reasons="已纠正失信行为。")
    assert earliest < dt.date(2026, 5, 20)
    entry = refreshed(entry)
    assert entry.state == BlackState.REPAIRED and entry.ended_on == dt.date(2026, 5, 20)
    grade_after, keys, lists_seen = _consequences(subject)
    assert grade_after == "C" and keys == {"lowest_grade"} and "black" not in lists_seen
    assert entry.listing_record.publicity_ends_on == dt.date(2026, 5, 19)
    day(dt.date(2026, 5, 20))  # the job that day finds nothing left to end
    assert _consequences(subject) == (grade_after, keys, lists_seen)


# --- objections: rejected twice, the dates stay fixed -----------------------------------------
def test_an_objection_rejected_twice_keeps_the_dates_fixed(graded, clerk, reviewer):
    subject = graded
    entry = _listed(clerk, reviewer, subject, on=START)
    fixed = (entry.publicity_ends_on, entry.effective_from, entry.effective_until)
    with clock.frozen_at(dt.date(2026, 3, 2)):
        first = services.objection_file(actor=clerk, entry=entry, objector=subject.name,
                                        grounds="事故认定有误。", ground=Objection.Ground.FACTS)
    assert refreshed(entry).state == BlackState.SUSPENDED
    assert first.fixed_dates["effective_until"] == fixed[2].isoformat()
    day(dt.date(2026, 3, 3))
    assert grade(subject) == "C"  # suspended: the listing does not punish meanwhile
    with clock.frozen_at(dt.date(2026, 3, 20)):
        services.objection_decide(actor=reviewer, objection=first, upheld=False,
                                  reply="经复核，事故认定无误。")
        # the same ground again without new evidence: refused, naming the earlier answer
        with pytest.raises(Conflict) as refused:
            services.objection_file(actor=clerk, entry=refreshed(entry), objector=subject.name,
                                    grounds="事故认定有误。", ground=Objection.Ground.FACTS)
        assert "2026-03-20" in str(refused.value.message)
        # another ground: a second suspension is allowed (one per ground)
        second = services.objection_file(actor=clerk, entry=refreshed(entry),
                                         objector=subject.name, grounds="未依法送达告知书。",
                                         ground=Objection.Ground.PROCEDURE)
    assert refreshed(entry).state == BlackState.SUSPENDED
    with clock.frozen_at(dt.date(2026, 4, 10)):
        services.objection_decide(actor=reviewer, objection=second, upheld=False,
                                  reply="告知书已依法送达。")
        # the facts again, now with new evidence: examined without suspending again
        third = services.objection_file(actor=clerk, entry=refreshed(entry),
                                        objector=subject.name, grounds="事故认定有误。",
                                        ground=Objection.Ground.FACTS,
                                        new_evidence="第三方鉴定报告")
    assert third.suspends is False
    assert refreshed(entry).state == BlackState.IN_FORCE
    entry = refreshed(entry)
    assert (entry.publicity_ends_on, entry.effective_from, entry.effective_until) == fixed
    assert grade(subject) == "D"  # punishes again from the rejection
    day(fixed[2] + dt.timedelta(days=1))  # and ends on the day fixed at the start
    assert refreshed(entry).state == BlackState.EXPIRED


# --- credit repair of a record: one day before and on the minimum ----------------------------
def test_repair_one_day_before_and_on_the_minimum(graded, clerk, reviewer, second_reviewer):
    subject = graded
    record = _two_general(clerk, reviewer, subject, months=12)[0]  # 一般, 12 months
    assert grade(subject) == "B"
    with clock.frozen_at(dt.date(2026, 4, 15)), pytest.raises(Conflict) as refused:
        services.repair_request(actor=clerk, record=record, proof="罚款已缴清",
                                commitment="承诺依法经营。")
    message = str(refused.value.message)
    assert "2026-04-16" in message and "3" in message  # the day it becomes possible
    with clock.frozen_at(dt.date(2026, 4, 16)):
        request = services.repair_request(actor=clerk, record=record, proof="罚款已缴清",
                                          commitment="承诺依法经营。")
        assert request.commitment_until == dt.date(2027, 1, 15)
        services.repair_decide(actor=reviewer, request=request, approve=True,
                               reasons="已履行处罚决定并整改。")
    record = CreditRecord.objects.get(pk=record.pk)
    assert record.state == RecordState.REPAIRED and record.repaired_on == dt.date(2026, 4, 16)
    assert record.publicity_ends_on == dt.date(2026, 4, 15)
    assert grade(subject) == "A"  # re-graded the same day: 77 - 5
    # breaking the repair commitment becomes a new record, reviewed like any other
    with clock.frozen_at(dt.date(2026, 6, 1)):
        breach = services.repair_commitment_breach(
            actor=clerk, request=request, facts="再次违规收费。",
            document_number="物罚〔2026〕88号")
    assert breach.record_type.code == "commitment_breach"
    assert breach.state == RecordState.SUBMITTED


def test_a_severe_record_repaired_ends_key_supervision_and_listings_resting_on_it(
        graded, clerk, reviewer):
    subject = graded
    record = enter(clerk, reviewer, subject, "fraud", on=START)  # severe: minimum 1 year
    assert "severe_record" in key_open(subject)
    assert grade(subject) == "D"  # the model's veto
    with clock.frozen_at(dt.date(2027, 1, 15)), pytest.raises(Conflict) as refused:
        services.repair_request(actor=clerk, record=record, proof="x", commitment="y")
    assert "2027-01-16" in str(refused.value.message)
    with clock.frozen_at(dt.date(2027, 1, 16)):
        request = services.repair_request(actor=clerk, record=record, proof="已纠正",
                                          commitment="承诺")
        services.repair_decide(actor=reviewer, request=request, approve=True, reasons="已纠正")
    assert key_open(subject) == set()
    assert grade(subject) == "A"


def test_an_entry_that_ended_before_its_record_was_tied_to_it_is_healed_by_the_job(
        graded, clerk, reviewer):
    """Data from before this rule: an expired entry whose record still runs 36 months."""
    subject = graded
    entry = _listed(clerk, reviewer, subject, on=START)
    ended = dt.date(2026, 4, 1)
    CreditRecord.objects.filter(pk=entry.listing_record_id).update(
        publicity_ends_on=dt.date(2029, 1, 15))
    BlackListEntry.objects.filter(pk=entry.pk).update(state=BlackState.EXPIRED, ended_on=ended)
    day(dt.date(2026, 4, 2))
    record = CreditRecord.objects.get(pk=entry.listing_record_id)
    assert record.publicity_ends_on == dt.date(2026, 3, 31)
    assert grade(subject) == "C" and "black_list" not in key_open(subject)


def test_process_deadlines_as_of_runs_as_if_that_day_were_today(graded, clerk, reviewer):
    from django.core.management import call_command

    subject = graded
    _two_general(clerk, reviewer, subject)
    call_command("process_deadlines", "--as-of", "2026-07-15", stdout=open("/dev/null", "w"))
    assert grade(subject) == "B"
    call_command("process_deadlines", "--as-of", "2026-07-16", stdout=open("/dev/null", "w"))
    assert grade(subject) == "A"
    evaluation = Evaluation.objects.get(batch=CurrentBatch.objects.get(
        category="property_service").batch_id, subject=subject)
    assert evaluation.as_of == dt.date(2026, 7, 16)
