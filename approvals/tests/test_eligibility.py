"""Incentives only for those who earned them (`lists.eligibility`, data in
`lists/fixtures/eligibility.json`): each condition that refuses green channel, 容缺受理, incentive
points and red-list nomination, tested at its boundary days, and the scenario of a subject with
a bad record in force, stepped day by day across the end of its publicity."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.services import credit_check
from common import clock
from common.errors import Conflict
from lists import eligibility
from lists.eligibility import RED_LIST_NOMINATION, refusals, require_eligible
from lists.models import (
    IndustrySanction,
    KeyRule,
    KeyState,
    KeySupervisionEntry,
    RedListEntry,
    SanctionState,
)
from lists.services import red_nominate

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def held(subject, day: dt.date) -> list[str]:
    return [r.condition for r in refusals(subject_id=subject.pk, as_of=day)]


def test_every_condition_cites_national_or_county_rules_only():
    incentives, conditions = eligibility.catalogue()
    assert {"green_channel", "accept_with_missing_materials", "evaluation_bonus",
            "red_list_nomination"} <= set(incentives)
    assert {c.check for c in conditions} == set(eligibility.CHECKS)
    for c in conditions:
        assert set(c.refuses) <= set(incentives)
        assert ("国办发〔2019〕35号" in c.basis or "国办发〔2020〕49号" in c.basis
                or "实施方案》三" in c.basis or "实施方案》四" in c.basis), c.code
        for mark in ("[M]", "REFERENCE", "天津", "苏州", "杭州", "宿州", "北海"):
            assert mark not in c.basis, (c.code, mark)


def test_bad_record_in_force_until_its_publicity_ends(make_subject, make_record):
    subject = make_subject("有警告的物业公司")
    record = make_record(subject, "penalty_warning", decided_on=MONDAY)
    end = record.publicity_ends_on
    assert end == dt.date(2027, 3, 2)
    assert held(subject, MONDAY - DAY) == []              # not yet decided
    assert held(subject, MONDAY) == ["bad_record_in_force"]
    [refusal] = refusals(subject_id=subject.pk, as_of=end)
    assert refusal.until == end + DAY and record.document_number in refusal.why
    assert "三（二）" in refusal.basis
    assert held(subject, end + DAY) == []


def test_bad_records_already_read_decide_as_the_query_does(make_subject, make_record):
    """The credit check decides the bad-record condition from the records it has read
    (`bad_records_held`), without the condition's own query: the same refusal, to the letter,
    on every day around the decisions and the ends of publicity, for records of different
    types, a repaired one and a subject with none."""
    from approvals.selectors import effective_bad_records

    subject = make_subject("两条记录的物业公司")
    first = make_record(subject, "penalty_warning", decided_on=MONDAY)
    second = make_record(subject, "property_fee_violation", decided_on=MONDAY + 3 * DAY)
    repaired = make_record(subject, "penalty_warning", decided_on=MONDAY - DAY)
    type(repaired).objects.filter(pk=repaired.pk).update(state="repaired")
    clean = make_subject("没有记录的物业公司")
    ends = sorted({first.publicity_ends_on, second.publicity_ends_on})
    days = {MONDAY - DAY, MONDAY, MONDAY + 3 * DAY, *ends, *(e + DAY for e in ends)}
    seen = set()
    for one in (subject, clean):
        records = effective_bad_records(subject=one)
        for day in sorted(days):
            queried = refusals(subject_id=one.pk, as_of=day)
            from_records = refusals(subject_id=one.pk, as_of=day, bad_records=records)
            assert from_records == queried, (one.name, day)
            seen.add(len(queried))
    assert seen == {0, 1}  # the condition both held and did not


def test_pending_and_decided_sanction(make_subject, clerk, reviewer):
    subject = make_subject("受惩戒的物业公司")
    with clock.frozen_at(MONDAY):
        sanction = IndustrySanction.objects.create(
            subject=subject, kind="criticism", scope="public", grounds="拒不整改",
            legal_basis="实施方案 四（二）", document_number="武住保惩〔2026〕1号",
            occurred_on=MONDAY, department=clerk.department, proposed_by=clerk,
            proposed_at=clock.now())
    assert held(subject, MONDAY) == ["sanction_pending_or_decided"]
    [pending] = refusals(subject_id=subject.pk, as_of=MONDAY)
    assert pending.until is None and "武住保惩〔2026〕1号" in pending.why
    IndustrySanction.objects.filter(pk=sanction.pk).update(
        state=SanctionState.DECIDED, decided_on=MONDAY, decided_by=reviewer)
    last = dt.date(2027, 3, 1)  # 12 months from the decision, the decision day counted
    [decided] = refusals(subject_id=subject.pk, as_of=last)
    assert decided.until == last + DAY
    assert held(subject, last + DAY) == []
    IndustrySanction.objects.filter(pk=sanction.pk).update(state=SanctionState.REVOKED)
    assert held(subject, MONDAY) == []


def test_key_supervision_entry(make_subject):
    subject = make_subject("重点监管的物业公司")
    entry = KeySupervisionEntry.objects.create(
        subject=subject, rule=KeyRule.LOWEST_GRADE, reason="最低信用等级", entered_on=MONDAY)
    assert held(subject, MONDAY - DAY) == []
    assert held(subject, MONDAY) == ["key_supervision"]
    KeySupervisionEntry.objects.filter(pk=entry.pk).update(state=KeyState.ENDED,
                                                           ended_on=MONDAY + DAY)
    assert held(subject, MONDAY + DAY) == []


def test_key_supervision_reason_reads_as_one_sentence(make_subject):
    """The entry's reason is a sentence ending in 。; the refusal showed "已生效。。"."""
    subject = make_subject("重点监管的开发企业")
    KeySupervisionEntry.objects.create(
        subject=subject, rule=KeyRule.SEVERE_RECORD, entered_on=MONDAY,
        reason="严重失信记录武房市罚字〔2026〕第1号（以欺骗手段取得资质）已生效。")
    [refusal] = refusals(subject_id=subject.pk, as_of=MONDAY)
    assert refusal.why.endswith("已生效。") and "。。" not in refusal.why


def test_black_list_entry_until_it_ends(make_subject, blacklist):
    subject = make_subject("黑名单物业公司")
    entry = blacklist(subject, since=MONDAY)
    assert held(subject, MONDAY) == ["black_list"]
    [refusal] = refusals(subject_id=subject.pk, as_of=MONDAY)
    assert refusal.until == entry.effective_until + DAY
    assert held(subject, entry.effective_until + DAY) == []


def test_broken_commitment_refuses_for_three_years(make_subject, make_record):
    subject = make_subject("违反承诺的物业公司")
    record = make_record(subject, "commitment_breach", decided_on=MONDAY)
    assert held(subject, MONDAY) == ["bad_record_in_force", "commitment_broken"]
    after_publicity = record.publicity_ends_on + DAY      # 24 months: no longer "in force"
    assert held(subject, after_publicity) == ["commitment_broken"]
    last = dt.date(2029, 3, 1)
    [refusal] = refusals(subject_id=subject.pk, as_of=last)
    assert refusal.until == dt.date(2029, 3, 2)
    assert held(subject, dt.date(2029, 3, 2)) == []


def test_revoked_records_refuse_nothing(make_subject, make_record):
    from records.models import CreditRecord, RecordState

    subject = make_subject("撤销记录的物业公司")
    record = make_record(subject, "commitment_breach", decided_on=MONDAY)
    CreditRecord.objects.filter(pk=record.pk).update(state=RecordState.REVOKED)
    assert held(subject, MONDAY) == []


def test_scenario_bad_record_refuses_green_channel_and_red_list_until_publicity_ends(
        graded, make_subject, make_record, window_officer, clerk):
    """A property company whose grade stays among the top two despite a warning: the warning's
    publicity refuses green channel, 容缺受理 and red-list nomination; the day after it ends,
    all three are allowed again (stepping the clock day by day across the boundary)."""
    subject = make_subject("荣誉与警告并存的物业公司")
    for _n in range(2):
        make_record(subject, "commendation_national", decided_on=MONDAY - 10 * DAY)
    warning = make_record(subject, "penalty_warning", decided_on=MONDAY)
    end = warning.publicity_ends_on
    for day in (end - 2 * DAY, end - DAY, end, end + DAY, end + 2 * DAY):
        graded(day)
        with clock.frozen_at(day):
            check = credit_check(actor=window_officer, code_or_name=subject.code,
                                 matter_code="property_service_filing")
        r = check.result
        assert r["grade"]["rank"] in (0, 1), (day, r["grade"])
        measures = {m["code"] for m in r["measures"]}
        refused = {m["code"]: m for m in r["refused"]}
        if day <= end:
            assert "green_channel" in refused and "green_channel" not in measures, day
            why = refused["green_channel"]["refused_by"]
            assert any(x.get("condition") == "bad_record_in_force" for x in why), day
            assert (end + DAY).isoformat() in why[0]["why"]
            assert r["accept_with_missing"]["allowed"] is False
            assert "有公示期内的不良信用记录" in r["accept_with_missing"]["reason"]
            assert [c["condition"] for c in r["eligibility"]] == ["bad_record_in_force"]
            with clock.frozen_at(day), pytest.raises(Conflict) as refusal:
                red_nominate(actor=clerk, subject=subject, reasons="连续表彰")
            assert refusal.value.code == "not_eligible"
            assert "诚信红榜推荐" in str(refusal.value.message)
        else:
            assert "green_channel" in measures and "green_channel" not in refused, day
            assert r["accept_with_missing"]["allowed"] is True
            assert r["eligibility"] == []
    with clock.frozen_at(end + DAY):
        entry = red_nominate(actor=clerk, subject=subject, reasons="连续表彰")
    assert RedListEntry.objects.filter(pk=entry.pk).exists()


def test_require_eligible_names_every_condition(make_subject, make_record, blacklist):
    subject = make_subject("多重失信的物业公司")
    make_record(subject, "penalty_warning", decided_on=MONDAY)
    blacklist(subject, since=MONDAY)
    with pytest.raises(Conflict) as refusal:
        require_eligible(subject_id=subject.pk, as_of=MONDAY, incentive=RED_LIST_NOMINATION)
    message = str(refusal.value.message)
    assert "有公示期内的不良信用记录" in message and "列入严重失信主体名单" in message


def test_check_page_says_which_condition_refused_and_when_it_ends(
        graded, make_subject, make_record, window_officer):
    from django.test import Client

    from .conftest import login

    subject = make_subject("页面展示的物业公司")
    for _n in range(2):
        make_record(subject, "commendation_national", decided_on=MONDAY - 10 * DAY)
    warning = make_record(subject, "penalty_warning", decided_on=MONDAY)
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code="property_service_filing")
        html = login(Client(), window_officer).get(
            f"/approvals/checks/{check.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert 'data-testid="eligibility"' in html
    assert 'data-condition="bad_record_in_force"' in html
    assert "有公示期内的不良信用记录" in html and warning.document_number in html
    assert (warning.publicity_ends_on + DAY).isoformat() in html
    assert 'data-refused="green_channel"' in html


def test_automatic_red_list_nomination_skips_a_subject_with_a_pending_sanction(
        graded, make_subject, make_record, clerk, lead_department):
    """The deadline job's nomination by criterion goes through the same eligibility check: a
    top-graded subject with a sanction awaiting decision is not nominated, and is once the
    proposal is rejected."""
    from lists.models import RedListCriterion
    from lists.services import red_nominate_by_rule

    subject = make_subject("连续优秀的物业公司")
    for _n in range(2):
        make_record(subject, "commendation_national", decided_on=MONDAY - 10 * DAY)
    graded(MONDAY)
    RedListCriterion.objects.all().delete()
    RedListCriterion.objects.create(category="property_service", name="AAA", top_grade="AAA",
                                    consecutive_batches=1, clean_months=36)
    with clock.frozen_at(MONDAY):
        sanction = IndustrySanction.objects.create(
            subject=subject, kind="warning", scope="internal", grounds="待查",
            legal_basis="实施方案 四（二）", document_number="武住保惩〔2026〕3号",
            occurred_on=MONDAY, department=clerk.department, proposed_by=clerk,
            proposed_at=clock.now())
        assert red_nominate_by_rule(as_of=MONDAY) == 0
    IndustrySanction.objects.filter(pk=sanction.pk).update(state=SanctionState.REJECTED)
    with clock.frozen_at(MONDAY):
        assert red_nominate_by_rule(as_of=MONDAY) == 1
    assert RedListEntry.objects.get(subject=subject).source == RedListEntry.Source.RULE
