"""Builders for supervision tests: subjects with valid codes, grades in a scoring batch,
an inspector pool, the record catalogue and the default measures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone

from subjects.identifiers import id_check_char, org_code_check_char, uscc_check_char
from subjects.models import Subject
from supervision.models import Inspector, InspectorPool
from supervision.services import measures_install_defaults


def uscc(n: int) -> str:
    """A valid USCC (GB 32100) for a market-regulation enterprise in 北京东城 number n."""
    first8 = f"{n:08d}"
    first17 = "91110101" + first8 + org_code_check_char(first8)
    return first17 + uscc_check_char(first17)


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643) born 1990-03-07, sequence n."""
    first17 = f"11010119900307{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def make_subjects(db) -> Callable[..., list[Subject]]:
    counter = {"n": 0}

    def make(count: int, *, category: str = "property_service",
             kind: str = "enterprise") -> list[Subject]:
        out = []
        for _ in range(count):
            counter["n"] += 1
            n = counter["n"]
            code = uscc(n) if kind == "enterprise" else id_number(n)
            out.append(Subject.objects.create(
                kind=kind, code=code, name=f"主体{n:04d}", category=category))
        return out

    return make


@pytest.fixture
def grade(db) -> Callable[..., object]:
    """Put subjects' grades in a complete batch and point the category's CurrentBatch at it."""
    from scoring.models import CurrentBatch, Evaluation, EvaluationBatch, ScoringModel

    def make(grades: dict[Subject, str], *, category: str = "property_service",
             as_of: dt.date = dt.date(2025, 1, 1)) -> EvaluationBatch:
        model, _ = ScoringModel.objects.get_or_create(
            code=f"test-{category}", version=1,
            defaults={"name": "test", "category": category, "effective_from": as_of,
                      "source": "", "spec": {}},
        )
        batch = EvaluationBatch.objects.create(
            model=model, category=category, as_of=as_of, status="complete",
            started_at=timezone.now(), finished_at=timezone.now(), subject_count=len(grades))
        Evaluation.objects.bulk_create(
            Evaluation(batch=batch, subject=s, score=0, grade=g) for s, g in grades.items())
        CurrentBatch.objects.update_or_create(
            category=category, defaults={"batch": batch, "switched_at": timezone.now()})
        return batch

    return make


@pytest.fixture
def measures(db) -> None:
    measures_install_defaults(actor=None)


@pytest.fixture
def record_types(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def pool(db) -> InspectorPool:
    pool = InspectorPool.objects.create(name="执法人员名录库")
    units = ["市场股", "物业股", "执法大队", "开发股"]
    for n in range(12):
        Inspector.objects.create(pool=pool, name=f"检查员{n:02d}", unit_name=units[n % 4])
    return pool


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """The shared user fixtures hash passwords with PBKDF2 (~1 s per user); supervision tests
    never check passwords, so a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
