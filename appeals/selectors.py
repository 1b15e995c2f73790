"""Reads for /my/ (one subject's own archive, never internal notes) and the staff queues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from appeals.models import Appeal, CreditCommitment, EnterpriseAccount, RepairApplication
from approvals.models import Commitment
from common import clock
from lists.models import (
    BlackListEntry,
    IndustrySanction,
    NoticeDocument,
    RedListEntry,
    RepairRequest,
)
from lists.selectors import next_step
from records.models import CreditRecord, RecordState
from scoring import selectors as scoring_selectors
from subjects.models import Subject

#: What an enterprise may read of its records: everything it was told, never the staff's notes.
RECORD_FIELDS = ("id", "document_number", "record_type__name", "record_type__polarity",
                 "occurred_on", "decided_on", "publicity_ends_on", "state", "is_public",
                 "description", "source_department__name")


#: Record states that never took effect: staff's work in progress, not the subject's archive.
NOT_IN_ARCHIVE = (RecordState.DRAFT, RecordState.SUBMITTED, RecordState.REJECTED)


def archive(*, subject: Subject) -> list[dict[str, Any]]:
    """The subject's whole archive: every record that took effect (public or not, in publicity
    or ended, corrected, revoked, repaired), never drafts, rejected entries or internal notes."""
    qs = (CreditRecord.objects.filter(subject=subject)
          .exclude(state__in=NOT_IN_ARCHIVE)
          .order_by("-decided_on", "-id"))
    rows = list(qs.values(*RECORD_FIELDS))
    labels = dict(RecordState.choices)
    for row in rows:  # the state as the page says it, in the reader's language
        row["state_label"] = labels.get(row["state"], row["state"])
    return rows


def records_in_publicity(*, subject: Subject) -> QuerySet[CreditRecord]:
    return CreditRecord.objects.filter(subject=subject, state=RecordState.EFFECTIVE,
                                       publicity_ends_on__gte=clock.today())


@dataclass(frozen=True)
class EntryView:
    entry: Any
    kind: str
    step: Any
    notices: list[NoticeDocument]
    objections: list[Any]
    repairs: list[RepairRequest]


def list_entries(*, subject: Subject) -> list[EntryView]:
    """Every list entry of the subject with its next step and deadline, notices, objections."""
    views = []
    for kind, model in (("black", BlackListEntry), ("red", RedListEntry)):
        for entry in model.objects.filter(subject=subject).order_by("-id"):
            views.append(EntryView(
                entry=entry, kind=kind, step=next_step(entry),
                notices=list(entry.notices.all()), objections=list(entry.objections.all()),
                repairs=list(entry.repair_requests.all()) if kind == "black" else []))
    return views


def sanctions(*, subject: Subject) -> list[IndustrySanction]:
    return list(IndustrySanction.objects.filter(subject=subject).order_by("-id"))


def notices(*, subject: Subject) -> QuerySet[NoticeDocument]:
    from django.db.models import Q

    return NoticeDocument.objects.filter(
        Q(black_entry__subject=subject) | Q(red_entry__subject=subject)
        | Q(sanction__subject=subject)).order_by("-issued_on", "-id")


def notice(*, subject: Subject, pk: int) -> NoticeDocument | None:
    return notices(subject=subject).filter(pk=pk).first()


def commitments(*, subject: Subject) -> list[Commitment]:
    """Commitments to supply materials (容缺受理) and what each requires by when."""
    return list(Commitment.objects.filter(subject=subject).select_related("matter")
                .order_by("-accepted_on"))


def credit_commitments(*, subject: Subject) -> QuerySet[CreditCommitment]:
    return CreditCommitment.objects.filter(subject=subject)


def appeals(*, subject: Subject) -> QuerySet[Appeal]:
    return Appeal.objects.filter(subject=subject).select_related("record", "list_objection")


def repairs(*, subject: Subject) -> QuerySet[RepairApplication]:
    return RepairApplication.objects.filter(subject=subject).select_related("request")


def grade(*, subject: Subject) -> Any:
    return scoring_selectors.explanation(subject=subject)


@dataclass(frozen=True)
class QueueItem:
    appeal: Appeal
    days_left: int


def objection_queue(*, as_of: dt.date | None = None) -> list[QueueItem]:
    """Pending objections, the most urgent first, with the days left to answer."""
    today = as_of or clock.today()
    return [QueueItem(a, (a.answer_due_on - today).days)
            for a in Appeal.objects.filter(state=Appeal.State.PENDING)
            .select_related("subject").order_by("answer_due_on", "id")]


def pending_accounts() -> QuerySet[EnterpriseAccount]:
    """Registrations to decide: those of a known enterprise to verify or refuse, and those whose
    code matches no enterprise of the county (the registrant was not told), to refuse."""
    return EnterpriseAccount.objects.filter(state__in=[
        EnterpriseAccount.State.PENDING, EnterpriseAccount.State.UNMATCHED]).select_related(
        "subject", "user").order_by("registered_at")


def pending_repairs() -> QuerySet[RepairApplication]:
    return RepairApplication.objects.filter(request__state=RepairRequest.State.PENDING
                                            ).select_related("subject", "request"
                                                             ).order_by("request__decision_due_on")
