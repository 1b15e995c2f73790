"""The demo county's list examples: every kind in every state, through the audited services."""

from __future__ import annotations

import datetime as dt

from audit.models import AuditEvent
from lists.demo import seed_list_examples
from lists.models import (
    BlackListEntry,
    BlackState,
    IndustrySanction,
    RedListEntry,
    RedState,
    SanctionState,
    TypicalCase,
)
from subjects.models import Subject

AS_OF = dt.date(2026, 11, 20)


def _subjects(n: int) -> list[Subject]:
    return [Subject.objects.create(kind=Subject.Kind.ENTERPRISE, code=f"9141080{i:010d}X",
                                   name=f"示例企业{i}", category="property_service")
            for i in range(n)]


def test_every_state_is_seeded_through_the_services(catalogue, clerk, reviewer,
                                                    second_reviewer):
    subjects = _subjects(14)
    made = seed_list_examples(as_of=AS_OF, subjects=subjects, clerk=clerk, reviewer=reviewer,
                              second_reviewer=second_reviewer)
    black = [e.state for e in made["black"]]
    assert black == [BlackState.NOTIFIED, BlackState.NOTIFIED, BlackState.PUBLICITY,
                     BlackState.IN_FORCE, BlackState.SUSPENDED, BlackState.EXPIRED,
                     BlackState.REPAIRED]
    assert made["black"][1].statement  # in defence: a statement on file
    assert [e.state for e in made["red"]] == [RedState.NOMINATED, RedState.PUBLICITY,
                                              RedState.IN_FORCE]
    assert [s.state for s in made["sanctions"]] == [
        SanctionState.PROPOSED, SanctionState.NOTIFIED, SanctionState.DECIDED,
        SanctionState.DECIDED]
    assert made["sanctions"][3].act_record is not None and made["sanctions"][3].record is None
    assert TypicalCase.objects.filter(state="published").count() == 2
    # audited like real cases
    for entry in made["black"]:
        assert AuditEvent.objects.filter(target_type="lists.blacklistentry",
                                         target_id=str(entry.pk)).exists()
    # a second call adds nothing
    assert seed_list_examples(as_of=AS_OF, subjects=subjects, clerk=clerk, reviewer=reviewer,
                              second_reviewer=second_reviewer) == {}
    assert BlackListEntry.objects.count() == 7 and RedListEntry.objects.count() == 3
    assert IndustrySanction.objects.count() == 4
