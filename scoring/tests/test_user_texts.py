"""What administrators read of the scoring app cites national rules and this county's only.

The model pages show templates and translated messages, and the upload form points to the
language guide (`README-language.md`); none of them may carry working notes or another city's
scheme. (The shipped models' own texts are checked in `test_sector_models.py`.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_sector_models import WORKING_MARKS

SCORING = Path(__file__).resolve().parent.parent
MARKS = (*WORKING_MARKS, "[S]", "成都", "商丘", "连云港", "Chengdu", "Shangqiu", "Lianyungang",
         "Qingdao", "Yinchuan", "Shanxi")
TEXTS = sorted([*(SCORING / "templates").rglob("*.html"), *(SCORING / "locale").rglob("*.po"),
                SCORING / "README-language.md"])


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(SCORING)))
def test_no_working_note_or_other_city(path):
    text = path.read_text(encoding="utf-8")
    assert [mark for mark in MARKS if mark in text] == []
