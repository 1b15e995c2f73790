"""Notifications: who is told what needs them, when, once; the bell and its list page."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, User
from common import clock
from common.deadlines import run_deadlines
from lists.models import Objection, RedListEntry, RedState
from records.models import RecordType
from records.services import record_create, record_reject
from subjects.models import Subject
from workbench.notify import notice_horizon, notify_due

pytestmark = pytest.mark.django_db

# A week of working days without a holiday (2026 State Council notice): due on MONDAY_DUE.
TUESDAY, WEDNESDAY = dt.date(2026, 3, 3), dt.date(2026, 3, 4)
MONDAY_DUE = dt.date(2026, 3, 9)
_numbers = itertools.count(1)


@pytest.fixture
def people(reviewer, second_reviewer, clerk, admin_user, lead_clerk) -> dict[str, User]:
    for user in (reviewer, second_reviewer, clerk, admin_user, lead_clerk):
        user.email = f"{user.username}@example.org"
        user.save()
    return {"reviewer": reviewer, "second": second_reviewer, "clerk": clerk,
            "admin": admin_user, "lead_clerk": lead_clerk}


@pytest.fixture
def subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91330100716105852F",
                                  name="杭州示例建设有限公司", category="builder")


def nomination(subject: Subject, department, *, due: dt.date,
               state: str = RedState.NOMINATED) -> RedListEntry:
    return RedListEntry.objects.create(
        subject=subject, source=RedListEntry.Source.DEPARTMENT, department=department,
        reasons="连续三年信用等级为A。", nominated_at=clock.now(), review_due_on=due,
        state=state)


def notes(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("key", flat=True))


def test_the_horizon_is_three_working_days_across_a_weekend():
    assert notice_horizon(as_of=WEDNESDAY) == MONDAY_DUE
    assert notice_horizon(as_of=TUESDAY) == dt.date(2026, 3, 6)


def test_a_step_is_announced_three_working_days_before_it_is_due_and_only_once(
        people, subject, lead_department, django_capture_on_commit_callbacks):
    entry = nomination(subject, lead_department, due=MONDAY_DUE)
    with clock.frozen_at(TUESDAY), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=TUESDAY) == 0  # due in four working days: not yet
    assert not Notification.objects.exists() and not mail.outbox

    with clock.frozen_at(WEDNESDAY), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=WEDNESDAY) == 2  # both lead reviewers
    key = f"step:red:{entry.pk}:nominated:{MONDAY_DUE}"
    assert notes(people["reviewer"]) == [key] and notes(people["second"]) == [key]
    # only those who decide: not the clerk, not the lead department's clerk, not the admin
    for name in ("clerk", "lead_clerk", "admin"):
        assert notes(people[name]) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["reviewer1@example.org",
                                                    "reviewer2@example.org"]
    body = mail.outbox[0].body
    assert "红名单，杭州示例建设有限公司：请于2026-03-09前审核推荐" in body
    assert reverse("lists:red_detail", args=[entry.pk]) in body
    assert mail.outbox[0].subject.startswith("【住房领域信用分级分类管理平台】")

    # the job runs again the same day, and the next: nobody is told twice
    with clock.frozen_at(WEDNESDAY), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=WEDNESDAY) == 0
    with clock.frozen_at(dt.date(2026, 3, 5)), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=dt.date(2026, 3, 5)) == 0
    assert len(mail.outbox) == 2
    assert Notification.objects.get(user=people["reviewer"]).emailed_at is not None


def test_the_deadline_job_runs_the_notifications_after_the_procedures(
        people, subject, lead_department, django_capture_on_commit_callbacks):
    nomination(subject, lead_department, due=MONDAY_DUE)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_deadlines(as_of=WEDNESDAY)
    assert run.ok and run.summary["workbench.notify_due"] == 2
    order = list(run.summary)
    assert order[-1] == "workbench.notify_due"
    with django_capture_on_commit_callbacks(execute=True):
        again = run_deadlines(as_of=WEDNESDAY)
    assert again.summary["workbench.notify_due"] == 0
    assert Notification.objects.count() == 2


def test_an_objection_waiting_is_told_to_the_lead_reviewers(
        people, subject, lead_department, django_capture_on_commit_callbacks):
    entry = nomination(subject, lead_department, due=MONDAY_DUE, state=RedState.PUBLICITY)
    objection = Objection.objects.create(
        red_entry=entry, objector="王五", grounds="推荐所依据的等级有误。", filed_on=TUESDAY,
        reply_due_on=dt.date(2026, 3, 20), registered_by=people["reviewer"])
    with clock.frozen_at(TUESDAY), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=TUESDAY) == 2
    note = Notification.objects.get(user=people["second"])
    assert note.kind == Notification.Kind.OBJECTION and note.key == f"objection:{objection.pk}"
    assert "王五" in note.title
    assert notes(people["clerk"]) == []
    # two weeks on, the reply is due within three working days: a new event, told once
    with clock.frozen_at(dt.date(2026, 3, 17)), \
            django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=dt.date(2026, 3, 17)) == 2
        assert notify_due(as_of=dt.date(2026, 3, 17)) == 0
    assert set(notes(people["reviewer"])) == {
        f"objection:{objection.pk}", f"step:objection:{objection.pk}:2026-03-20"}


def test_a_returned_record_is_told_at_once_to_the_clerk_who_entered_it(
        people, subject, catalogue, django_capture_on_commit_callbacks):
    clerk, reviewer = people["clerk"], people["reviewer"]
    record = record_create(
        actor=clerk, subject=subject, record_type=RecordType.objects.get(code="fraud"),
        occurred_on=dt.date(2026, 3, 2), decided_on=dt.date(2026, 3, 2),
        document_number=f"测罚〔2026〕{next(_numbers)}号", submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        record_reject(actor=reviewer, record=record, comment="文号有误，请核对。")
    note = Notification.objects.get()
    assert note.user == clerk and note.kind == Notification.Kind.RECORD_RETURNED
    assert "文号有误" in note.title and note.url == reverse("records:detail", args=[record.pk])
    assert [m.to for m in mail.outbox] == [["clerk1@example.org"]]


def test_the_bell_counts_unread_and_the_list_marks_them_read(people, subject, lead_department):
    reviewer = people["reviewer"]
    entry = nomination(subject, lead_department, due=MONDAY_DUE)
    with clock.frozen_at(WEDNESDAY):
        notify_due(as_of=WEDNESDAY)
    mine = Notification.objects.get(user=reviewer)
    theirs = Notification.objects.get(user=people["second"])
    client = Client()
    client.force_login(reviewer)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="badge-notifications">1<' in home

    page = client.get(reverse("notifications")).content.decode()
    assert mine.title in page and 'data-testid="unread-count">1<' in page
    # someone else's notification cannot be marked from my session
    client.post(reverse("notification_read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # "Open" marks mine read and goes to the case
    response = client.post(reverse("notification_read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:red_detail", args=[entry.pk])
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'data-testid="badge-notifications"' not in client.get(reverse("home")).content.decode()


def test_mark_all_read_touches_only_my_own(people, subject, lead_department):
    nomination(subject, lead_department, due=MONDAY_DUE)
    with clock.frozen_at(WEDNESDAY):
        notify_due(as_of=WEDNESDAY)
    client = Client()
    client.force_login(people["reviewer"])
    assert client.get(reverse("notification_read_all")).status_code == 405
    client.post(reverse("notification_read_all"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert Notification.objects.get(read_at__isnull=True).user == people["second"]
