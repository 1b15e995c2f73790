"""Every date field of every form accepts what the browser's date input and a Chinese user type
(2026-12-02, 2026/12/02, 2026年12月2日), and the sanction and inspection-result forms accept the
default date they render themselves; a real Chromium types 2026/12/02 into the sanction form."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.utils import translation

from common import clock
from common.browser_testing import sign_in
from common.forms import LenientDateField

FORM_MODULES = ("records.forms", "supervision.forms", "approvals.forms", "lists.forms",
                "scoring.forms", "subjects.forms")
DAY = dt.date(2026, 12, 2)
TYPED = ("2026-12-02", "2026/12/02", "2026年12月2日")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _date_fields() -> list[tuple[str, str]]:
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module_name:
                for field_name, field in cls.base_fields.items():
                    if isinstance(field, forms.DateField):
                        found.append((f"{module_name}.{name}.{field_name}", type(field).__name__))
    return found


def test_every_date_field_of_every_form_is_lenient():
    fields = _date_fields()
    assert len(fields) >= 10
    assert [f for f, kind in fields if kind != LenientDateField.__name__] == []


@pytest.mark.parametrize("typed", TYPED)
def test_lenient_field_accepts_what_users_type(typed):
    assert LenientDateField().clean(typed) == DAY


def _rendered_value(form: forms.Form, field: str) -> str:
    html = str(form[field])
    match = re.search(r'value="([^"]*)"', html)
    assert match, html
    return match.group(1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_inspection_result_form_accepts_its_own_default_date(language):
    from supervision.forms import ResultForm

    with clock.frozen_at(DAY), translation.override(language):
        shown = _rendered_value(ResultForm(), "decided_on")
        assert shown == "2026-12-02"
        form = ResultForm({"passed": "1", "document_number": "武住保查〔2026〕1号",
                           "decided_on": shown})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["decided_on"] == DAY


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sanction_form_accepts_its_own_default_date(language):
    from lists.forms import SanctionForm

    with clock.frozen_at(DAY), translation.override(language):
        shown = _rendered_value(SanctionForm(), "occurred_on")
        form = SanctionForm({"kind": "warning", "scope": "public", "grounds": "未整改",
                             "legal_basis": "本县实施方案 四（二）",
                             "document_number": "武住保惩〔2026〕1号", "occurred_on": shown})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["occurred_on"] == DAY


@pytest.mark.parametrize("typed", [*TYPED, "2026.12.2"])
def test_sanction_form_accepts_typed_dates(typed):
    from lists.forms import SanctionForm

    form = SanctionForm({"kind": "warning", "scope": "public", "grounds": "未整改",
                         "legal_basis": "本县实施方案 四（二）", "document_number": "1号",
                         "occurred_on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["occurred_on"] == DAY


def test_implausible_dates_are_refused():
    from lists.forms import SanctionForm

    form = SanctionForm({"kind": "warning", "scope": "public", "grounds": "x",
                         "legal_basis": "x", "document_number": "1号",
                         "occurred_on": "0001-01-01"})
    assert not form.is_valid() and "occurred_on" in form.errors


def _propose(page, base: str, subject_id: int, number: str) -> None:
    page.goto(f"{base}/lists/sanctions/new/?subject={subject_id}")
    page.select_option("#id_kind", "warning")
    page.select_option("#id_scope", "public")
    page.fill("#id_grounds", "逾期未整改")
    page.fill("#id_legal_basis", "本县《住房领域信用分级分类管理实施方案》四（二）")
    page.fill("#id_document_number", number)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chromium_sanction_form_takes_its_default_date_and_2026_12_02_typed(
        _audit_flushable, live_server, browser, clerk) -> None:
    """A clerk proposes sanctions in Chromium (zh-CN): once leaving the date the form shows by
    default (the refusal the issue reported), once typing 2026/12/02 character by character, as
    a Chinese user types it where the browser offers a plain text box (headless Chromium lays
    its date picker out as mm/dd/yyyy whatever the locale, so the text box is how `2026/12/02`
    reaches the server unchanged)."""
    from django.core.management import call_command

    from lists.models import IndustrySanction
    from subjects.models import Subject

    call_command("loaddata", "record_types", verbosity=0)
    subject = Subject.objects.create(kind="enterprise", code="91350100M000100Y43",
                                     name="日期测试建筑有限公司", category="builder")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    detail = re.compile(r".*/lists/sanctions/\d+/$")
    try:
        with clock.frozen_at(dt.date(2026, 12, 20)):
            sign_in(page, base, clerk.username)
            _propose(page, base, subject.pk, "武住保惩〔2026〕8号")
            date_input = page.locator("#id_occurred_on")
            assert date_input.get_attribute("type") == "date"
            assert date_input.input_value() == "2026-12-20"   # its own default, shown
            page.click("[data-testid=save]")
            page.wait_for_url(detail)

            _propose(page, base, subject.pk, "武住保惩〔2026〕9号")
            page.evaluate("document.getElementById('id_occurred_on').type = 'text'")
            date_input.fill("")
            date_input.press_sequentially("2026/12/02")
            assert date_input.input_value() == "2026/12/02"
            page.click("[data-testid=save]")
            page.wait_for_url(detail)
        saved = dict(IndustrySanction.objects.filter(subject=subject)
                     .values_list("document_number", "occurred_on"))
        assert saved == {"武住保惩〔2026〕8号": dt.date(2026, 12, 20), "武住保惩〔2026〕9号": DAY}
    except Exception:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "sanction-date.png"), full_page=True)
        raise
    finally:
        context.close()
