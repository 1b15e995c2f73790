"""The README tells the truth about what can be run and configured: every `manage.py` command
it names exists, every `make` target is in the Makefile, every `python -m` module imports, and
every environment variable of its configuration table (and every HC_… variable anywhere) is
read by the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


def _code_spans(text: str) -> list[str]:
    """Fenced blocks and `inline code`: where the README names things to type."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", text, re.S)
    rest = re.sub(r"```.*?```", "", text, flags=re.S)
    return fenced + re.findall(r"`([^`\n]+)`", rest)


def _source_text() -> str:
    """Every file that can read a variable: Python outside the virtualenv, the Makefile.

    Tests count (a variable such as ``HC_TEST_REDIS_URL`` is read by the suite only), except this
    file, whose examples name variables without reading them.
    """
    files = [p for p in ROOT.rglob("*.py")
             if ".venv" not in p.parts and "var" not in p.parts and p != Path(__file__).resolve()]
    return "\n".join(p.read_text(errors="ignore") for p in [*files, ROOT / "Makefile"])


def _reads(source: str, name: str) -> bool:
    return bool(re.search(rf"""["']{name}["']|\$\({name}\)|^{name}\s*\?=""", source, re.M))


def _configuration_variables(text: str) -> list[str]:
    if "## Configuration" not in text:
        return []
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = []
    for row in re.findall(r"^\|([^|]+)\|", section, re.M):
        names += re.findall(r"`([A-Z][A-Z0-9_]+)`", row)
    return names


def readme_problems(text: str, makefile: str, source: str) -> list[str]:
    problems = []
    spans = _code_spans(text)
    commands = get_commands()
    for span in spans:
        for command in re.findall(r"manage\.py ([a-z_]+)", span):
            if command not in commands:
                problems.append(f"manage.py {command}: no such command")
    targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.M))
    for span in spans:
        for target in re.findall(r"(?:^|[\s;&(])make ([a-z][\w-]*)", span):
            if target not in targets:
                problems.append(f"make {target}: no such Makefile target")
        for module in re.findall(r"python -m ([\w.]+)", span):
            if importlib.util.find_spec(module) is None:
                problems.append(f"python -m {module}: no such module")
    variables = set(_configuration_variables(text)) | set(re.findall(r"\bHC_[A-Z0-9_]+", text))
    for name in sorted(variables):
        if not _reads(source, name):
            problems.append(f"{name}: named in the README, read nowhere")
    return problems


def test_the_readme_names_only_commands_targets_and_variables_that_exist():
    text = (ROOT / "README.md").read_text()
    assert readme_problems(text, (ROOT / "Makefile").read_text(), _source_text()) == []


def test_the_configuration_table_was_found():
    names = _configuration_variables((ROOT / "README.md").read_text())
    assert {"HC_DATA_DIR", "DATABASE_URL", "SECRET_KEY", "HC_DEADLINE_INTERVAL",
            "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER"} <= set(names)


@pytest.mark.parametrize(("claim", "problem"), [
    ("Run `manage.py import records.xlsx`.", "manage.py import: no such command"),
    ("```sh\nmake deploy\n```", "make deploy: no such Makefile target"),
    ("`python -m bench.no_such_bench`", "python -m bench.no_such_bench: no such module"),
    ("## Configuration\n\n| `HC_NEVER_READ` | 1 | x |\n", "HC_NEVER_READ: named in the README, "
     "read nowhere"),
    ("Set `HC_ALSO_NEVER_READ=1` in prose.", "HC_ALSO_NEVER_READ: named in the README, read "
     "nowhere"),
])
def test_a_false_claim_is_reported(claim, problem):
    makefile = (ROOT / "Makefile").read_text()
    assert problem in readme_problems(claim, makefile, _source_text())


def test_true_claims_pass():
    claim = ("## Configuration\n\n| `HC_DATA_DIR` | x | y |\n\n"
             "`manage.py bootstrap`, `HOST=0.0.0.0 make run`, `python -m bench.bench_search`")
    assert readme_problems(claim, (ROOT / "Makefile").read_text(), _source_text()) == []
