"""What later apps tell the random draw, without supervision importing them.

Key supervision (重点监管对象) is decided in `lists`, to the right of supervision in the flow; the
draw needs to know who is under it (they are always drawn in the strictest stratum). `lists`
registers a source here when it loads, as `subjects.panels` lets later apps add panels.
"""

from __future__ import annotations

from collections.abc import Callable

KeySource = Callable[[str], set[int]]
_key_sources: list[KeySource] = []


def register_key_supervision_source(source: KeySource) -> None:
    """`source(category)` returns the ids of that category's subjects under key supervision."""
    if source not in _key_sources:
        _key_sources.append(source)


def key_supervision_subjects(*, category: str) -> set[int]:
    found: set[int] = set()
    for source in _key_sources:
        found |= source(category)
    return found
