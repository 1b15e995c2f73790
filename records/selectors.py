"""Reads of credit records, with what each role may see applied in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from accounts import permissions
from accounts.models import Department, User
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


def _narrowed(qs: QuerySet[CreditRecord], **lookups: Any) -> QuerySet[CreditRecord]:
    """`qs` filtered by each lookup a page set; None or an empty string means not set."""
    return qs.filter(**{k: v for k, v in lookups.items() if v is not None and v != ""})


def review_queue(
    *, user: User, department: Department | None = None, record_type: RecordType | None = None,
    severity: str = "", source: str = "", older_than_days: int | None = None,
    submitted_by: User | None = None,
) -> QuerySet[CreditRecord]:
    """The reviewer's queue (`pending_reviews`) narrowed by the queue page's filters.

    `source` is the kind of the source department (lead, cooperating unit, external system);
    `older_than_days` keeps what was submitted at least that many days ago (by the clock).
    """
    since = (clock.now() - dt.timedelta(days=older_than_days)) if older_than_days else None
    qs = _narrowed(pending_reviews(user=user), source_department=department,
                   record_type=record_type, record_type__severity=severity,
                   source_department__kind=source, submitted_at__lte=since,
                   submitted_by=submitted_by)
    return qs.order_by("submitted_at", "pk")


def record_list(
    *, user: User, subject: Subject | None = None, state: str = "", polarity: str = "",
    record_type: RecordType | None = None, department: Department | None = None,
    source: str = "", decided_from: dt.date | None = None, decided_to: dt.date | None = None,
    document_number: str = "", source_kind: str = "",
) -> QuerySet[CreditRecord]:
    """The records list page: what this user may see (`visible_records`), narrowed by its
    filters, newest decision first. `source` is the kind of the source department, as in
    `review_queue`; `source_kind` what kind of source it is (government department, rating
    agency, industry association: `Department.SourceKind`)."""
    qs = _narrowed(visible_records(user=user).select_related("submitted_by"),
                   subject=subject, state=state, record_type__polarity=polarity,
                   record_type=record_type, source_department=department,
                   source_department__kind=source,
                   source_department__source_kind=source_kind, decided_on__gte=decided_from,
                   decided_on__lte=decided_to, document_number__icontains=document_number)
    return qs.order_by("-decided_on", "-pk")


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
