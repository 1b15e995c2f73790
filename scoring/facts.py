"""Read subjects and records from the ORM into the evaluator's plain dataclasses.

Kept apart from `scoring.evaluator` so the evaluator never touches the database; reads are
set-based (one query for all requested subjects' records), for the explanation of one subject
and for the what-if list of changed subjects alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from records.models import CreditRecord, RecordState
from scoring.evaluator import RecordFacts, SubjectFacts
from subjects.models import Subject


def subject_facts(subject: Subject) -> SubjectFacts:
    return SubjectFacts(id=subject.pk, established_on=subject.established_on,
                        qualification=subject.qualification, status=subject.status)


def subject_facts_for(subject_ids: Iterable[int]) -> dict[int, SubjectFacts]:
    rows = Subject.objects.filter(pk__in=list(subject_ids)).values(
        "id", "established_on", "qualification", "status")
    return {r["id"]: SubjectFacts(id=r["id"], established_on=r["established_on"],
                                  qualification=r["qualification"], status=r["status"])
            for r in rows}


def record_facts_for(subject_ids: Iterable[int]) -> dict[int, list[RecordFacts]]:
    """Effective records of the subjects (the only state any model counts), by subject, each
    with its source department's kind (the model's `[sources]` weighs by it)."""
    out: dict[int, list[RecordFacts]] = defaultdict(list)
    rows = CreditRecord.objects.filter(
        subject_id__in=list(subject_ids), state=RecordState.EFFECTIVE
    ).values(
        "id", "subject_id", "state", "decided_on", "publicity_ends_on", "amount", "level",
        "record_type__code", "record_type__group", "record_type__polarity",
        "record_type__severity", "record_type__default_points",
        "source_department__source_kind",
    )
    for r in rows:
        out[r["subject_id"]].append(RecordFacts(
            id=r["id"], type_code=r["record_type__code"], type_group=r["record_type__group"],
            polarity=r["record_type__polarity"], severity=r["record_type__severity"],
            default_points=r["record_type__default_points"], state=r["state"],
            decided_on=r["decided_on"], publicity_ends_on=r["publicity_ends_on"],
            amount=r["amount"], level=r["level"],
            source_kind=r["source_department__source_kind"],
        ))
    return out
