"""The platform's one source of "now".

Every deadline the law cares about is computed from this clock, so tests (and a rehearsal of a
deadline run) can move time without patching `datetime` all over the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current aware datetime, or the frozen one while `frozen_at` is active."""
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    """Today's date in the platform's time zone (Asia/Shanghai), not UTC."""
    return timezone.localtime(now()).date()


@contextmanager
def frozen_at(moment: dt.datetime | dt.date) -> Iterator[None]:
    """Freeze the clock at `moment` (a date means noon local time) for the block."""
    global _frozen
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
