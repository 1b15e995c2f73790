"""Checks the tests of every app's forms share: each text field takes the shared limits
(`common.forms.CleanCharField`, `common.limits`): a 1 MB paste is refused, U+202E (right-to-left
override) and U+200B (zero-width space) are stripped, a text made only of them is empty.

Test support only (like `common.browser_testing`); imported by tests, never by the platform.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any

from django import forms

from common.forms import CleanCharField
from common.limits import LONG_TEXT

ONE_MB = "x" * 1_000_000  # 1 MB: under the request size limit, so it reaches the form
RLO, ZWSP = "\u202e", "\u200b"


def form_classes(module: ModuleType) -> list[type[forms.Form]]:
    """The forms a module defines (not the ones it imports)."""
    return [c for _name, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, forms.Form) and c.__module__ == module.__name__]


def text_fields(form: forms.Form) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.CharField)]


def unbounded_fields(form: forms.Form) -> list[str]:
    """Text fields that are not cleaned or not bounded by the shared limits (should be none)."""
    return [name for name in text_fields(form)
            if not isinstance(form.fields[name], CleanCharField)
            or not form.fields[name].max_length or form.fields[name].max_length > LONG_TEXT]


def limit_failures(build: Callable[[dict[str, Any] | None], forms.Form], *,
                   looked_up: Collection[str] = ()) -> list[str]:
    """Post a 1 MB text, only U+202E and U+200B, and text mixed with them to each text field of
    the form `build(data)` makes; say what went wrong (an empty list: nothing). Fields in
    `looked_up` resolve their value (a code) in their own clean, so their value is not compared.
    """
    failures = []
    for name in text_fields(build(None)):
        big = build({name: ONE_MB})
        big.is_valid()
        if "max_length" not in [e.code for e in big.errors.as_data().get(name, [])]:
            failures.append(f"{name}: 1 MB accepted")
        only = build({name: RLO + ZWSP})
        only.is_valid()
        if only.fields[name].required:
            if [e.code for e in only.errors.as_data().get(name, [])] != ["required"]:
                failures.append(f"{name}: controls alone not refused as empty")
        elif only.cleaned_data.get(name) != "":
            failures.append(f"{name}: controls alone not stripped")
        if name in looked_up:
            continue
        mixed = build({name: f"甲{RLO}乙{ZWSP}丙"})
        mixed.is_valid()
        if name in mixed.errors or mixed.cleaned_data.get(name) != "甲乙丙":
            failures.append(f"{name}: controls not stripped from text")
    return failures
