"""Panels that apps further along the flow add to the subject page.

The subject page shows a subject's whole archive on one screen, including its grade (scoring)
and list memberships (lists); but subjects sits left of those apps in the flow and must not
import them (DESIGN.md). So each of them registers a template here from its AppConfig.ready(),
and the page includes whatever is registered, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_panels: list[tuple[int, str]] = []
# Context a later app computes for the page (e.g. records: the archive grouped and as a
# timeline), called as `provider(subject=..., user=...)` and merged into the page's context.
ContextProvider = Callable[..., dict[str, Any]]
_contexts: dict[str, ContextProvider] = {}


def register(*, template: str, order: int = 50) -> None:
    """Include `template` (rendered with the page's context, `subject` among it) on the page."""
    if template not in (name for _, name in _panels):
        _panels.append((order, template))
        _panels.sort()


def templates() -> list[str]:
    return [name for _, name in _panels]


def register_context(*, name: str, provider: ContextProvider) -> None:
    """Add `provider(subject=, user=) -> dict` to the page's context (one per name)."""
    _contexts[name] = provider


def context(*, subject: Any, user: Any) -> dict[str, Any]:
    """Everything the registered providers add for this subject and user."""
    out: dict[str, Any] = {}
    for _name, provider in sorted(_contexts.items()):
        out.update(provider(subject=subject, user=user))
    return out
