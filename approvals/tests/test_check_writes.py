"""A credit check writes its rows as plain compiled SQL (`common.statements`, issue 14): prove
that every check still stores its number, snapshot, measures, verification document and audit
event, that the audit log still verifies, and that each row is exactly what the ORM's own
`save()` stores for the same instance (types, JSON, dates and times, on SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model

import audit.services
from approvals import public_urls
from approvals.models import CheckMeasure, CreditCheck
from approvals.selectors import public_summary
from approvals.services import credit_check
from audit.models import AuditEvent
from audit.selectors import verify_chain
from common import clock, statements

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

# the portal's documents (approvals may not import the portal: it registers itself)
VerifiableDocument = public_urls.document_model()
CREDIT_CHECK, CREDIT_REPORT = "credit_check", "credit_report"

MATTER = "property_service_filing"


@pytest.fixture
def inserted(monkeypatch: pytest.MonkeyPatch) -> list[Model]:
    """Every instance the plain-SQL path inserts, as it was when its statement was built."""
    seen: list[Model] = []
    real = statements.insert_statement

    def spy(objs: Any, **kwargs: Any) -> statements.Statement:
        seen.extend(objs)
        return real(objs, **kwargs)

    monkeypatch.setattr(statements, "insert_statement", spy)
    monkeypatch.setattr(audit.services, "insert_statement", spy)
    return seen


def test_every_check_stores_its_rows_and_one_chained_event(graded, good_subject, make_subject,
                                                           window_officer) -> None:
    other = make_subject("福州第二物业服务有限公司")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        checks = [credit_check(actor=window_officer, code_or_name=s.code, matter_code=MATTER)
                  for s in (good_subject, other, good_subject)]
    assert [c.number for c in checks] == [f"XYHC-2026-{n:06d}" for n in (1, 2, 3)]
    for check in checks:
        stored = CreditCheck.objects.get(pk=check.pk)
        assert stored.number == check.number == stored.result["number"]
        assert stored.result == check.result and stored.checked_at == check.checked_at
        assert stored.grade == "AA" and stored.asked_by_id == window_officer.pk
        codes = [m["code"] for m in stored.result["measures"]]
        assert codes and sorted(codes) == sorted(
            CheckMeasure.objects.filter(credit_check=stored).values_list("code", flat=True))
        document = VerifiableDocument.objects.get(kind=CREDIT_CHECK,
                                                  object_id=stored.pk)
        summary = public_summary(number=stored.number)
        summary.pop("number")
        assert document.content == {**summary, "checked_on": MONDAY.isoformat()}
        assert document.subject_id == stored.subject_id and len(document.token) >= 32
        event = AuditEvent.objects.get(action="approvals.check", target_id=str(stored.pk))
        assert event.target_type == "approvals.creditcheck"
        assert event.after["number"] == stored.number
        assert event.after["verification_document"] == document.pk
        assert event.after["measures"] == codes
    assert VerifiableDocument.objects.filter(kind=CREDIT_CHECK).count() == 3
    checked, broken = verify_chain()
    assert broken is None and checked >= 3


def _columns(obj: Model) -> dict[str, Any]:
    if obj.pk is None:  # a measure: inserted with the database's id, found by its check
        return CheckMeasure.objects.filter(credit_check_id=obj.credit_check_id,
                                           code=obj.code).values().get()
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


_twins = itertools.count(10**12)
_twin_of: dict[int, int] = {}


def _orm_copy(obj: Model) -> Model:
    """The same instance saved by the ORM under a new primary key, its unique columns moved."""
    twin = copy.copy(obj)
    twin._state = copy.copy(obj._state)
    twin._state.adding = True
    twin.pk = None
    if isinstance(twin, CreditCheck):
        twin.number = f"XYHC-2026-{next(_twins)}"
    elif isinstance(twin, CheckMeasure):  # one row per check and measure: the twin check's
        twin.credit_check_id = _twin_of[obj.credit_check_id]
    elif isinstance(twin, VerifiableDocument):
        twin.token, twin.kind = "twin-" + twin.token[:40], CREDIT_REPORT
    elif isinstance(twin, AuditEvent):
        twin.seq = twin.stream_seq = twin.id = next(_twins)
        twin.hash = f"{twin.seq:064x}"
    twin.save(force_insert=True)
    _twin_of[obj.pk] = twin.pk
    return twin


def test_rows_equal_what_the_orm_stores(graded, good_subject, window_officer,
                                        inserted) -> None:
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=MATTER)
    kinds = {type(obj) for obj in inserted}
    assert kinds == {CreditCheck, CheckMeasure, VerifiableDocument, AuditEvent}
    assert any(isinstance(o, CreditCheck) and o.pk == check.pk for o in inserted)
    moved = {"id", "number", "token", "kind", "seq", "stream_seq", "hash", "credit_check_id"}
    with transaction.atomic():
        for obj in inserted:
            stored = _columns(obj)
            twin = _columns(_orm_copy(obj))
            assert {k: v for k, v in stored.items() if k not in moved} == \
                {k: v for k, v in twin.items() if k not in moved}, type(obj).__name__
            assert obj.pk is None or stored["id"] == obj.pk
        transaction.set_rollback(True)


def test_a_failed_write_leaves_nothing(graded, good_subject, window_officer,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes are one transaction: an audit event that cannot be written takes the
    number, the snapshot, the measures and the document with it."""
    graded(MONDAY)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit.services, "digest_of", broken)
    with clock.frozen_at(MONDAY), pytest.raises(RuntimeError):
        credit_check(actor=window_officer, code_or_name=good_subject.code, matter_code=MATTER)
    assert not CreditCheck.objects.exists() and not CheckMeasure.objects.exists()
    assert not VerifiableDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="approvals.check").exists()
    with clock.frozen_at(MONDAY + dt.timedelta(days=1)):
        monkeypatch.undo()
        check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=MATTER)
    assert check.number == "XYHC-2026-000001"  # the failed check's number was rolled back
