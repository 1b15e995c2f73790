"""Reads of credit records, with what each role may see applied in one place."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import permissions
from accounts.models import User
from common import clock
from records.models import CreditRecord, RecordState, RecordType
from subjects.models import Subject


def visible_records(*, user: User) -> QuerySet[CreditRecord]:
    """Clerks see their own department's records; other staff roles see every department's."""
    qs = CreditRecord.objects.select_related("record_type", "subject", "source_department")
    if not permissions.is_staff_member(user):
        return qs.none()
    if permissions.can_see_all_departments(user):
        return qs
    return qs.filter(source_department_id=user.department_id)


def filtered_records(
    *, user: User, source_department_id: int | None = None, source_kind: str = "",
    state: str = "",
) -> QuerySet[CreditRecord]:
    """The records list: what this user may see, narrowed by source (one department, or every
    source of a kind: government department, rating agency, industry association) and state;
    newest entry first (the primary key's index serves the page)."""
    qs = visible_records(user=user)
    if source_department_id:
        qs = qs.filter(source_department_id=source_department_id)
    if source_kind:
        qs = qs.filter(source_department__source_kind=source_kind)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def records_for_subject(*, subject: Subject, user: User) -> QuerySet[CreditRecord]:
    """A subject's whole archive as this user may see it, newest decision first."""
    return visible_records(user=user).filter(subject=subject).order_by("-decided_on", "-id")


def pending_reviews(*, user: User) -> QuerySet[CreditRecord]:
    """Records waiting for this reviewer: submitted, and not entered or submitted by them."""
    if not permissions.can_review_records(user):
        return CreditRecord.objects.none()
    return (
        visible_records(user=user)
        .filter(state=RecordState.SUBMITTED)
        .exclude(Q(submitted_by=user) | Q(created_by=user))
        .order_by("submitted_at")
    )


def my_drafts(*, user: User) -> QuerySet[CreditRecord]:
    return visible_records(user=user).filter(state=RecordState.DRAFT, created_by=user)


def public_records(*, subject: Subject) -> QuerySet[CreditRecord]:
    """What the public may see: effective, marked public, type public, publicity still running."""
    return CreditRecord.objects.filter(
        subject=subject, state=RecordState.EFFECTIVE, is_public=True,
        record_type__is_public=True, publicity_ends_on__gte=clock.today(),
    ).select_related("record_type", "source_department")


def active_record_types() -> QuerySet[RecordType]:
    return RecordType.objects.filter(is_active=True).order_by("polarity", "group", "code")
