"""Fixtures for the approvals tests: catalogue, graded subjects, list entries, tokens.

Tests that call the API use the platform's URLs (workbench/api.py mounts the approvals router).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from approvals.api import SCOPE_CHECKS, SCOPE_MATTERS
from approvals.catalogue import install_current
from approvals.selectors import forget_rule_books
from common import clock
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_create
from scoring.engine import regrade_in_effect
from scoring.services import install_shipped_models
from subjects.identifiers import org_code_check_char, uscc_check_char
from subjects.models import Subject, SubjectName

MONDAY = dt.date(2026, 3, 2)  # no holiday within three weeks of it (2026 State Council notice)
ESTABLISHED = dt.date(2015, 1, 1)
_numbers = itertools.count(1)
PDF = b"%PDF-1.4\n% signed commitment\n"


def uscc(n: int, region: str = "350100") -> str:
    """A valid unified social credit code (GB 32100) with a valid embedded organisation code."""
    org = f"{n:08d}"
    first17 = f"91{region}{org}{org_code_check_char(org)}"
    return first17 + uscc_check_char(first17)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> None:
    """Scans go to a throw-away MEDIA_ROOT; each test loads its own rule book."""
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_rule_books()


@pytest.fixture
def catalogue(db) -> None:
    """Record catalogue, black-list grounds and the approvals catalogue (re-seeded: a
    `transaction=True` test's flush empties what the data migrations wrote)."""
    import importlib

    from django.apps import apps as django_apps

    call_command("loaddata", "record_types", verbosity=0)
    importlib.import_module("lists.migrations.0002_blacklist_grounds").seed(django_apps, None)
    install_current()
    from supervision.services import measures_install_defaults

    measures_install_defaults()  # grade → measures: the one table approvals reads


@pytest.fixture
def graded(catalogue) -> Callable[[dt.date], None]:
    """Install and publish the shipped scoring models; `graded(day)` re-grades everyone."""
    install_shipped_models(publish=True)

    def regrade(day: dt.date) -> None:
        with clock.frozen_at(day):
            regrade_in_effect(as_of=day)

    return regrade


def new_subject(name: str, *, category: str = "property_service",
                established_on: dt.date | None = ESTABLISHED, former: str = "") -> Subject:
    subject = Subject.objects.create(kind="enterprise", code=uscc(next(_numbers)), name=name,
                                     category=category, established_on=established_on,
                                     legal_representative="李四")
    SubjectName.objects.create(subject=subject, name=name)
    if former:
        SubjectName.objects.create(subject=subject, name=former, valid_from=dt.date(2010, 1, 1),
                                   valid_until=dt.date(2019, 12, 31))
    return subject


@pytest.fixture
def make_subject(db) -> Callable[..., Subject]:
    return new_subject


@pytest.fixture
def good_subject(catalogue) -> Subject:
    """A property-service company established 2015 without records: AA in the composite model."""
    return new_subject("福州示范物业服务有限公司")


@pytest.fixture
def make_record(catalogue, clerk, reviewer) -> Callable[..., CreditRecord]:
    """An effective record (clerk enters, reviewer approves: the records app's four eyes)."""

    def make(subject: Subject, type_code: str, *, decided_on: dt.date) -> CreditRecord:
        with clock.frozen_at(decided_on):
            record = record_create(
                actor=clerk, subject=subject, record_type=RecordType.objects.get(code=type_code),
                occurred_on=decided_on, decided_on=decided_on,
                document_number=f"测罚〔{decided_on.year}〕{next(_numbers)}号", submit=True)
            return record_approve(actor=reviewer, record=record)

    return make


@pytest.fixture
def blacklist(catalogue, clerk, reviewer) -> Callable[..., Any]:
    """Put a subject on the black list, in force (entered directly in its final state: the
    lists app tests its own procedure)."""
    from lists.models import BlackListEntry, BlacklistGround

    def put(subject: Subject, *, since: dt.date) -> BlackListEntry:
        return BlackListEntry.objects.create(
            subject=subject, ground=BlacklistGround.objects.order_by("sort", "code").first(),
            department=clerk.department, facts="以虚假材料取得资质。", proposed_by=clerk,
            proposed_at=clock.now(), decision_number="住建信〔2026〕7号", decided_on=since,
            decided_by=reviewer, decision_basis="建市〔2017〕241号 第十四条",
            decision_reasons="事实清楚", measures="重点监管", duration_months=12,
            effective_from=since, effective_until=since + dt.timedelta(days=365),
            state="in_force")

    return put


def scan(name: str = "承诺书.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes() -> bytes:
    buf = BytesIO()
    buf.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    return buf.getvalue()


class Api:
    """A test client speaking JSON with one bearer token."""

    def __init__(self, plaintext: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {plaintext}"} if plaintext else {}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)


@pytest.fixture
def token(admin_user, lead_department) -> Callable[..., tuple[Any, str]]:
    """token(scopes) → (ApiToken, plaintext) for the lead department's window system.

    The approvals scopes are set on the row directly, so the tests do not depend on the lead
    adding them to accounts.models.Scope (token_issue validates against that list)."""
    from accounts.api_tokens import token_issue
    from accounts.models import ApiToken

    def issue(scopes: list[str] | None = None) -> tuple[Any, str]:
        wanted = [SCOPE_CHECKS, SCOPE_MATTERS] if scopes is None else scopes
        issued, plaintext = token_issue(actor=admin_user, department=lead_department,
                                        name="窗口受理系统", scopes=["subjects:read"])
        ApiToken.objects.filter(pk=issued.pk).update(scopes=wanted)
        return ApiToken.objects.get(pk=issued.pk), plaintext

    return issue


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def as_json(response: Any) -> Any:
    return json.loads(response.content)
