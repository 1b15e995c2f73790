"""The credit check service: the snapshot it stores, its number, the measures with why, the
subject resolution (code, name, former name) and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.models import CheckMeasure, CreditCheck, Matter
from approvals.selectors import SubjectChoiceRequired, changes_since_previous, public_summary
from approvals.services import credit_check
from audit.models import AuditEvent
from common import clock
from common.errors import NotFound, PermissionDeniedError, ValidationFailed

from .conftest import MONDAY, uscc

pytestmark = pytest.mark.django_db


def codes(check: CreditCheck, key: str = "measures") -> list[str]:
    return [m["code"] for m in check.result[key]]


def test_catalogue_is_seeded_with_housing_matters(catalogue):
    names = set(Matter.objects.values_list("name", flat=True))
    assert {"商品房预售许可", "物业服务企业备案", "房地产经纪机构备案",
            "住房租赁企业备案（开业报告）", "房地产开发企业资质核定", "住房租赁企业奖补资金申请",
            "物业管理示范项目评定"} <= names
    presale = Matter.objects.get(code="presale_permit")
    optional = {m.code for m in presale.materials.filter(essential=False)}
    assert "business_licence" in optional and "presale_plan" not in optional
    assert presale.commitment_days <= presale.promised_days
    assert not Matter.objects.get(code="rental_subsidy").allows_commitment


def test_good_grade_gets_green_channel_and_accept_with_missing(graded, good_subject,
                                                               window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
    r = check.result
    assert check.number == "XYHC-2026-000001" and r["number"] == check.number
    assert r["grade"]["grade"] == "AA" and r["grade"]["model"].startswith("property-composite:")
    assert r["grade"]["batch"] == check.batch_id and check.grade == "AA"
    assert r["asked_by"]["user"] == window_officer.username and r["asked_by"]["via"] == "workbench"
    assert r["rule_set"]["label"] == "housing-approvals:2"
    wanted = {"green_channel", "accept_with_missing_materials", "priority_handling"}
    assert wanted <= set(codes(check))
    assert "evaluation_bonus" not in codes(check)  # honours only
    assert r["accept_with_missing"]["allowed"] is True and check.accept_with_missing
    # each measure names the rule that triggered it, with why and the legal basis
    green = next(m for m in r["measures"] if m["code"] == "green_channel")
    rules = {reason["rule"] for reason in green["reasons"]}
    assert rules == {"grade-measures", "clean-three-years"}
    assert all(reason["why"] and reason["basis"] for reason in green["reasons"])
    assert "AA" in next(x["why"] for x in green["reasons"] if x["rule"] == "grade-measures")
    assert set(CheckMeasure.objects.filter(credit_check=check).values_list("code", flat=True)) \
        == set(codes(check))
    assert check.feedback_due_on == dt.date(2026, 3, 9)  # 5 working days
    event = AuditEvent.objects.get(action="approvals.check", target_id=str(check.pk))
    assert event.actor_id == window_officer.pk and event.after["number"] == check.number


def test_numbers_count_up_per_year(graded, good_subject, window_officer):
    with clock.frozen_at(MONDAY):
        first = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
        second = credit_check(actor=window_officer, code_or_name=good_subject.code,
                              matter_code="property_service_filing")
    with clock.frozen_at(dt.date(2027, 1, 4)):
        third = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
    assert [first.number, second.number, third.number] == [
        "XYHC-2026-000001", "XYHC-2026-000002", "XYHC-2027-000001"]


def test_black_listed_subject_is_refused_accept_with_missing(graded, make_subject, blacklist,
                                                             window_officer):
    subject = make_subject("福州失信物业服务有限公司")
    graded(MONDAY)
    blacklist(subject, since=MONDAY - dt.timedelta(days=30))
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code="property_service_filing")
    r = check.result
    assert [m["kind"] for m in r["lists"]] == ["black"]
    assert {"strict_review", "no_accept_with_missing", "more_inspections"} <= set(codes(check))
    assert "accept_with_missing_materials" in codes(check, "refused")
    assert "green_channel" in codes(check, "refused")  # top grade still AA, but strict review
    refused = next(m for m in r["refused"] if m["code"] == "accept_with_missing_materials")
    assert {x["rule"] for x in refused["refused_by"]} == {"black-list", "black_list"}
    assert refused["refused_by"][0]["measure"] == "no_accept_with_missing"
    assert r["accept_with_missing"]["allowed"] is False and not check.accept_with_missing
    assert "严重失信主体名单" in r["accept_with_missing"]["reason"]
    assert "住建信〔2026〕7号" in r["accept_with_missing"]["reason"]


def test_serious_bad_record_refuses_accept_with_missing(graded, make_subject, make_record,
                                                        window_officer):
    subject = make_subject("福州一般物业服务有限公司")
    make_record(subject, "penalty_confiscation", decided_on=MONDAY - dt.timedelta(days=60))
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code="property_service_filing")
    r = check.result
    assert r["bad_records"]["count"] == 1 and r["bad_records"]["by_severity"] == {"serious": 1}
    item = r["bad_records"]["items"][0]
    assert item["type_code"] == "penalty_confiscation" and "internal_note" not in item
    assert "accept_with_missing_materials" not in codes(check)
    assert r["accept_with_missing"]["allowed"] is False


def test_no_grade_and_young_company_gets_ordinary_procedure(catalogue, make_subject,
                                                            window_officer):
    subject = make_subject("福州新设物业服务有限公司", established_on=dt.date(2025, 6, 1))
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code="property_service_filing")
    assert check.result["grade"] is None and check.grade == "" and check.batch_id is None
    assert check.result["measures"] == [] and not check.needs_feedback
    assert check.result["accept_with_missing"]["allowed"] is False
    assert check.result["accept_with_missing"]["reason"]


def test_matter_without_commitment_lists_accept_with_missing_as_refused(graded, make_subject,
                                                                        window_officer):
    subject = make_subject("福州租赁住房有限公司", category="rental")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code="rental_subsidy")
    assert "accept_with_missing_materials" in codes(check, "refused")
    assert check.result["accept_with_missing"]["allowed"] is False


def test_name_with_several_matches_asks_to_choose_former_names_included(catalogue, make_subject,
                                                                        window_officer):
    a = make_subject("福州嘉和物业服务有限公司")
    b = make_subject("福州新城物业服务有限公司", former="福州嘉和物业管理有限公司")
    with clock.frozen_at(MONDAY), pytest.raises(SubjectChoiceRequired) as choice:
        credit_check(actor=window_officer, code_or_name="嘉和物业",
                     matter_code="property_service_filing")
    assert {s.pk for s in choice.value.candidates} == {a.pk, b.pk}
    # the exact, only match is checked directly
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name="福州嘉和物业服务有限公司",
                             matter_code="property_service_filing")
    assert check.subject == a


@pytest.mark.parametrize(("raw", "error"), [
    ("91350100M000100Y44", "bad_check_character"),
    ("9135", "bad_length"),
    ("110105194912310021", "bad_check_character"),
    ("11010519491231002Y", "bad_character"),
])
def test_malformed_code_is_refused_with_the_identifier_check(catalogue, window_officer, raw,
                                                             error):
    with pytest.raises(ValidationFailed) as exc:
        credit_check(actor=window_officer, code_or_name=raw,
                     matter_code="property_service_filing")
    assert exc.value.code == error and exc.value.status == 422


def test_unknown_subject_and_matter_are_404(catalogue, good_subject, window_officer):
    with pytest.raises(NotFound) as exc:
        credit_check(actor=window_officer, code_or_name=uscc(999_999),
                     matter_code="property_service_filing")
    assert exc.value.code == "subject_not_found"
    with pytest.raises(NotFound) as exc:
        credit_check(actor=window_officer, code_or_name=good_subject.code, matter_code="nope")
    assert exc.value.code == "matter_not_found"


def test_matter_for_another_category_is_refused(catalogue, good_subject, window_officer):
    with pytest.raises(ValidationFailed) as exc:
        credit_check(actor=window_officer, code_or_name=good_subject.code,
                     matter_code="presale_permit")
    assert exc.value.code == "matter_not_for_category"


def test_read_only_roles_cannot_run_checks(catalogue, good_subject, leader):
    with pytest.raises(PermissionDeniedError):
        credit_check(actor=leader, code_or_name=good_subject.code,
                     matter_code="property_service_filing")


def test_snapshot_keeps_what_it_saw_after_the_grade_changes(graded, good_subject, make_record,
                                                           window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        before = credit_check(actor=window_officer, code_or_name=good_subject.code,
                              matter_code="property_service_filing")
    make_record(good_subject, "penalty_confiscation", decided_on=MONDAY + dt.timedelta(days=1))
    with clock.frozen_at(MONDAY + dt.timedelta(days=2)):
        after = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
    before.refresh_from_db()
    assert before.result["grade"]["grade"] == "AA" and after.result["grade"]["grade"] == "A"
    assert before.accept_with_missing and not after.accept_with_missing
    previous, changes = changes_since_previous(check=after)
    assert previous == before
    assert "AA" in changes[0] and "A" in changes[0]
    assert any("0" in c and "1" in c for c in changes)  # bad records in force 0 → 1
    assert any("容缺" in c for c in changes)  # 容缺受理 no longer applies


def test_public_summary_shows_only_public_facts(graded, window_officer, catalogue):
    from subjects.models import Subject

    person = Subject.objects.create(kind="individual", code="11010519491231002X", name="张三丰",
                                    category="practitioner")
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=person.code,
                             matter_code="broker_registration")
    summary = public_summary(number=check.number.lower())
    assert summary["subject_name"] == "张**" and summary["subject_code"] is None
    assert "11010519491231002X" not in str(summary)
    assert public_summary(number="XYHC-2026-999999") is None
