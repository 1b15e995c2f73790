"""Builders for scoring tests: the record catalogue, shipped models, subjects and records.

Records are created directly in their final state (the review workflow is tested in records);
what matters here is what the scoring rules read from them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from records.models import CreditRecord, RecordType
from scoring.models import ScoringModel
from scoring.services import install_shipped_models
from subjects.models import Subject

_codes = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgids (the pages are checked in Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def record_types(db) -> dict[str, RecordType]:
    call_command("loaddata", "record_types", verbosity=0)
    return {t.code: t for t in RecordType.objects.all()}


@pytest.fixture
def shipped(record_types) -> dict[str, ScoringModel]:
    """The three shipped models, published (as `load_scoring_models` installs them)."""
    return {m.category: m for m in install_shipped_models(publish=True)}


def new_subject(category: str = "property_service", *, established_on: dt.date | None = None,
                qualification: str = "", status: str = "active", name: str = "") -> Subject:
    n = next(_codes)
    kind = "individual" if category == "practitioner" else "enterprise"
    return Subject.objects.create(
        kind=kind, code=f"T{n:017d}", name=name or f"测试主体{n}", category=category,
        established_on=established_on, qualification=qualification, status=status)


@pytest.fixture
def make_subject(db) -> Callable[..., Subject]:
    return new_subject


@pytest.fixture
def make_record(record_types, reviewer) -> Callable[..., CreditRecord]:
    def make(subject: Subject, code: str, *, decided_on: dt.date,
             publicity_ends_on: dt.date | None = None, state: str = "effective",
             amount: Decimal | int | None = None, level: str = "", **extra: Any
             ) -> CreditRecord:
        from records.rules import publicity_end_date

        record_type = record_types[code]
        n = next(_codes)
        return CreditRecord.objects.create(
            subject=subject, record_type=record_type, occurred_on=decided_on,
            decided_on=decided_on,
            publicity_ends_on=publicity_ends_on or publicity_end_date(
                record_type=record_type, decided_on=decided_on),
            document_number=f"测字〔{decided_on.year}〕{n}号",
            created_by=reviewer, state=state,
            amount=None if amount is None else Decimal(amount), level=level,
            **{"source_department": reviewer.department, **extra})

    return make
