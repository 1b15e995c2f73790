"""A small county for the public-site tests, built through the platform's own services.

`county` holds an enterprise with something of every kind the public site must show or hide:
public records, a record marked not public, a record of a non-public type, a draft, a record
whose publicity ended, an internal note, a phone number, a black-list entry in force, a public
and an internal sanction, a typical case, a published inspection plan with a result, a credit
check, and a practitioner (an individual with an ID number and a phone) on the black list.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from approvals.catalogue import install_current
from approvals.selectors import forget_rule_books
from approvals.services import credit_check
from common import clock
from lists import services as list_services
from lists.models import BlackListEntry, BlacklistGround, RedListEntry
from lists.tests.helpers import to_in_force
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_create
from scoring.engine import regrade_in_effect
from scoring.services import install_shipped_models
from subjects.identifiers import org_code_check_char, uscc_check_char
from subjects.models import Subject, SubjectName
from supervision.models import InspectionPlan, PlanItem
from supervision.services import plan_record_result

START = dt.date(2026, 3, 2)  # a Monday: the black-list case starts here
TODAY = dt.date(2026, 4, 15)  # the day the anonymous walk happens
PERSON_ID = "110101199003074477"
PERSON_PHONE = "13987654321"
ACME_PHONE = "13812345678"
_numbers = itertools.count(1)


def uscc(n: int) -> str:
    org = f"{n:08d}"
    first17 = f"91350100{org}{org_code_check_char(org)}"
    return first17 + uscc_check_char(first17)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> None:
    """Notices and scans go to a throw-away MEDIA_ROOT; rate-limit counters start at zero."""
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_rule_books()
    cache.clear()


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)
    importlib.import_module("lists.migrations.0002_blacklist_grounds").seed(django_apps, None)
    install_current()


@pytest.fixture
def make_record(catalogue, clerk, reviewer) -> Callable[..., CreditRecord]:
    """An effective record entered by the clerk and approved by the reviewer (four eyes)."""

    def make(subject: Subject, type_code: str, *, decided_on: dt.date | None = None,
             document_number: str = "", description: str = "", internal_note: str = "",
             is_public: bool | None = None, approve: bool = True) -> CreditRecord:
        decided_on = decided_on or clock.today()
        with clock.frozen_at(max(decided_on, clock.today())):
            record = record_create(
                actor=clerk, subject=subject,
                record_type=RecordType.objects.get(code=type_code), occurred_on=decided_on,
                decided_on=decided_on, description=description, internal_note=internal_note,
                is_public=is_public, submit=approve,
                document_number=document_number or f"住建罚〔2026〕{next(_numbers)}号")
            return record_approve(actor=reviewer, record=record) if approve else record

    return make


@dataclass
class County:
    acme: Subject
    goodco: Subject
    person: Subject
    black: BlackListEntry
    person_black: BlackListEntry
    red: RedListEntry
    plan: InspectionPlan
    check: Any
    secrets: list[str]  # strings that must never appear on a public page


@pytest.fixture
def county(catalogue, make_record, clerk, reviewer, second_reviewer, window_officer) -> County:
    acme = Subject.objects.create(
        kind="enterprise", code=uscc(1), name="福州示例物业服务有限公司",
        category="property_service", contact_phone=ACME_PHONE, legal_representative="张三",
        established_on=dt.date(2015, 1, 1))
    SubjectName.objects.create(subject=acme, name=acme.name, valid_from=dt.date(2020, 1, 1))
    SubjectName.objects.create(subject=acme, name="福州旧名物业有限公司",
                               valid_from=dt.date(2010, 1, 1), valid_until=dt.date(2019, 12, 31))
    goodco = Subject.objects.create(kind="enterprise", code=uscc(2), name="福州诚信物业有限公司",
                                    category="property_service",
                                    established_on=dt.date(2012, 1, 1))
    SubjectName.objects.create(subject=goodco, name=goodco.name)
    person = Subject.objects.create(kind="individual", code=PERSON_ID, name="王小明",
                                    category="practitioner", contact_phone=PERSON_PHONE)
    SubjectName.objects.create(subject=person, name=person.name)

    # Records of every disclosure kind.
    make_record(acme, "penalty_fine", decided_on=START, document_number="榕住建罚〔2026〕11号",
                description=f"违规收费。联系人电话{ACME_PHONE}，经办人身份证{PERSON_ID}。",
                internal_note="内部备注勿外传：举报人线索")
    make_record(acme, "penalty_warning", decided_on=START, document_number="内部〔2026〕9号",
                is_public=False)
    make_record(acme, "complaint_verified", decided_on=START, document_number="投诉〔2026〕3号")
    make_record(acme, "false_advertising", decided_on=START, document_number="草稿〔2026〕5号",
                approve=False)
    make_record(acme, "penalty_warning", decided_on=dt.date(2024, 1, 10),
                document_number="旧罚〔2024〕1号")
    black = to_in_force(clerk=clerk, reviewer=reviewer, subject=acme, make_record=make_record,
                        on=START)
    person_black = BlackListEntry.objects.create(
        subject=person, ground=BlacklistGround.objects.order_by("sort", "code").first(),
        department=clerk.department, facts="个人以虚假材料取得资格。", proposed_by=clerk,
        proposed_at=clock.now(), decision_number="住建信〔2026〕8号", decided_on=START,
        decided_by=reviewer, decision_basis="建市〔2017〕241号 第十四条",
        decision_reasons="事实清楚", measures="限制从业", duration_months=12,
        published_on=START, publicity_ends_on=START + dt.timedelta(days=7),
        effective_from=START + dt.timedelta(days=8), effective_until=dt.date(2027, 3, 9),
        state="in_force")
    red = RedListEntry.objects.create(
        subject=goodco, source="department", department=reviewer.department,
        reasons="连续三年AAA", nominated_by=reviewer, nominated_at=clock.now(),
        decision_number="住建红〔2026〕2号", decided_on=START, decided_by=reviewer,
        commendation="praise", publicity_started_on=START,
        publicity_ends_on=START + dt.timedelta(days=7), effective_from=START,
        effective_until=dt.date(2026, 6, 30), state="in_force")

    with clock.frozen_at(START):
        public = list_services.sanction_propose(
            actor=clerk, subject=acme, kind="condemnation", scope="public",
            grounds="多次违规收费，拒不整改。", legal_basis="《物业管理条例》；行业自律公约",
            document_number="物协惩〔2026〕3号", occurred_on=START)
        public = list_services.sanction_notify(actor=reviewer, sanction=public)
        public = list_services.sanction_record_statement(actor=reviewer, sanction=public,
                                                     statement="", final=True)
        list_services.sanction_decide(actor=reviewer, sanction=public)
        internal = list_services.sanction_propose(
            actor=clerk, subject=acme, kind="warning", scope="internal",
            grounds="内部通报事项", legal_basis="行业自律公约",
            document_number="物协惩〔2026〕内1号", occurred_on=START)
        internal = list_services.sanction_notify(actor=reviewer, sanction=internal)
        internal = list_services.sanction_record_statement(actor=reviewer, sanction=internal,
                                                     statement="", final=True)
        list_services.sanction_decide(actor=reviewer, sanction=internal)
        case = list_services.case_create(
            actor=reviewer, title="某物业公司违规收费案", kind="bad",
            body=f"案情：该公司违规收费，投诉人电话{PERSON_PHONE}。", subjects=[acme], records=[])
        case = list_services.case_transition(actor=reviewer, case=case, action="submit")
        list_services.case_transition(actor=second_reviewer, case=case, action="publish")

    plan = InspectionPlan.objects.create(
        name="2026年第一季度物业服务企业双随机抽查", category="property_service",
        date_from=START, date_to=START + dt.timedelta(days=30), seed=1, algorithm="test",
        as_of=START, inspectors_per_subject=2, draw_input={}, candidates_digest="x",
        input_digest="x", status="published", internal_note="抽查内部备注",
        public_note="依据双随机一公开工作细则", created_by=reviewer, published_by=reviewer,
        published_at=timezone.now())
    item = PlanItem.objects.create(plan=plan, position=1, subject=acme, grade="C")
    PlanItem.objects.create(plan=plan, position=2, subject=person, grade="B")
    with clock.frozen_at(START + dt.timedelta(days=10)):
        result = plan_record_result(actor=clerk, item=item, passed=False,
                                    document_number="榕住建检〔2026〕4号",
                                    decided_on=START + dt.timedelta(days=10),
                                    description="消防通道堵塞")
        record_approve(actor=reviewer, record=result)

    install_shipped_models(publish=True)
    with clock.frozen_at(TODAY):
        regrade_in_effect(as_of=TODAY)
        check = credit_check(actor=window_officer, code_or_name=acme.code,
                             matter_code="property_service_filing")

    return County(
        acme=acme, goodco=goodco, person=person, black=black, person_black=person_black,
        red=red, plan=plan, check=check,
        secrets=[PERSON_ID, PERSON_PHONE, ACME_PHONE, "王小明", "内部备注勿外传",
                 "内部〔2026〕9号", "投诉〔2026〕3号", "草稿〔2026〕5号", "旧罚〔2024〕1号",
                 "物协惩〔2026〕内1号", "内部通报事项", "抽查内部备注", "个人以虚假材料",
                 "以虚假材料取得资质", check.number, "/media/", "evidence/"],
    )
