"""Every workbench page speaks Chinese: rendered in zh-Hans for an administrator over a small
demo county, no page may show a known English message (a multi-word msgid of the project's
catalogues) or a raw choice code (`property_service`) in its visible text.

The pages are every URL that takes no argument, plus every same-site page their links reach
(with the demo data's ids), breadth first; downloads, the API, the Django admin and sign-out
are left out.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from workbench import demo

ROOT = Path(__file__).resolve().parents[2]
MAX_PAGES = 160
SKIP = re.compile(r"^/(api/|admin/|static/|media/|i18n/|accounts/(logout|sign-out))|"
                  r"logout|sign-?out|\.(xlsx|csv|pdf|png|svg|json|txt|zip)$|/export|/download"
                  r"|/evidence/")


# Not prose: scripts and styles, and stored data shown verbatim as evidence (the audit log's
# snapshots in <pre>, identifiers, hashes and action names in <code>).
HIDDEN = {"script", "style", "template", "pre", "code"}


class _Text(HTMLParser):
    """Visible text (and the texts shown as placeholders, titles and button values), links."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in ("placeholder", "title", "aria-label", "alt"):
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in {"submit", "button"} and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _catalogues() -> list[Path]:
    """The project's zh_Hans catalogues, and Django's own for forms and accounts (password
    messages): an English text from any of them on a page is an untranslated string."""
    import django

    own = [p for p in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")
           if ".venv" not in p.parts]
    dj = Path(django.__file__).parent
    return [*own, dj / "conf/locale/zh_Hans/LC_MESSAGES/django.po",
            dj / "contrib/auth/locale/zh_Hans/LC_MESSAGES/django.po"]


def _msgids() -> set[str]:
    """Multi-word English msgids of the catalogues (placeholders cut)."""
    found: set[str] = set()
    for po in _catalogues():
        for block in po.read_text(encoding="utf-8").split("\n\n"):
            match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
            if not match:
                continue
            text = "".join(re.findall(r'"(.*)"', match.group(1).split("msgstr")[0]))
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|\\n", text):
                piece = piece.strip(" .,:;()·—-")
                if len(piece.split()) >= 3 and re.fullmatch(r"[A-Za-z0-9 ,.'’:;!?()/\-]+",
                                                             piece):
                    found.add(piece)
    return found


def _choice_codes() -> set[str]:
    """Stored codes of every model field with choices that could only be a raw code on a page
    (they contain an underscore: `property_service`, `admin_penalty_general`)."""
    codes: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    return codes


def _argless_urls() -> list[str]:
    urls: list[str] = []

    def walk(patterns: list, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                walk(p.url_patterns, f"{namespace}:{ns}" if namespace and ns else ns or namespace)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
                name = f"{namespace}:{p.name}" if namespace else p.name
                try:
                    urls.append(reverse(name))
                except Exception:  # noqa: BLE001 - a name reversible only with kwargs
                    continue

    walk(get_resolver().url_patterns, None)
    return urls


def _same_site(base: str, href: str) -> str | None:
    href = urldefrag(href)[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href:
        return None
    if not href.startswith("/"):
        href = base.rsplit("/", 1)[0] + "/" + href
    return href


def _problems(url: str, text: str, msgids: set[str], codes: set[str]) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    found = [f"{url}: English text {m!r}" for m in msgids if m in text]
    words = set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text))
    return found + [f"{url}: raw code {w!r}" for w in sorted(words & codes)]


def test_detector_catches_english_and_raw_codes(db):
    msgids, codes = _msgids(), _choice_codes()
    parser = _Text()
    parser.feed("<p>类别：property_service</p><pre>kind_x_y</pre>"
                "<p>The two password fields didn’t match.</p>")
    problems = _problems("/x/", " ".join(parser.parts), msgids, codes)
    assert any("property_service" in p for p in problems)
    assert any("password fields" in p for p in problems)
    assert _problems("/x/", "类别：物业服务企业", msgids, codes) == []


@pytest.fixture
def county(admin_user):
    """The administrator first: the demo reuses its lead department."""
    return demo.seed(subjects=12, practitioners=6, records=60, seed=3)


def test_every_page_speaks_chinese(county, admin_user):
    msgids, codes = _msgids(), _choice_codes()
    assert len(msgids) > 200 and "property_service" in codes  # the detector has data
    client = Client()
    client.force_login(admin_user)
    queue = deque(u for u in _argless_urls() if not SKIP.search(u))
    seen: set[str] = set(queue)
    problems: list[str] = []
    pages = 0
    with translation.override("zh-hans"):
        while queue and pages < MAX_PAGES:
            url = queue.popleft()
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            parser = _Text()
            parser.feed(response.content.decode())
            problems += _problems(url, " ".join(parser.parts), msgids, codes)
            for href in parser.links:
                target = _same_site(url, href)
                path = urlsplit(target).path if target else ""
                # one page per URL shape is enough: /subjects/3/ stands for every subject
                shape = re.sub(r"\d+", "N", path)
                if target and not SKIP.search(path) and shape not in seen:
                    seen.add(shape)
                    queue.append(target)
    assert pages > 40, f"only {pages} pages rendered"
    assert not problems, "\n".join(sorted(set(problems)))
