"""Fixtures for the self-service tests: the catalogue, an enterprise with a verified account,
effective records (the lists tests' own helpers walk list entries)."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import call_command

from appeals import services
from appeals.models import EnterpriseAccount
from common import clock
from common.browser_testing import PASSWORD
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_create
from subjects.models import Subject

_numbers = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    """Evidence goes to a throw-away MEDIA_ROOT; rate-limit counters start at zero."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)
    seed = importlib.import_module("lists.migrations.0002_blacklist_grounds")
    seed.seed(django_apps, None)


@pytest.fixture
def subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91330100716105852F",
                                  name="杭州示例建设有限公司", category="builder",
                                  legal_representative="张三")


@pytest.fixture
def other_subject(db) -> Subject:
    return Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code="91110000600037341L",
                                  name="北京样例物业服务有限公司", category="property_service")


@pytest.fixture
def make_record(catalogue, clerk, reviewer) -> Callable[..., CreditRecord]:
    def make(subject: Subject, type_code: str, *, decided_on: dt.date | None = None
             ) -> CreditRecord:
        decided_on = decided_on or clock.today()
        record = record_create(
            actor=clerk, subject=subject, record_type=RecordType.objects.get(code=type_code),
            occurred_on=decided_on, decided_on=decided_on,
            document_number=f"住建罚〔2026〕{next(_numbers)}号", submit=True,
            internal_note="内部备注：不得外泄")
        return record_approve(actor=reviewer, record=record)

    return make


@pytest.fixture
def enterprise_user(subject, reviewer):
    """A verified enterprise account with a lasting password (the browser fixtures' one)."""
    account = services.account_register(username="ent_user", password=PASSWORD,
                                        subject_code=subject.code, contact_name="王经理",
                                        contact_phone="13812345678")
    services.account_decide(actor=reviewer, account=account, verify=True)
    return EnterpriseAccount.objects.get(pk=account.pk).user
