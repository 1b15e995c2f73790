"""Fixtures for the lists tests: the record catalogue, subjects and effective records."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from common import clock
from records.models import CreditRecord, RecordType
from records.services import record_approve, record_create
from subjects.models import Subject

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    """Notices are written under a throw-away MEDIA_ROOT; accounts hash passwords fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogue(db) -> None:
    """The record catalogue, and the black-list grounds (re-seeded: a `transaction=True`
    test's flush empties the rows the data migration wrote)."""
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
    """An effective record of `type_code` for `subject`, entered by the clerk, approved by the
    reviewer (the records app's own four-eyes path)."""

    def make(subject: Subject, type_code: str, *, decided_on: dt.date | None = None,
             occurred_on: dt.date | None = None) -> CreditRecord:
        decided_on = decided_on or clock.today()
        record = record_create(
            actor=clerk, subject=subject, record_type=RecordType.objects.get(code=type_code),
            occurred_on=occurred_on or decided_on, decided_on=decided_on,
            document_number=f"住建罚〔2026〕{next(_numbers)}号", submit=True,
        )
        return record_approve(actor=reviewer, record=record)

    return make
