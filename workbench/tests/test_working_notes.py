"""No working notes in what the platform ships or shows.

The domain research behind the rules marks its sources ("[M]" partly seen, "[S]" seen, "[P]"
primary text, "REFERENCE §…") and quotes other cities' schemes as examples. Those notes belong in
the research file, never in a text a user reads or an administrator inherits: shipped fixtures and
scoring models, model help texts and labels, translated messages, and the parameter sources the
list and approvals rules ship with. Each such text cites a national rule or this county's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]

#: research marks, and the other places whose schemes the research quotes
WORKING_NOTES = re.compile(
    r"\[[MSP]\]|REFERENCE|"
    r"天津|荣成|苏州|宿州|北海|西安|阜新|海口|三亚|南召|江西|山西|安徽|上海|"
    r"Tianjin|Anhui|Shanghai|Jiangxi"
)


def _msgstrs(path: Path) -> list[str]:
    """Every translated text of a gettext catalogue (continuation lines joined; obsolete
    "#~" entries skipped, they are not shipped)."""
    texts: list[str] = []
    current: list[str] | None = None
    for line in path.read_text().splitlines():
        if line.startswith("msgstr"):
            current = [line.split(" ", 1)[1].strip().strip('"')]
            texts.append("")
        elif line.startswith('"') and current is not None:
            current.append(line.strip().strip('"'))
        else:
            current = None
        if current is not None:
            texts[-1] = "".join(current)
    return texts


def _shipped_files() -> list[Path]:
    """Fixtures and shipped scoring models of every app (not tests, not the venv)."""
    found = [*ROOT.glob("*/fixtures/*.json"), *ROOT.glob("scoring/models_shipped/*.toml")]
    return sorted(p for p in found if ".venv" not in p.parts)


def _catalogues() -> list[Path]:
    found = [*ROOT.glob("*/locale/*/LC_MESSAGES/django.po"),
             *ROOT.glob("locale/*/LC_MESSAGES/django.po")]
    return sorted(p for p in found if ".venv" not in p.parts)


def test_the_scan_sees_the_shipped_texts() -> None:
    """Guard against a scan that reads nothing (a moved folder would make every test pass)."""
    assert len(_shipped_files()) >= 5
    assert len(_catalogues()) >= 10
    assert WORKING_NOTES.search("source: [M] 天津") and not WORKING_NOTES.search("国发〔2016〕33号")


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_fixtures_carry_no_working_notes(path: Path) -> None:
    hits = [(n, line.strip()) for n, line in enumerate(path.read_text().splitlines(), 1)
            if WORKING_NOTES.search(line)]
    assert hits == []


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_carry_no_working_notes(path: Path) -> None:
    texts = _msgstrs(path)
    assert texts
    assert [t for t in texts if WORKING_NOTES.search(t)] == []


def test_model_help_texts_and_labels_carry_no_working_notes() -> None:
    hits = []
    for model in apps.get_models():
        if model._meta.app_label in {"auth", "contenttypes", "sessions", "admin"}:
            continue
        for field in model._meta.get_fields():
            for text in (getattr(field, "help_text", ""), getattr(field, "verbose_name", "")):
                if text and WORKING_NOTES.search(str(text)):
                    hits.append((model._meta.label, field.name, str(text)))
    assert hits == []


def test_rule_parameters_cite_no_working_notes() -> None:
    """The sources shipped with the list and approvals parameters (read by administrators who
    override a number) cite national rules or the county only."""
    from approvals.rules import DEFAULTS as APPROVALS_DEFAULTS
    from lists.rules import DEFAULTS as LISTS_DEFAULTS

    texts = [p.source for p in LISTS_DEFAULTS.values()]
    texts += [source for _default, source in APPROVALS_DEFAULTS.values()]
    assert len(texts) == len(LISTS_DEFAULTS) + len(APPROVALS_DEFAULTS) > 10
    assert [t for t in texts if WORKING_NOTES.search(t)] == []


@pytest.mark.django_db
def test_stored_red_list_criteria_cite_national_rules() -> None:
    """The criteria the migrations seed (and rewrite) name no other city's scheme."""
    criterion = apps.get_model("lists", "RedListCriterion")
    rows = list(criterion.objects.values_list("legal_basis", flat=True))
    assert rows and all("国发〔2016〕33号" in basis for basis in rows)
    assert [b for b in rows if WORKING_NOTES.search(b)] == []
