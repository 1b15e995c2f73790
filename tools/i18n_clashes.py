"""Find translation clashes between the project's gettext catalogues.

Django merges every app's catalogue (and LOCALE_PATHS) into one per language: for the same
msgid (and msgctxt) the app listed earlier in INSTALLED_APPS wins, and LOCALE_PATHS outranks
every app. Two apps that translate the same English text differently therefore see one of the
two translations everywhere. This script lists, per language:

* every (msgctxt, msgid) translated differently in two catalogues, with the one Django uses;
* every entry with an empty msgstr or marked fuzzy (gettext would fall back to English).

With --django it also lists the project's entries shadowed by a django.contrib (or other
third-party) app that comes before ours in INSTALLED_APPS, unless LOCALE_PATHS overrides them.

    .venv/bin/python tools/i18n_clashes.py [--django] [ROOT]

Exit status 1 when anything is found, 0 otherwise. No Django import, no polib: a minimal
parser for the subset of the PO format that makemessages writes.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {".venv", "venv", "node_modules", ".git", "var", "test-results", "static"}
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*)$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translation(self) -> tuple[str, ...]:
        return tuple(self.msgstr[i] for i in sorted(self.msgstr))

    @property
    def empty(self) -> bool:
        return not self.msgstr or any(not s for s in self.msgstr.values())


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file, header and obsolete (#~) entries left out."""
    entries: list[Entry] = []
    flags: set[str] = set()
    current: dict[str, str] = {}
    start = 0
    last: str | None = None

    def flush() -> None:
        nonlocal current, flags, last
        if "msgid" in current:
            entry = Entry(msgid=current["msgid"], msgctxt=current.get("msgctxt"),
                          msgid_plural=current.get("msgid_plural"), flags=flags, line=start)
            for name, value in current.items():
                if name == "msgstr":
                    entry.msgstr[0] = value
                elif name.startswith("msgstr["):
                    entry.msgstr[int(name[7:-1])] = value
            if entry.msgid or entry.msgctxt is not None:  # the header has an empty msgid
                entries.append(entry)
        current, flags, last = {}, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if "msgid" in current and last is not None and last.startswith("msgstr"):
                flush()  # a comment starts the next entry even without a blank line
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue  # translator, extracted, reference, previous and obsolete (#~) lines
        match = _KEYWORD.match(line)
        if match:
            name, rest = match.groups()
            if name in ("msgctxt", "msgid") and last is not None and last.startswith("msgstr"):
                flush()
            if not current:
                start = number
            current[name] = "".join(_unquote(s) for s in _STRING.findall(rest))
            last = name
        elif line.startswith('"') and last is not None:
            current[last] += "".join(_unquote(s) for s in _STRING.findall(line))
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    flush()
    return entries


def installed_apps(root: Path) -> list[str]:
    """INSTALLED_APPS as written in config/settings.py (read, not imported)."""
    settings = root / "config" / "settings.py"
    if not settings.exists():
        return []
    for node in ast.walk(ast.parse(settings.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "INSTALLED_APPS" for t in node.targets
        ):
            return [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
    return []


def find_catalogues(root: Path) -> list[tuple[str, str, Path]]:
    """(source, language, path) for every django.po under root; source is the app label, or
    "LOCALE_PATHS" for the project-level locale/ directory."""
    found = []
    paths = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        if Path(directory).name == "LC_MESSAGES" and "django.po" in files:
            paths.append(Path(directory) / "django.po")
    for path in paths:
        parts = path.relative_to(root).parts  # <app>/locale/<lang>/LC_MESSAGES/django.po
        if parts[0] == "locale":
            found.append(("LOCALE_PATHS", parts[1], path))
        elif len(parts) >= 5 and parts[-4] == "locale":
            found.append((".".join(parts[:-4]), parts[-3], path))
    return found


def third_party_catalogues(root: Path, apps: list[str], language: str) -> list[tuple[str, Path]]:
    """Catalogues of installed non-project apps (django.contrib.*, axes, ...), in order."""
    out = []
    for app in apps:
        if (root / app.split(".")[0]).is_dir():
            continue  # one of ours
        try:
            spec = importlib.util.find_spec(app)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for base in spec.submodule_search_locations:
            po = Path(base) / "locale" / language / "LC_MESSAGES" / "django.po"
            if po.exists():
                out.append((app, po))
    return out


def _rank(source: str, order: list[str]) -> tuple[int, int]:
    """Lower wins: LOCALE_PATHS first, then INSTALLED_APPS order, unknown apps last."""
    if source == "LOCALE_PATHS":
        return (0, 0)
    for index, app in enumerate(order):
        if app == source or app.rsplit(".", 1)[-1] == source or app.startswith(source + "."):
            return (1, index)
    return (2, 0)


def _show(key: tuple[str | None, str]) -> str:
    ctxt, msgid = key
    return (f"[{ctxt}] " if ctxt is not None else "") + repr(msgid)


def check(root: Path, with_django: bool = False) -> list[str]:
    """Problems found under root, one human-readable line (or block) each."""
    order = installed_apps(root)
    by_language: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for source, language, path in find_catalogues(root):
        by_language[language].append((source, path))

    problems: list[str] = []
    for language, catalogues in sorted(by_language.items()):
        catalogues.sort(key=lambda c: _rank(c[0], order))
        seen: dict[tuple[str | None, str], list[tuple[str, Path, Entry]]] = defaultdict(list)
        for source, path in catalogues:
            rel = path.relative_to(root)
            for entry in parse_po(path):
                where = f"{rel}:{entry.line}"
                if "fuzzy" in entry.flags:
                    problems.append(f"{language}: fuzzy {_show(entry.key)} at {where}")
                elif entry.empty:
                    problems.append(f"{language}: empty {_show(entry.key)} at {where}")
                seen[entry.key].append((source, path, entry))

        for key, occurrences in seen.items():
            translated = [o for o in occurrences if not o[2].empty and "fuzzy" not in o[2].flags]
            if len({o[2].translation for o in translated}) > 1:
                lines = [f"{language}: clash {_show(key)}"]
                for index, (source, path, entry) in enumerate(translated):
                    used = "  <- used" if index == 0 else ""
                    lines.append(f"    {' / '.join(entry.translation)!r:24} {source} "
                                 f"({path.relative_to(root)}:{entry.line}){used}")
                problems.append("\n".join(lines))

        if with_django:
            overridden = {k for k, occ in seen.items() if occ[0][0] == "LOCALE_PATHS"}
            ours_first = min((_rank(s, order) for s, _ in catalogues if s != "LOCALE_PATHS"),
                             default=(2, 0))
            for app, po in third_party_catalogues(root, order, language):
                if _rank(app, order) >= ours_first:
                    continue
                for entry in parse_po(po):
                    if entry.key not in seen or entry.key in overridden or entry.empty:
                        continue
                    ours = seen[entry.key][0][2]
                    if not ours.empty and ours.translation != entry.translation:
                        problems.append(
                            f"{language}: shadowed {_show(entry.key)}: {app} says "
                            f"{' / '.join(entry.translation)!r}, {seen[entry.key][0][0]} says "
                            f"{' / '.join(ours.translation)!r} (override it in locale/)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=Path(__file__).resolve().parent.parent,
                        type=Path, help="project root (default: the repository)")
    parser.add_argument("--django", action="store_true",
                        help="also report entries shadowed by earlier third-party apps")
    args = parser.parse_args(argv)
    problems = check(args.root.resolve(), with_django=args.django)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "no clashes, no empty or fuzzy entries",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
