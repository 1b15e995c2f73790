"""Subject writes: validation, duplicates, name history, code confirmation, audited unmasking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accounts.models import User
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from subjects.identifiers import org_code_check_char, uscc_check_char
from subjects.models import Category, Subject, SubjectName
from subjects.services import (
    subject_confirm_code,
    subject_create,
    subject_reveal_code,
    subject_update,
)

USCC = "91350100M000100Y43"
ID_NUMBER = "11010519491231002X"

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    """(subjects, name rows, audit events): a refused write must leave all three unchanged."""
    return Subject.objects.count(), SubjectName.objects.count(), AuditEvent.objects.count()


def enterprise(actor: User, **overrides: Any) -> Subject:
    values: dict[str, Any] = {
        "kind": Subject.Kind.ENTERPRISE, "code": USCC, "name": "福州市示范物业服务有限公司",
        "category": Category.PROPERTY_SERVICE,
    }
    values.update(overrides)
    return subject_create(actor=actor, **values)


def individual(actor: User, **overrides: Any) -> Subject:
    values: dict[str, Any] = {
        "kind": Subject.Kind.INDIVIDUAL, "code": ID_NUMBER, "name": "张三",
        "category": Category.PRACTITIONER,
    }
    values.update(overrides)
    return subject_create(actor=actor, **values)


def warning_code() -> str:
    """A USCC valid in every respect except its embedded organisation code's own check."""
    org8 = "MA1B2C3D"
    wrong = next(c for c in "0123456789" if c != org_code_check_char(org8))
    first17 = "91350100" + org8 + wrong
    return first17 + uscc_check_char(first17)


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


# --- create -------------------------------------------------------------------------------------

def test_create_enterprise_writes_subject_current_name_and_one_event(clerk: User) -> None:
    with clock.frozen_at(dt.date(2024, 5, 6)):
        subject = enterprise(clerk, name="  福州市示范物业服务有限公司 ")
    assert subject.code == USCC
    assert subject.name == "福州市示范物业服务有限公司"
    assert subject.kind == Subject.Kind.ENTERPRISE
    assert not subject.needs_code_confirmation
    names = list(subject.names.all())
    assert [(n.name, n.valid_from, n.valid_until) for n in names] == [
        ("福州市示范物业服务有限公司", dt.date(2024, 5, 6), None)
    ]
    assert counts() == (1, 1, 1)
    event = last_event()
    assert (event.action, event.target_type, event.target_id) == (
        "subject.create", "subjects.subject", str(subject.pk)
    )
    assert event.actor_id == clerk.pk
    assert event.before is None
    assert event.after["code"] == USCC


def test_create_individual(reviewer: User) -> None:
    subject = individual(reviewer, code="11010519491231002x", established_on=dt.date(2010, 1, 1))
    assert subject.code == ID_NUMBER
    assert subject.display_code == "1101**********002X"
    assert subject.names.get().valid_from == dt.date(2010, 1, 1)
    assert counts() == (1, 1, 1)


@pytest.mark.parametrize("again", [USCC, USCC.lower(), " 9135 0100 m000 100y 43 "])
def test_duplicate_code_is_a_conflict_and_writes_nothing(clerk: User, again: str) -> None:
    enterprise(clerk)
    before = counts()
    with pytest.raises(Conflict) as info:
        enterprise(clerk, code=again, name="另一家公司")
    assert (info.value.code, info.value.field) == ("subject_exists", "code")
    assert USCC in str(info.value.message)
    assert counts() == before


@pytest.mark.parametrize("kind,category", [
    (Subject.Kind.INDIVIDUAL, Category.DEVELOPER),
    (Subject.Kind.ENTERPRISE, Category.PRACTITIONER),
])
def test_category_must_match_kind(clerk: User, kind: str, category: str) -> None:
    code = ID_NUMBER if kind == Subject.Kind.INDIVIDUAL else USCC
    with pytest.raises(ValidationFailed) as info:
        subject_create(actor=clerk, kind=kind, code=code, name="某某", category=category)
    assert (info.value.code, info.value.field) == ("category_kind_mismatch", "category")
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_name_is_required(clerk: User, name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        enterprise(clerk, name=name)
    assert (info.value.code, info.value.field) == ("required", "name")
    assert counts() == (0, 0, 0)


def test_unknown_kind_and_category_are_refused(clerk: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        enterprise(clerk, kind="robot")
    assert (info.value.code, info.value.field) == ("bad_kind", "kind")
    with pytest.raises(ValidationFailed) as info:
        enterprise(clerk, category="bank")
    assert (info.value.code, info.value.field) == ("bad_category", "category")
    assert counts() == (0, 0, 0)


def test_invalid_code_is_refused_and_nothing_saved(clerk: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        enterprise(clerk, code="91350100M000100Y44")
    assert (info.value.code, info.value.field) == ("bad_check_character", "code")
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("who", ["window_officer", "leader", "auditor"])
def test_read_only_roles_cannot_register(request: pytest.FixtureRequest, who: str) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        enterprise(actor)
    assert counts() == (0, 0, 0)


# --- organisation-code warning and confirmation --------------------------------------------------

def test_warning_code_needs_confirmation_by_a_reviewer(
    clerk: User, lead_clerk: User, reviewer: User
) -> None:
    subject = enterprise(clerk, code=warning_code())
    subject.refresh_from_db()
    assert "MA1B2C3D" in subject.code_warning
    assert subject.needs_code_confirmation

    before = counts()
    for actor in (clerk, lead_clerk):
        with pytest.raises(PermissionDeniedError):
            subject_confirm_code(actor=actor, subject=subject)
    assert counts() == before
    subject.refresh_from_db()
    assert subject.needs_code_confirmation

    subject_confirm_code(actor=reviewer, subject=subject)
    subject.refresh_from_db()
    assert subject.code_confirmed_by_id == reviewer.pk
    assert not subject.needs_code_confirmation
    assert counts() == (before[0], before[1], before[2] + 1)
    assert last_event().action == "subject.confirm_code"

    with pytest.raises(Conflict) as info:
        subject_confirm_code(actor=reviewer, subject=subject)
    assert info.value.code == "nothing_to_confirm"


def test_clean_code_has_nothing_to_confirm(clerk: User, reviewer: User) -> None:
    subject = enterprise(clerk)
    with pytest.raises(Conflict) as info:
        subject_confirm_code(actor=reviewer, subject=subject)
    assert info.value.code == "nothing_to_confirm"
    assert counts() == (1, 1, 1)


# --- update and name history ---------------------------------------------------------------------

def test_name_change_keeps_history_and_audits_before_and_after(clerk: User) -> None:
    with clock.frozen_at(dt.date(2023, 1, 10)):
        subject = enterprise(clerk, name="旧名称物业公司")
    with clock.frozen_at(dt.date(2024, 3, 1)):
        subject_update(actor=clerk, subject=subject, name="新名称物业公司", address="福州市鼓楼区")
    subject.refresh_from_db()
    assert subject.name == "新名称物业公司"
    former = SubjectName.objects.get(subject=subject, name="旧名称物业公司")
    current = SubjectName.objects.get(subject=subject, valid_until__isnull=True)
    assert (former.valid_from, former.valid_until) == (dt.date(2023, 1, 10), dt.date(2024, 3, 1))
    assert (current.name, current.valid_from) == ("新名称物业公司", dt.date(2024, 3, 1))
    assert counts() == (1, 2, 2)
    event = last_event()
    assert event.action == "subject.update"
    assert event.before["name"] == "旧名称物业公司"
    assert event.after["name"] == "新名称物业公司"
    assert event.after["address"] == "福州市鼓楼区"


def test_update_without_name_change_adds_no_name_row(clerk: User) -> None:
    subject = enterprise(clerk)
    subject_update(actor=clerk, subject=subject, name=f" {subject.name} ", address="地址")
    assert counts() == (1, 1, 2)


@pytest.mark.parametrize("changes,code,field", [
    ({"category": Category.PRACTITIONER}, "category_kind_mismatch", "category"),
    ({"name": "  "}, "required", "name"),
    ({"status": "dissolved"}, "bad_status", "status"),
    ({"code": "91350100M000100Y43"}, "unknown_field", "code"),
])
def test_refused_update_changes_nothing(
    clerk: User, changes: dict[str, Any], code: str, field: str
) -> None:
    subject = enterprise(clerk, name="原名称")
    with pytest.raises(ValidationFailed) as info:
        subject_update(actor=clerk, subject=subject, **changes)
    assert (info.value.code, info.value.field) == (code, field)
    subject.refresh_from_db()
    assert (subject.name, subject.category, subject.status) == (
        "原名称", Category.PROPERTY_SERVICE, Subject.Status.ACTIVE
    )
    assert counts() == (1, 1, 1)


def test_leader_cannot_update(clerk: User, leader: User) -> None:
    subject = enterprise(clerk)
    with pytest.raises(PermissionDeniedError):
        subject_update(actor=leader, subject=subject, name="改名")
    assert counts() == (1, 1, 1)


# --- revealing an ID number ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["admin_user", "reviewer", "window_officer", "auditor"])
def test_reveal_code_is_audited_for_allowed_roles(
    request: pytest.FixtureRequest, clerk: User, who: str
) -> None:
    actor = request.getfixturevalue(who)
    subject = individual(clerk)
    assert subject_reveal_code(actor=actor, subject=subject, purpose="信用核查") == ID_NUMBER
    event = last_event()
    assert (event.action, event.actor_id, event.target_id) == (
        "subject.unmask", actor.pk, str(subject.pk)
    )
    assert event.after == {"purpose": "信用核查", "fields": ["code"]}
    assert counts() == (1, 1, 2)


@pytest.mark.parametrize("who", ["clerk", "leader"])
def test_reveal_code_refused_for_other_roles(
    request: pytest.FixtureRequest, reviewer: User, who: str
) -> None:
    actor = request.getfixturevalue(who)
    subject = individual(reviewer)
    with pytest.raises(PermissionDeniedError):
        subject_reveal_code(actor=actor, subject=subject)
    assert counts() == (1, 1, 1)


def test_enterprise_code_is_public_and_needs_no_audit(clerk: User, leader: User) -> None:
    subject = enterprise(clerk)
    assert subject_reveal_code(actor=leader, subject=subject) == USCC
    assert counts() == (1, 1, 1)
