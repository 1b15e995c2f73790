"""Panels that apps further along the flow add to the subject page.

The subject page shows a subject's whole archive on one screen, including its grade (scoring)
and list memberships (lists); but subjects sits left of those apps in the flow and must not
import them (DESIGN.md). So each of them registers a template here from its AppConfig.ready(),
and the page includes whatever is registered, in order.
"""

from __future__ import annotations

_panels: list[tuple[int, str]] = []


def register(*, template: str, order: int = 50) -> None:
    """Include `template` (rendered with the page's context, `subject` among it) on the page."""
    if template not in (name for _, name in _panels):
        _panels.append((order, template))
        _panels.sort()


def templates() -> list[str]:
    return [name for _, name in _panels]
