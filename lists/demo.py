"""Example list cases for the demo county, created through the services (so every step is
validated, dated by `lists.rules` and audited like a real case).

`seed_list_examples(as_of=…)` walks cases through their procedures with the injectable clock
set to the day each step happened, so the demo shows every state a user meets: a notice just
served, a statement and defence on file, a decision in publicity, an entry in force, one
suspended by an objection, one expired and one removed after credit repair; red-list entries
nominated, in publicity and in force; sanctions at each step; and published typical cases.
The composition layer (common/demo.py) decides when to call it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef

from accounts.models import User
from common import clock
from lists import services
from lists.eligibility import RED_LIST_NOMINATION, refusals
from lists.models import (
    BlackListEntry,
    BlacklistGround,
    Objection,
    RedListEntry,
)
from records.models import CreditRecord, Polarity, RecordState, RecordType
from records.services import record_approve, record_create
from scoring.engine import regrade_subjects
from subjects.models import Subject

MARKER = "（示例案例）"
_numbers = itertools.count(1)


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise LookupError(f"demo user {username} is missing; seed the demo staff first")
    return user


def _at(day: dt.date) -> Any:
    return clock.frozen_at(day)


def _record(*, clerk: User, reviewer: User, subject: Subject, code: str, on: dt.date
            ) -> CreditRecord:
    with _at(on):
        record = record_create(
            actor=clerk, subject=subject, record_type=RecordType.objects.get(code=code),
            occurred_on=on, decided_on=on,
            document_number=f"示例罚〔{on:%Y}〕{next(_numbers)}号{subject.pk}", submit=True)
        return record_approve(actor=reviewer, record=record)


def _black_to(state: str, *, subject: Subject, start: dt.date, clerk: User, reviewer: User
              ) -> BlackListEntry:
    """Walk one black-list case from `start` up to `state`, each step on its own day."""
    proof = _record(clerk=clerk, reviewer=reviewer, subject=subject, code="fraud", on=start)
    with _at(start):
        entry = services.black_propose(
            actor=clerk, subject=subject, ground=BlacklistGround.objects.get(code="fraud"),
            records=[proof], facts=f"以虚假材料申请资质。{MARKER}")
        entry = services.black_notify(actor=clerk, entry=entry)
    if state == "notified":
        return entry
    if state == "in_defence":
        with _at(start + dt.timedelta(days=1)):
            return services.black_record_statement(
                actor=clerk, entry=entry, statement="我单位对材料真实性有异议，请求复核。")
    with _at(start):
        entry = services.black_record_statement(actor=clerk, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)
        entry = services.black_decide(
            actor=reviewer, entry=entry, decision_number=f"示例信〔{start:%Y}〕{entry.pk}号",
            legal_basis="《建筑市场信用管理暂行办法》（建市〔2017〕241号）第十四条",
            reasons="事实清楚，证据确凿，程序合法。")
        entry = services.black_publish(actor=reviewer, entry=entry)
    if state == "publicity":
        return entry
    assert entry.publicity_ends_on is not None
    day = entry.publicity_ends_on + dt.timedelta(days=1)
    with _at(day):
        services.black_list_deadlines(day)
    entry = BlackListEntry.objects.get(pk=entry.pk)
    if state == "in_force":
        return entry
    if state == "suspended":
        with _at(day + dt.timedelta(days=20)):
            services.objection_file(actor=clerk, entry=entry, objector=subject.name,
                                    grounds="资质申请材料系代理机构提交，本单位不知情。",
                                    ground=Objection.Ground.FACTS)
        return BlackListEntry.objects.get(pk=entry.pk)
    if state == "repaired":
        assert entry.effective_from is not None
        repair_day = entry.effective_from + relativedelta(months=4)
        with _at(repair_day):
            request = services.repair_request(
                actor=clerk, entry=entry, proof="已撤回虚假申请材料并接受处罚，整改验收合格。",
                commitment="本单位承诺今后如实提交申请材料，依法诚信经营。")
            services.repair_decide(actor=reviewer, request=request, approve=True,
                                   reasons="已纠正失信行为、履行法定义务并作出信用修复承诺。")
        return BlackListEntry.objects.get(pk=entry.pk)
    if state == "expired":
        assert entry.effective_until is not None
        end = entry.effective_until + dt.timedelta(days=1)
        with _at(end):
            services.black_list_deadlines(end)
        return BlackListEntry.objects.get(pk=entry.pk)
    raise ValueError(state)


def _pick_subjects(subjects: Sequence[Subject] | None, *, as_of: dt.date
                   ) -> tuple[list[Subject], list[Subject]]:
    """(10 subjects for the black list and sanctions, 3 for the red list), none on any list
    yet; the red-list ones have had no bad record in publicity for the last two months (the
    red-list rules exclude them), from `subjects` or from the county's enterprises."""
    qs = Subject.objects.filter(kind=Subject.Kind.ENTERPRISE)
    if subjects is not None:
        qs = Subject.objects.filter(pk__in=[s.pk for s in subjects])
    qs = qs.exclude(red_list_entries__isnull=False).exclude(
        black_list_entries__isnull=False).order_by("pk")
    bad = CreditRecord.objects.filter(
        subject=OuterRef("pk"), record_type__polarity=Polarity.BAD, state=RecordState.EFFECTIVE,
        publicity_ends_on__gte=as_of - relativedelta(months=2))
    # and none that an eligibility condition refuses a nomination on the plan's first start
    # (a month back) or on `as_of` (lists.eligibility: a broken commitment within 36 months...)
    starts = (as_of - relativedelta(months=1), as_of)
    red = list(itertools.islice(
        (s for s in qs.exclude(Exists(bad)).iterator()
         if not any(refusals(subject_id=s.pk, as_of=day, incentive=RED_LIST_NOMINATION)
                    for day in starts)), 3))
    others = list(qs.exclude(pk__in=[s.pk for s in red])[:10])
    return others, red


def _red_to(state: str, *, subject: Subject, start: dt.date, clerk: User, reviewer: User,
            second_reviewer: User) -> RedListEntry:
    with _at(start):
        entry = services.red_nominate(actor=clerk, subject=subject,
                                      reasons=f"连续三年无不良信用记录，服务质量突出。{MARKER}")
    if state == "nominated":
        return entry
    with _at(start):
        entry = services.red_review(actor=reviewer, entry=entry, admit=True)
    if state == "publicity":
        return entry
    assert entry.publicity_ends_on is not None
    day = entry.publicity_ends_on + dt.timedelta(days=1)
    with _at(day):
        services.red_list_deadlines(day)
        entry = RedListEntry.objects.get(pk=entry.pk)
        entry = services.red_decide(actor=second_reviewer, entry=entry, commend=True,
                                    commendation="praise", commendation_text="通报表扬",
                                    decision_number=f"示例表〔{day:%Y}〕{entry.pk}号")
        return services.red_publish(actor=reviewer, entry=entry)


def seed_list_examples(*, as_of: dt.date, subjects: Sequence[Subject] | None = None,
                       clerk: User | None = None, reviewer: User | None = None,
                       second_reviewer: User | None = None) -> dict[str, list[Any]]:
    """Create example cases of every list kind in every state as of `as_of`.

    Needs 13 subjects on no list (from `subjects`, default: the demo county's enterprises),
    three of them without a bad record in publicity, and three staff: a clerk (proposes) and
    two lead reviewers (decide; never their own case). Does nothing when the examples already
    exist. Returns what it created, by kind.
    """
    if BlackListEntry.objects.filter(facts__endswith=MARKER).exists():
        return {}
    clerk = clerk or _user("clerk_fgs")
    reviewer = reviewer or _user("reviewer_a")
    second_reviewer = second_reviewer or _user("reviewer_b")
    others, red = _pick_subjects(subjects, as_of=as_of)
    if len(others) < 10 or len(red) < 3:
        raise ValueError("seed_list_examples needs 13 subjects on no list, 3 of them without "
                         "a bad record in publicity")
    black_plan = [  # state, days (or months) before as_of the case started
        ("notified", as_of - dt.timedelta(days=1)),
        ("in_defence", as_of - dt.timedelta(days=2)),
        ("publicity", as_of - dt.timedelta(days=1)),
        ("in_force", as_of - relativedelta(months=2)),
        ("suspended", as_of - relativedelta(months=2)),
        ("expired", as_of - relativedelta(months=15)),
        ("repaired", as_of - relativedelta(months=6)),
    ]
    made: dict[str, list[Any]] = {"black": [], "red": [], "sanctions": [], "cases": []}
    for (state, start), subject in zip(black_plan, others[:7], strict=True):
        made["black"].append(_black_to(state, subject=subject, start=start, clerk=clerk,
                                       reviewer=reviewer))
    red_plan = [("nominated", as_of), ("publicity", as_of - dt.timedelta(days=1)),
                ("in_force", as_of - relativedelta(months=1))]
    for (state, start), subject in zip(red_plan, red, strict=True):
        made["red"].append(_red_to(state, subject=subject, start=start, clerk=clerk,
                                   reviewer=reviewer, second_reviewer=second_reviewer))
    # sanctions: proposed, notice served, decided (one linked to the record of its act)
    for n, (step, subject) in enumerate(zip(("proposed", "notified", "decided", "linked"),
                                            others[7:10] + others[7:8], strict=True)):
        start = as_of - dt.timedelta(days=20)
        act = None
        if step == "linked":
            act = _record(clerk=clerk, reviewer=reviewer, subject=subject,
                          code="property_fee_violation", on=start)
        with _at(start):
            sanction = services.sanction_propose(
                actor=clerk, subject=subject,
                kind=("warning", "criticism", "criticism", "condemnation")[n],
                scope="public", grounds=f"物业服务中违规收费，经约谈仍未整改。{MARKER}",
                legal_basis="《物业管理条例》；本县住房领域信用分级分类管理实施方案",
                document_number=f"示例惩〔{start:%Y}〕{n + 1}号", occurred_on=start,
                act_record=act)
            if step != "proposed":
                sanction = services.sanction_notify(actor=clerk, sanction=sanction)
        if step in ("decided", "linked"):
            with _at(as_of - dt.timedelta(days=5)):
                sanction = services.sanction_decide(actor=reviewer, sanction=sanction,
                                                    comment="依法作出决定。")
        made["sanctions"].append(sanction)
    # typical cases: one good, one bad, published after review by a second reviewer
    with _at(as_of):
        for kind, title, who in (
                ("bad", "某公司以虚假材料申请资质被列入黑名单", made["black"][3].subject),
                ("good", "某物业公司连续三年无不良记录获通报表扬", made["red"][2].subject)):
            case = services.case_create(actor=reviewer, title=title, kind=kind,
                                        body=f"案情简介及处理结果。{MARKER}", subjects=[who])
            case = services.case_transition(actor=reviewer, case=case, action="submit")
            case = services.case_transition(actor=second_reviewer, case=case,
                                            action="publish")
            made["cases"].append(case)
    # every step above re-graded its subject as of the step's day: bring them to `as_of`
    touched = sorted({s.pk for s in [*others, *red]})
    with _at(as_of):
        regrade_subjects(subject_ids=touched, as_of=as_of)
        services.key_supervision_sync(subject_ids=touched, as_of=as_of)
    return made
