"""The zh_Hans catalogues: complete, and no English text translated two ways across apps.

Django merges every app's catalogue into one per language (the app earlier in INSTALLED_APPS
wins, LOCALE_PATHS outranks all), so the same msgid meaning different things in two apps shows
one app's wording in the other: such texts carry a context (pgettext) instead.
`tools/i18n_clashes.py` is the detector; run it by hand for the full listing.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


def _load_tool():
    path = ROOT / "tools" / "i18n_clashes.py"
    spec = importlib.util.spec_from_file_location("i18n_clashes", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_clashes"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def test_repository_catalogues_have_no_clash_and_no_empty_or_fuzzy_entry():
    catalogues = tool.find_catalogues(ROOT)
    assert {source for source, _, _ in catalogues} >= {
        "LOCALE_PATHS", "common", "accounts", "audit", "subjects", "records", "scoring",
        "supervision", "lists", "approvals", "exchange"}
    problems = tool.check(ROOT, with_django=True)
    assert not problems, "\n".join(problems)


def _po(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + body,
                    encoding="utf-8")


def test_detector_reports_clashes_empty_and_fuzzy_entries_but_not_contexts(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.py").write_text(
        'INSTALLED_APPS = ["django.contrib.admin", "first", "second"]\n')
    _po(tmp_path / "first/locale/zh_Hans/LC_MESSAGES/django.po",
        'msgid "Rejected"\nmsgstr "已退回"\n\n'
        'msgid "Log out"\nmsgstr "退出登录"\n\n'
        'msgid "Same"\nmsgstr "相同"\n')
    _po(tmp_path / "second/locale/zh_Hans/LC_MESSAGES/django.po",
        'msgid "Rejected"\nmsgstr "不成立"\n\n'
        'msgctxt "objection outcome"\nmsgid "Approved"\nmsgstr "同意"\n\n'
        'msgid "Approved"\nmsgstr "审核通过"\n\n'
        'msgid "Same"\nmsgstr ""\n"相同"\n\n'
        '#, fuzzy, python-format\nmsgid "%(n)s days"\nmsgstr "%(n)s 天"\n\n'
        'msgid "Missing"\nmsgstr ""\n\n'
        '#~ msgid "Obsolete"\n#~ msgstr ""\n')

    problems = tool.check(tmp_path)
    clashes = [p for p in problems if " clash " in p]
    assert len(clashes) == 1 and "'Rejected'" in clashes[0]
    assert "已退回" in clashes[0].splitlines()[1] and "<- used" in clashes[0].splitlines()[1]
    assert "first" in clashes[0].splitlines()[1] and "second" in clashes[0].splitlines()[2]
    assert any(" fuzzy '%(n)s days'" in p for p in problems)
    assert any(" empty 'Missing'" in p for p in problems)
    assert len(problems) == 3
    assert tool.main([str(tmp_path)]) == 1

    # --django: the admin's 注销 wins over the app's 退出登录 unless LOCALE_PATHS overrides it.
    assert any("shadowed 'Log out'" in p for p in tool.check(tmp_path, with_django=True))
    _po(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po", 'msgid "Log out"\nmsgstr "退出登录"\n')
    assert not any("shadowed" in p for p in tool.check(tmp_path, with_django=True))


def test_parser_reads_contexts_plurals_and_continuation_lines(tmp_path):
    path = tmp_path / "django.po"
    _po(path, 'msgctxt "count column"\nmsgid ""\n"Sub"\n"jects"\nmsgstr "主体数"\n\n'
              'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s 天"\n\n'
              'msgid "Quote \\"x\\""\nmsgstr "引号“x”"\n')
    entries = tool.parse_po(path)
    assert [(e.msgctxt, e.msgid, e.translation) for e in entries] == [
        ("count column", "Subjects", ("主体数",)),
        (None, "%(n)s day", ("%(n)s 天",)),
        (None, 'Quote "x"', ("引号“x”",)),
    ]
    assert entries[1].msgid_plural == "%(n)s days"


@pytest.mark.parametrize(("context", "msgid", "expected"), [
    (None, "Rejected", "已退回"),
    ("objection outcome", "Rejected", "不成立"),
    ("credit repair decision", "Rejected", "不同意"),
    ("sanction proposal", "Rejected", "已驳回"),
    (None, "Approved", "审核通过"),
    ("credit repair decision", "Approved", "同意"),
    (None, "Subjects", "信用主体"),
    ("count column", "Subjects", "主体数"),
    (None, "Name", "名称"),
    ("person", "Name", "姓名"),
    (None, "Active", "正常"),
    ("enabled", "Active", "启用"),
    (None, "Results", "查询结果"),
    ("count column", "Results", "已录结果"),
    (None, "Reject", "退回"),
    ("sanction proposal", "Reject", "驳回"),
    (None, "Publish", "发布"),
    ("publicity", "Publish", "公示"),
    (None, "Subject", "信用主体"),
])
def test_merged_catalogue_keeps_each_meaning(context, msgid, expected):
    with translation.override("zh-hans"):
        if context is None:
            assert translation.gettext(msgid) == expected
        else:
            assert translation.pgettext(context, msgid) == expected


def test_choice_labels_keep_their_own_meaning():
    from lists.models import Objection, RepairRequest, SanctionState
    from records.models import RecordState
    from supervision.models import PlanStatus

    with translation.override("zh-hans"):
        assert str(RecordState.REJECTED.label) == "已退回"
        assert str(Objection.State.REJECTED.label) == "不成立"
        assert str(RepairRequest.State.APPROVED.label) == "同意"
        assert str(RepairRequest.State.REJECTED.label) == "不同意"
        assert str(SanctionState.PROPOSED.label) == "待决定"
        assert str(SanctionState.REJECTED.label) == "已驳回"
        assert str(PlanStatus.PUBLISHED.label) == "已公示"
    with translation.override("en"):
        assert str(Objection.State.REJECTED.label) == "Rejected"


TRANSLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1"""
                           r"""(?:\s+context\s+(["'])(.+?)\3)?(?:\s+as\s+\w+)?\s*%\}""")


def test_every_translate_tag_in_a_template_has_its_chinese():
    """A msgid written in a template but never added to a catalogue shows English on a Chinese
    page (the top bar's "unread" and the due-steps badge's title did); the catalogue check above
    cannot see a msgid that is missing altogether."""
    templates = [p for p in ROOT.glob("*/templates/**/*") if p.suffix in (".html", ".txt")]
    assert len(templates) > 100
    missing, seen = [], 0
    with translation.override("zh-hans"):
        for path in templates:
            for match in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8")):
                seen += 1
                msgid, context = match.group(2), match.group(4)
                chinese = (translation.pgettext(context, msgid) if context
                           else translation.gettext(msgid))
                if chinese == msgid and re.search(r"[A-Za-z]{2,}", msgid):
                    missing.append(f"{path.relative_to(ROOT)}: {msgid!r}")
    assert seen > 1000
    assert missing == []
