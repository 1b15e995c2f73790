"""Deadline handlers registered with `common.deadlines` (run by `manage.py process_deadlines`).

Each handler moves only entries whose stored last day lies before `as_of` and which are still
in the state the deadline moves them from, each under a row lock re-checked in its own
transaction; so running twice, or once after a gap of days, moves every entry exactly once.
"""

from __future__ import annotations

import datetime as dt

from lists import services


def black_list_deadlines(as_of: dt.date) -> int:
    """Statement period over → review; publicity over → in force; period over → expired."""
    return sum(services.black_list_deadlines(as_of).values())


def red_list_deadlines(as_of: dt.date) -> int:
    """Publicity over → awaiting decision; validity over → expired; nominations by rule."""
    return sum(services.red_list_deadlines(as_of).values())


def key_supervision_recheck(as_of: dt.date) -> int:
    """Re-check every key-supervision rule for everyone: records whose publicity ended, grades
    of a new batch, black-list entries that expired. Returns entries opened plus ended."""
    entered, ended = services.key_supervision_sync(subject_ids=None, as_of=as_of)
    return entered + ended
