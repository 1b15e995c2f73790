"""A commitment (容缺受理承诺) about to expire is told to the window officer who recorded it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from approvals.services import commitment_record, credit_check
from approvals.tests.conftest import (  # noqa: F401 — fixtures
    MONDAY,
    _isolated,
    catalogue,
    good_subject,
    graded,
    scan,
)
from common import clock
from workbench.notify import notice_horizon, notify_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(graded, good_subject, window_officer, reviewer):  # noqa: F811
    window_officer.email, reviewer.email = "window1@example.org", "reviewer1@example.org"
    window_officer.save()
    reviewer.save()
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code="property_service_filing")
        return commitment_record(actor=window_officer, credit_check=check,
                                 missing=["business_licence"], signer="李四", scan=scan())


def test_the_officer_is_told_three_working_days_before_the_deadline_once(
        commitment, window_officer, django_capture_on_commit_callbacks):
    first = MONDAY
    while notice_horizon(as_of=first) < commitment.deadline:
        first += dt.timedelta(days=1)
    day_before = first - dt.timedelta(days=1)
    assert day_before >= MONDAY  # the deadline lies beyond the first horizon
    with clock.frozen_at(day_before), django_capture_on_commit_callbacks(execute=True):
        notify_due(as_of=day_before)
    assert not Notification.objects.exists()
    with clock.frozen_at(first), django_capture_on_commit_callbacks(execute=True):
        assert notify_due(as_of=first) == 1
        assert notify_due(as_of=first) == 0
    note = Notification.objects.get()
    assert note.user == window_officer and note.kind == Notification.Kind.COMMITMENT_DUE
    assert note.url == reverse("approvals:commitment", args=[commitment.pk])
    assert commitment.credit_check.number in note.title
    assert [m.to for m in mail.outbox] == [["window1@example.org"]]


def test_window_officer_home_shows_the_check_form_and_commitments_due(
        commitment, window_officer):
    client = Client()
    client.force_login(window_officer)
    with clock.frozen_at(commitment.deadline):
        body = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-check-form"' in body
    assert f'action="{reverse("approvals:run_check")}"' in body
    assert commitment.credit_check.number in body
    assert 'data-testid="commitments-due-count">1<' in body
    with clock.frozen_at(commitment.deadline + dt.timedelta(days=1)):
        body = client.get(reverse("home")).content.decode()
    assert 'data-testid="commitments-overdue-count">1<' in body
