"""The qualification catalogue (资质目录) as data: `subjects/qualifications.json`.

A scoring model may give points by qualification; a free-text qualification with a typo would
silently change a score. So a subject's qualification is one of the catalogue's names for its
category (or none), checked by every door through `require_listed`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from common.errors import ValidationFailed

DATA = Path(__file__).resolve().parent / "qualifications.json"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, tuple[dict[str, str], ...]]:
    """category → its qualifications ({"name", "basis"}), in catalogue order."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {category: tuple(entries) for category, entries in data["categories"].items()}


def names_for(category: str) -> tuple[str, ...]:
    return tuple(q["name"] for q in catalogue().get(category, ()))


def all_names() -> set[str]:
    return {q["name"] for entries in catalogue().values() for q in entries}


def require_listed(*, category: str, qualification: str) -> None:
    """Refuse a qualification that is not in the catalogue for the subject's category."""
    value = (qualification or "").strip()
    if value and value not in names_for(category):
        allowed = "、".join(names_for(category)) or _("none")
        raise ValidationFailed(
            "qualification_not_in_catalogue",
            _("“%(q)s” is not in the qualification catalogue for this category; choose one of: "
              "%(allowed)s.") % {"q": value, "allowed": allowed},
            field="qualification")
