"""Writes on credit subjects: one function per business action, each in one transaction with its
audit event. Forms, the API and imports all come through here, so validation is identical."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from audit.services import record_event, snapshot
from common import clock
from common.errors import Conflict, ValidationFailed
from common.limits import EARLIEST_DATE, LATEST_DATE
from common.text import clean_line
from subjects import masking, qualifications
from subjects.identifiers import validate_subject_code
from subjects.models import Category, Subject, SubjectName

EDITABLE_FIELDS = (
    "name", "category", "status", "legal_representative", "address", "contact_phone",
    "qualification", "established_on", "employer",
)


def _check_fields(*, kind: str, name: str, category: str, status: str | None = None) -> None:
    if kind not in Subject.Kind.values:
        raise ValidationFailed("bad_kind", _("Choose whether the subject is an enterprise or an "
                                             "individual."), field="kind")
    if not name.strip():
        raise ValidationFailed("required", _("The name is required."), field="name")
    if category not in Category.values:
        raise ValidationFailed("bad_category", _("Unknown category %(c)s.") % {"c": category},
                               field="category")
    if (kind == Subject.Kind.INDIVIDUAL) != (category == Category.PRACTITIONER):
        raise ValidationFailed(
            "category_kind_mismatch",
            _("Individuals are practitioners; enterprises take one of the enterprise categories."),
            field="category",
        )
    if status is not None and status not in Subject.Status.values:
        raise ValidationFailed("bad_status", _("Unknown status %(s)s.") % {"s": status},
                               field="status")


def _check_established_on(value: dt.date | None) -> None:
    """The plausible range every door shares (`common.limits`): no `0001-01-01` typo."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationFailed(
            "date_range", _("The date must lie between %(start)s and %(end)s.")
            % {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()},
            field="established_on")


@transaction.atomic
def subject_create(
    *, actor: User, kind: str, code: str, name: str, category: str,
    legal_representative: str = "", address: str = "", contact_phone: str = "",
    qualification: str = "", established_on: dt.date | None = None,
    employer: Subject | None = None,
) -> Subject:
    """Register a subject after validating its code in full.

    A USCC whose embedded organisation code fails only its GB 11714 check is accepted, with the
    warning kept on the subject until a reviewer confirms it (`subject_confirm_code`).
    """
    permissions.require(permissions.can_edit_subjects(actor), _("register subjects"))
    name, legal_representative, address, contact_phone, qualification = (
        clean_line(v) for v in (name, legal_representative, address, contact_phone,
                                qualification))
    _check_established_on(established_on)
    _check_fields(kind=kind, name=name, category=category)  # first: the kind picks the code rule
    checked = validate_subject_code(code, kind=kind)
    qualifications.require_listed(category=category, qualification=qualification)
    if Subject.objects.filter(code=checked.code).exists():
        raise Conflict("subject_exists",
                       _("A subject with code %(code)s is already registered.")
                       % {"code": checked.code}, field="code")
    subject = Subject(
        kind=kind, code=checked.code, name=name, category=category,
        legal_representative=legal_representative, address=address,
        contact_phone=contact_phone, qualification=qualification,
        established_on=established_on, employer=employer,
        code_warning="; ".join(checked.warnings),
    )
    try:
        with transaction.atomic():
            subject.save()
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise Conflict("subject_exists",
                       _("A subject with code %(code)s is already registered.")
                       % {"code": checked.code}, field="code") from exc
    SubjectName.objects.create(subject=subject, name=subject.name,
                               valid_from=established_on or clock.today())
    record_event(actor=actor, action="subject.create", target=subject, after=snapshot(subject))
    return subject


@transaction.atomic
def subject_update(*, actor: User, subject: Subject, **changes: Any) -> Subject:
    """Change a subject's details; a new name closes the current one into the name history."""
    permissions.require(permissions.can_edit_subjects(actor), _("edit subjects"))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("unknown_field", _("These fields cannot be changed: %(f)s.")
                               % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    before = snapshot(subject)
    old_name = subject.name
    for key, value in changes.items():
        setattr(subject, key, clean_line(value) if isinstance(value, str) else value)
    _check_established_on(subject.established_on)
    _check_fields(kind=subject.kind, name=subject.name, category=subject.category,
                  status=subject.status)
    if subject.qualification != before.get("qualification") or "category" in changes:
        qualifications.require_listed(category=subject.category,
                                      qualification=subject.qualification)
    subject.save()
    if subject.name != old_name:
        today = clock.today()
        SubjectName.objects.filter(subject=subject, valid_until__isnull=True).update(
            valid_until=today
        )
        SubjectName.objects.create(subject=subject, name=subject.name, valid_from=today)
    record_event(actor=actor, action="subject.update", target=subject, before=before,
                 after=snapshot(subject))
    return subject


@transaction.atomic
def subject_confirm_code(*, actor: User, subject: Subject) -> Subject:
    """A reviewer confirms a code that failed only the organisation-code check."""
    permissions.require(permissions.can_review_records(actor), _("confirm subject codes"))
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if not subject.needs_code_confirmation:
        raise Conflict("nothing_to_confirm", _("This subject's code needs no confirmation."))
    subject.code_confirmed_by = actor
    subject.save(update_fields=["code_confirmed_by", "updated_at"])
    record_event(actor=actor, action="subject.confirm_code", target=subject,
                 after={"code": subject.code, "warning": subject.code_warning})
    return subject


@transaction.atomic
def subject_reveal_personal_data(*, actor: User, subject: Subject,
                                 purpose: str = "") -> dict[str, str]:
    """The subject's personal fields in full (ID number, address, phone) for a role allowed to
    see them, auditing the view with the fields shown (《个人信息保护法》 第五十一条).

    Nothing masked, nothing to audit: an enterprise without a contact phone shows everything
    to everyone already.
    """
    fields = masking.masked_fields(subject)
    full = {f: getattr(subject, f) for f in masking.PERSONAL_FIELDS}
    if not fields:
        return full
    permissions.require(permissions.can_unmask_personal_data(actor),
                        _("see full personal data"))
    record_event(actor=actor, action="subject.unmask", target=subject,
                 after={"purpose": purpose, "fields": fields})
    return full


def subject_reveal_code(*, actor: User, subject: Subject, purpose: str = "") -> str:
    """An individual's full ID number (the reveal of every personal field, audited as such)."""
    if subject.kind != Subject.Kind.INDIVIDUAL:
        return subject.code
    return subject_reveal_personal_data(actor=actor, subject=subject, purpose=purpose)["code"]
