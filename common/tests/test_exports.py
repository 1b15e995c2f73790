"""The shared list export (`common.exports`): local times as pages show them, list values
joined, an export above the row limit refused with the filters kept, unknown formats refused."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.utils import translation

from common import exports
from common.exports import Column, export_response, requested_format


def test_aware_times_are_written_in_local_time_and_lists_joined():
    utc = dt.datetime(2026, 3, 1, 23, 30, 15, 500, tzinfo=dt.UTC)
    assert exports._cell(utc) == dt.datetime(2026, 3, 2, 7, 30, 15)  # Asia/Shanghai
    assert exports._cell(["甲公司", "乙公司"]) == "甲公司、乙公司"
    assert exports._cell(dt.date(2026, 3, 2)) == dt.date(2026, 3, 2)


def test_requested_format_reads_get_or_post():
    factory = RequestFactory()
    assert requested_format(factory.get("/x/", {"export": "csv"})) == "csv"
    assert requested_format(factory.post("/x/", {"export": "xlsx"})) == "xlsx"
    assert requested_format(factory.get("/x/", {"export": "pdf"})) is None
    assert requested_format(factory.get("/x/")) is None


def _request(path: str):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get(path)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_above_the_limit_the_page_comes_back_with_its_filters_and_a_message(monkeypatch):
    monkeypatch.setattr(exports.limits, "EXPORT_ROWS", 2)
    request = _request("/lists/black/?tab=open&export=xlsx")
    rows = [SimpleNamespace(name=n) for n in ("甲", "乙", "丙")]
    with translation.override("zh-hans"):
        response = export_response(request, fmt="xlsx", rows=rows,
                                   columns=[Column("名称", lambda r: r.name)], title="t",
                                   name="n")
    assert response.status_code == 302 and response["Location"] == "/lists/black/?tab=open"
    (message,) = list(get_messages(request))
    assert str(message) == "导出将有 3 行，超过列表页面可导出的 2 行；请缩小筛选范围后再导出。"
    ok = export_response(request, fmt="csv", rows=rows[:2],
                         columns=[Column("名称", lambda r: r.name)], title="t", name="n")
    assert ok.status_code == 200
    assert ok.content.decode("utf-8-sig").splitlines() == ["名称", "甲", "乙"]
    assert "filename*=UTF-8''n-" in ok["Content-Disposition"]


def test_an_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        export_response(_request("/x/"), fmt="pdf", rows=[], columns=[], title="t", name="n")


def test_a_frozen_clock_names_the_file_by_its_day():
    from common import clock

    with clock.frozen_at(dt.date(2026, 3, 2)):
        response = export_response(_request("/x/"), fmt="csv", rows=[],
                                   columns=[Column("名称", lambda r: r)], title="t",
                                   name="subjects")
    assert "subjects-2026-03-02.csv" in response["Content-Disposition"]
