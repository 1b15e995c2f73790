"""Key supervision (重点关注名单): entered and left only by rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from common import clock
from lists import selectors
from lists.models import (
    KeyState,
    KeySupervisionEntry,
)
from lists.workflows import advance


# --- key supervision --------------------------------------------------------------------------
def key_supervision_sync(*, subject_ids: Iterable[int] | None = None,
                         as_of: dt.date | None = None) -> tuple[int, int]:
    """Bring key supervision in line with its rules for the given subjects (None = everyone).

    Set-based: the selectors return, per rule, the subjects the rule holds for now with the
    reason; entries are opened where a rule newly holds and ended (with the reason) where it no
    longer does. Returns (entered, ended). Safe to run twice: an open entry per (subject, rule)
    is unique, and only open entries are ended.
    """
    as_of = as_of or clock.today()
    ids = None if subject_ids is None else list(subject_ids)
    should = selectors.key_supervision_should(subject_ids=ids, as_of=as_of)
    entered = ended = 0
    with transaction.atomic():
        open_qs = KeySupervisionEntry.objects.select_for_update().filter(
            state=KeyState.IN_FORCE)
        if ids is not None:
            open_qs = open_qs.filter(subject_id__in=ids)
        current = {(e.subject_id, e.rule): e for e in open_qs}
        for key, why in should.items():
            if key in current:
                continue
            subject_id, rule = key
            entry = KeySupervisionEntry(
                subject_id=subject_id, rule=rule, reason=why["reason"],
                trigger_record_id=why.get("record"), trigger_black_id=why.get("black"),
                grade=why.get("grade", ""), measures=list(selectors.key_measures()),
                entered_on=as_of,
            )
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:  # a concurrent sync opened it
                continue
            record_event(actor=None, action="lists.key.enter", target=entry,
                         after={"subject": subject_id, "rule": rule, "reason": entry.reason})
            entered += 1
        for key, entry in current.items():
            if key in should:
                continue
            advance(entry, "end", actor=None)
            entry.ended_on = as_of
            entry.end_reason = str(_("The rule no longer holds: %(r)s.")
                                   % {"r": entry.get_rule_display()})
            entry.save()
            record_event(actor=None, action="lists.key.end", target=entry,
                         after={"subject": entry.subject_id, "rule": entry.rule,
                                "reason": entry.end_reason})
            ended += 1
    return entered, ended
