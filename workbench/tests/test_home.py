"""Per-role home pages: each role lands on its own work, with few queries whatever the size of
the queue (no query per row)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from common import clock
from common.models import JobRun
from lists.models import RedListEntry, RedState
from records.models import RecordType
from records.services import record_create, record_reject
from subjects.models import Subject

pytestmark = pytest.mark.django_db
TUESDAY, WEDNESDAY, MONDAY_DUE = dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 9)
_numbers = itertools.count(1)
#: The most queries any home page may make (session, user, badges, the page's own counts and
#: lists): fixed, whatever the number of records or cases behind them.
MAX_HOME_QUERIES = 30


def new_subject() -> Subject:
    n = next(_numbers)
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code=f"TEST{n:06d}",
                                  name=f"示例公司{n}", category="builder")


def submitted(clerk: User, *, on: dt.date) -> object:
    with clock.frozen_at(on):
        return record_create(
            actor=clerk, subject=new_subject(), record_type=RecordType.objects.get(code="fraud"),
            occurred_on=on, decided_on=on, document_number=f"测罚〔2026〕{next(_numbers)}号",
            submit=True)


def nominated(department, *, due: dt.date) -> RedListEntry:
    return RedListEntry.objects.create(
        subject=new_subject(), source=RedListEntry.Source.DEPARTMENT, department=department,
        reasons="连续三年信用等级为A。", nominated_at=clock.now(), review_due_on=due,
        state=RedState.NOMINATED)


def home(user: User, *, on: dt.date | None = None, **extra) -> str:
    client = Client()
    client.force_login(user)
    with clock.frozen_at(on or clock.today()):
        response = client.get(reverse("home"), **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_clerk_lands_on_drafts_and_returned_records(catalogue, clerk, reviewer):
    record = submitted(clerk, on=TUESDAY)
    record_reject(actor=reviewer, record=record, comment="金额有误")
    body = home(clerk)
    assert 'data-testid="home-clerk"' in body
    assert 'data-testid="returned-count">1<' in body and "金额有误" in body
    assert 'data-testid="drafts-count">0<' in body
    assert 'data-testid="review-queue"' not in body


def test_reviewer_lands_on_the_queue_with_ages_and_the_deadlines(
        catalogue, clerk, reviewer, lead_department):
    submitted(clerk, on=TUESDAY)
    due_soon = nominated(lead_department, due=MONDAY_DUE)
    late = nominated(lead_department, due=TUESDAY)
    nominated(lead_department, due=dt.date(2026, 4, 30))  # later: counted, not listed
    body = home(reviewer, on=dt.date(2026, 3, 6))
    assert 'data-testid="home-lead_reviewer"' in body
    assert 'data-testid="pending-count">1<' in body
    assert 'data-testid="age">3<' in body  # submitted Tuesday, seen Friday
    assert 'data-testid="steps-overdue-count">1<' in body
    assert 'data-testid="steps-due-count">1<' in body
    assert reverse("lists:red_detail", args=[due_soon.pk]) in body
    assert reverse("lists:red_detail", args=[late.pk]) in body
    assert 'data-testid="days-left">3<' in body  # Friday to Monday
    assert "逾期 3 天" in body or 'data-testid="overdue"' in body
    # the top bar's badges: one record to review, two steps overdue or due within 3 working days
    assert 'data-testid="badge-reviews">1<' in body
    assert re.search(r'data-testid="badge-due-steps"[^>]*>2<', body)


def test_badges_only_for_those_who_act(catalogue, clerk, reviewer, lead_department):
    submitted(clerk, on=TUESDAY)
    nominated(lead_department, due=TUESDAY)
    body = home(clerk)
    assert 'data-testid="badge-reviews"' not in body and 'data-testid="badge-due-steps"' not in body


def test_leader_sees_key_figures_and_the_dashboard(catalogue, clerk, reviewer, leader):
    submitted(clerk, on=TUESDAY)
    body = home(leader)
    assert 'data-testid="home-leader"' in body
    assert 'data-testid="figure-subjects">1<' in body
    assert 'data-testid="dashboard-link"' in body and 'href="/monitoring/"' in body


def test_auditor_sees_the_trail_and_the_chain_status(catalogue, clerk, auditor):
    submitted(clerk, on=TUESDAY)
    body = home(auditor)
    assert 'data-testid="home-auditor"' in body
    assert 'data-testid="verify-chain"' in body and reverse("audit:verify") in body
    assert 'data-testid="events-total">0<' not in body
    assert "录入信用记录" in body or "信用记录提交审核" in body


def test_admin_is_told_a_deadline_run_failed(admin_user):
    JobRun.objects.create(job="process_deadlines", started_at=clock.now(),
                          as_of=clock.today(), ok=False, error="boom")
    body = home(admin_user)
    assert 'data-testid="home-admin"' in body and 'data-testid="job-failed"' in body


def _queries(user: User, on: dt.date) -> int:
    client = Client()
    client.force_login(user)
    with clock.frozen_at(on), CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["clerk", "reviewer", "admin_user", "window_officer",
                                  "leader", "auditor"])
def test_home_pages_make_few_queries(request, role, catalogue, clerk, reviewer,
                                     lead_department, django_assert_max_num_queries):
    user = request.getfixturevalue(role)
    for _ in range(3):
        submitted(clerk, on=TUESDAY)
        nominated(lead_department, due=MONDAY_DUE)
    client = Client()
    client.force_login(user)
    with clock.frozen_at(WEDNESDAY), django_assert_max_num_queries(MAX_HOME_QUERIES):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "clerk"])
def test_no_query_per_row(request, role, catalogue, clerk, reviewer, lead_department):
    """Six records and six cases cost the same queries as one of each."""
    user = request.getfixturevalue(role)
    submitted(clerk, on=TUESDAY)
    nominated(lead_department, due=MONDAY_DUE)
    _queries(user, WEDNESDAY)  # warm the per-process caches (working-day calendar)
    one = _queries(user, WEDNESDAY)
    for _ in range(5):
        submitted(clerk, on=TUESDAY)
        nominated(lead_department, due=MONDAY_DUE)
    assert _queries(user, WEDNESDAY) == one
