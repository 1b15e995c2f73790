"""Two lock files: production never installs a development tool, and both pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEVER_IN_PRODUCTION = {"playwright", "duckdb", "hypothesis", "pip-tools", "import-linter",
                       "schemathesis", "radon", "pytest", "ruff", "pypdf"}


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    pins = (re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line) for line in lines)
    return {m[1].lower(): m[2] for m in pins if m}


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~ ]", requirement, maxsplit=1)[0].lower()


def test_the_production_lock_holds_no_development_tool():
    production = _pins("requirements.lock")
    assert NEVER_IN_PRODUCTION.isdisjoint(production), NEVER_IN_PRODUCTION & production.keys()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert _name(requirement) in production, requirement


def test_the_development_lock_adds_the_tools_at_the_production_versions():
    production, development = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {k: development.get(k) for k in production} == production
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["optional-dependencies"]["dev"]:
        assert _name(requirement) in development, requirement


def test_make_run_installs_production_only_and_make_test_development():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: \$\(BIN\)/\.installed ", makefile, re.M)
    assert re.search(r"^test: \$\(BIN\)/\.installed-dev", makefile, re.M)
    installed = makefile.split("$(BIN)/.installed:", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.lock" in installed and "requirements-dev.lock" not in installed
    lock = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    assert "-o requirements.lock" in lock and "-o requirements-dev.lock" in lock
