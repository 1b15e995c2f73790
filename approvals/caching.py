"""Per-process caches of the catalogue a credit check reads on every call.

Why: a check used to re-read the rule book, matters, grade → measures table, settings and the
scoring model of the subject's batch on every call, half of its queries. These rows change a
few times a year (in the admin or by a service), so each worker keeps them in memory.

How they are kept right: every cache is dropped in the saving process by the `post_save` /
`post_delete` / `m2m_changed` signals of the models it copies (`invalidate_on`), so an edit is
seen at once by the worker that made it (and by tests); the other workers of a multi-process
server cannot hear that signal, so every entry also expires after `TTL` seconds, which bounds
how long another worker may answer with the old catalogue. Scoring batches never change once
built, so their entries are never stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

TTL = 60.0  # seconds: the longest another worker may read an edited catalogue row's old value
MAX_ENTRIES = 2000

_all: list[ProcessCache] = []


class ProcessCache:
    """A dict of loaded values, each kept for `TTL` seconds or until `clear()`."""

    def __init__(self, name: str, *, ttl: float = TTL) -> None:
        self.name, self.ttl = name, ttl
        self._data: dict[Hashable, tuple[float, Any]] = {}
        _all.append(self)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        if len(self._data) >= MAX_ENTRIES:
            self._data.clear()
        self._data[key] = (now, value)
        return value

    def clear(self, *_args: Any, **_kwargs: Any) -> None:
        self._data.clear()


def invalidate_on(cache: ProcessCache, *models: type[Model]) -> None:
    """Clear `cache` whenever a row of one of `models` is saved or deleted (or, for a model
    with many-to-many fields, when those links change) in this process."""
    for model in models:
        uid = f"approvals.caching:{cache.name}:{model._meta.label}"
        post_save.connect(cache.clear, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(cache.clear, sender=model, weak=False, dispatch_uid=uid + ":delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(cache.clear, sender=field.remote_field.through, weak=False,
                                dispatch_uid=f"{uid}:{field.name}")


def clear_all() -> None:
    """Drop every cached catalogue row (tests; after bulk edits that send no signals)."""
    for cache in _all:
        cache.clear()
