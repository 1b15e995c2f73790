"""A small county with known figures: records entered on time and late, a review queue,
grades from the shipped models, credit checks with measures and feedback, a commitment."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from approvals.catalogue import install_current
from approvals.models import CheckMeasure, Commitment, CreditCheck, Matter, Measure, RuleSet
from approvals.selectors import forget_rule_books
from common import clock
from records.models import CreditRecord, RecordType
from records.rules import publicity_end_date
from scoring.engine import regrade_in_effect
from scoring.services import install_shipped_models
from subjects.models import Subject

DECIDED = dt.date(2026, 3, 2)  # a Monday; no holiday for three weeks after it
SNAPSHOT_DAY = dt.date(2026, 3, 20)
_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    forget_rule_books()
    with translation.override("en"):
        yield


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_record(*, subject: Subject, code: str, department: Any, user: Any, decided_on: dt.date,
                entered: dt.date, state: str = "effective") -> CreditRecord:
    record_type = RecordType.objects.get(code=code)
    record = CreditRecord.objects.create(
        subject=subject, record_type=record_type, occurred_on=decided_on, decided_on=decided_on,
        publicity_ends_on=publicity_end_date(record_type=record_type, decided_on=decided_on),
        document_number=f"测字〔2026〕{next(_n)}号", source_department=department,
        created_by=user, state=state,
        submitted_at=local(entered) if state != "draft" else None)
    CreditRecord.objects.filter(pk=record.pk).update(created_at=local(entered))
    return record


@pytest.fixture
def county(db, reviewer, clerk, leader) -> dict[str, Any]:
    call_command("loaddata", "record_types", verbosity=0)
    from django.apps import apps as django_apps

    importlib.import_module("lists.migrations.0002_blacklist_grounds").seed(django_apps, None)
    install_current()
    install_shipped_models(publish=True)
    subjects = [Subject.objects.create(kind="enterprise", code=f"M{next(_n):017d}",
                                       name=f"监测物业{i}", category="property_service",
                                       established_on=dt.date(2015, 1, 1))
                for i in range(6)]
    bad = RecordType.objects.filter(polarity="bad").order_by("code").first().code
    lead, other = reviewer.department, clerk.department
    # On time: 7 working days after Monday 2 March is Wednesday 11 March.
    on_time = make_record(subject=subjects[0], code=bad, department=lead, user=reviewer,
                          decided_on=DECIDED, entered=dt.date(2026, 3, 11))
    late = make_record(subject=subjects[1], code=bad, department=lead, user=reviewer,
                       decided_on=DECIDED, entered=dt.date(2026, 3, 12))
    pending = make_record(subject=subjects[2], code=bad, department=other, user=clerk,
                          decided_on=DECIDED, entered=dt.date(2026, 3, 4), state="submitted")
    draft = make_record(subject=subjects[3], code=bad, department=other, user=clerk,
                        decided_on=DECIDED, entered=dt.date(2026, 3, 5), state="draft")
    with clock.frozen_at(dt.date(2026, 3, 16)):
        regrade_in_effect(as_of=dt.date(2026, 3, 16))
    # Credit checks: the lead department answered one of its two measures; the other
    # department never answered.
    matter = Matter.objects.filter(is_active=True).first()
    rule_set = RuleSet.objects.order_by("-version").first()
    measures = list(Measure.objects.order_by("code")[:2])

    def check(department_user: Any, applied: list[bool | None], day: dt.date) -> CreditCheck:
        c = CreditCheck.objects.create(
            number=f"HC-2026-{next(_n):06d}", subject=subjects[0], matter=matter,
            asked_by=department_user, department_id=department_user.department_id,
            via="workbench", checked_at=local(day), as_of=day, rule_set=rule_set,
            accept_with_missing=False, result={}, needs_feedback=True,
            feedback_due_on=day + dt.timedelta(days=5))
        for m, value in zip(measures, applied, strict=False):
            CheckMeasure.objects.create(credit_check=c, measure=m, code=m.code, name=m.name,
                                        kind=m.kind, applied=value,
                                        reason="" if value is not False else "不适用")
        return c

    check(reviewer, [True, None], dt.date(2026, 3, 3))
    check(clerk, [None], dt.date(2026, 3, 4))
    return {"subjects": subjects, "on_time": on_time, "late": late, "pending": pending,
            "draft": draft, "measures": measures, "lead": lead, "other": other,
            "commitments": Commitment.objects.count()}


@pytest.fixture
def immediate_jobs(settings) -> None:
    """Background jobs run inline where they are queued (the page's flow, without a worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def snapshot(county) -> Any:
    from monitoring.services import snapshot_take

    with clock.frozen_at(SNAPSHOT_DAY):
        return snapshot_take(day=SNAPSHOT_DAY)
