"""Pages at scale (issue 14): the subject page, the review queue and a list page read a fixed
number of queries however many rows they show (no query per row). Each page is loaded with a
few rows and with many; the query counts must be equal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common import clock
from records.models import CreditRecord, Polarity, RecordState, RecordType, Severity
from subjects.models import Category, Subject

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91350100M000100Y43",
                                  name="福州市示范物业服务有限公司",
                                  category=Category.PROPERTY_SERVICE)


@pytest.fixture
def fine_type(db) -> RecordType:
    return RecordType.objects.create(
        code="penalty_fine_q", name="行政处罚：罚款", polarity=Polarity.BAD,
        severity=Severity.GENERAL, default_points=Decimal("-5"), publicity_months=12,
        legal_basis="《中华人民共和国行政处罚法》第九条")


def add_records(n: int, *, subject: Subject, record_type: RecordType, by: Any,
                state: str) -> None:
    start = CreditRecord.objects.count()
    CreditRecord.objects.bulk_create([
        CreditRecord(subject=subject, record_type=record_type,
                     occurred_on=TODAY - dt.timedelta(days=400),
                     decided_on=TODAY - dt.timedelta(days=i % 300),
                     document_number=f"榕建罚〔2026〕{start + i}号",
                     source_department=by.department, publicity_ends_on=TODAY + dt.timedelta(
                         days=365), state=state, created_by=by, submitted_by=by,
                     submitted_at=clock.now())
        for i in range(n)])


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def test_subject_page_does_not_query_per_record(subject, fine_type, clerk, reviewer):
    client = Client()
    client.force_login(reviewer)
    url = reverse("subjects:detail", args=[subject.pk])
    with clock.frozen_at(TODAY):
        add_records(3, subject=subject, record_type=fine_type, by=clerk,
                    state=RecordState.EFFECTIVE)
        queries(client, url)  # warm: session, per-process caches
        few = queries(client, url)
        add_records(60, subject=subject, record_type=fine_type, by=clerk,
                    state=RecordState.EFFECTIVE)
        many = queries(client, url)
    assert many == few


def test_review_queue_does_not_query_per_record(subject, fine_type, clerk, reviewer):
    client = Client()
    client.force_login(reviewer)
    url = reverse("records:reviews")
    with clock.frozen_at(TODAY):
        add_records(3, subject=subject, record_type=fine_type, by=clerk,
                    state=RecordState.SUBMITTED)
        queries(client, url)
        few = queries(client, url)
        others = [Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code=f"X{i:017d}",
                                         name=f"待审主体{i}", category=Category.BROKERAGE)
                  for i in range(20)]
        for other in others:
            add_records(3, subject=other, record_type=fine_type, by=clerk,
                        state=RecordState.SUBMITTED)
        many = queries(client, url)
    assert many == few


def test_subject_page_counts_every_record_and_draws_the_latest(subject, fine_type, clerk,
                                                                reviewer, monkeypatch):
    """A subject with more records than the page draws: the counts are of every record, the
    latest ARCHIVE_SHOWN are listed, and the page says where the rest are."""
    from records import subject_archive

    monkeypatch.setattr(subject_archive, "ARCHIVE_SHOWN", 5)
    client = Client()
    client.force_login(reviewer)
    with clock.frozen_at(TODAY):
        add_records(8, subject=subject, record_type=fine_type, by=clerk,
                    state=RecordState.EFFECTIVE)
        response = client.get(reverse("subjects:detail", args=[subject.pk]))
    body = response.content.decode()
    assert response.context["record_count"] == 8
    assert [s["count"] for s in response.context["groups"][0]["states"]] == [8]
    assert len(response.context["timeline"]) == 5
    newest = CreditRecord.objects.order_by("-decided_on", "-pk")[:5]
    assert {r.pk for r in response.context["timeline"]} == {r.pk for r in newest}
    assert 'data-testid="records-cut"' in body and "最近的 5 条记录" in body


def test_filter_dropdowns_show_a_changed_source_on_the_next_request(subject, fine_type, clerk,
                                                                   reviewer, other_department):
    """The filter forms' widgets are answered from memory when nothing they show changed
    (`common.form_renderer`): a renamed record type, a new department and a new submitter
    show on the very next request of the review queue and the records list."""
    from accounts.models import Department, Role, User

    client = Client()
    client.force_login(reviewer)
    queue, listing = reverse("records:reviews"), reverse("records:list")
    with clock.frozen_at(TODAY):
        add_records(2, subject=subject, record_type=fine_type, by=clerk,
                    state=RecordState.SUBMITTED)
        for url in (queue, listing, queue, listing):  # rendered, then answered from memory
            body = client.get(url).content.decode()
            assert "行政处罚：罚款" in body and "新设执法大队" not in body
        fine_type.name = "行政处罚：罚款（更名）"
        fine_type.save()
        Department.objects.create(code="zz-new", name="新设执法大队", kind="cooperating")
        newcomer = User.objects.create_user(username="newcomer", password="x",
                                            role=Role.CLERK, department=other_department)
        option = f'<option value="{newcomer.pk}">newcomer</option>'
        assert option not in client.get(queue).content.decode()
        add_records(1, subject=subject, record_type=fine_type, by=newcomer,
                    state=RecordState.SUBMITTED)
        for url in (queue, listing):
            body = client.get(url).content.decode()
            assert "行政处罚：罚款（更名）" in body and "新设执法大队" in body, url
        assert option in client.get(queue).content.decode()  # the submitters' dropdown
