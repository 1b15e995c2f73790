"""The form renderer (`FORM_RENDERER`): Django's, with each widget's HTML kept by what it shows.

Why: Django renders every widget through templates, a `<select>` one template per option
(`select_option.html` and its `attrs.html`); the filter forms' dropdowns cost 13-15 CPU-ms of a
review queue or records list page, and with 16 users on two cores the p95 of a page is queueing
for a core, so CPU per page is what counts (issue 14). A widget's HTML is a function of its
template and its context (name, value, attributes, the options with their labels and which are
selected), the active language and time zone: nothing else reaches a widget template, which
Django renders without a request. So the renderer keys each render by exactly that, frozen to
plain values, and keeps the HTML.

The key is the content, not a version: a dropdown's choices are still read for every request
(a changed department or record type, or a new submitter, changes the key and is rendered
afresh on the next request, in every worker process, with no signal to miss), only the
templates are skipped when nothing changed. A context holding anything but plain values
(a form, an error list, a model instance) is rendered as before, uncached. At most
`MAX_ENTRIES` renders are kept per process, the least recently used dropped first.
`common/tests/test_form_renderer.py` checks the HTML is Django's, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString

MAX_ENTRIES = 1000

#: Value types kept as they are (tagged with their type); exact types only: a subclass may carry
#: attributes a template reads (Django's `ErrorList` is a list with its field's id).
_SCALARS = frozenset({bool, int, float, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta,
                      uuid.UUID})


class _Uncacheable(Exception):
    """A context value that is not plain data: render without the cache."""


def freeze(value: Any) -> Any:
    """A hashable value that is equal for two contexts exactly when a template sees the same
    data in both. Types are tagged where equal values render differently (`True == 1`, a safe
    string against an escaped one, a list's order against a dict's); anything but these plain
    types raises `_Uncacheable`."""
    if isinstance(value, Promise):  # a lazy translation: its text in the active language
        value = str(value)
    kind = type(value)
    if kind is str:
        return value
    if kind is SafeString:
        return ("safe", str.__str__(value))
    if value is None:
        return None
    if kind in _SCALARS:
        return (kind, value)
    if kind is dict:
        return ("dict", tuple((freeze(k), freeze(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind, tuple(freeze(v) for v in value))
    if kind is ModelChoiceIteratorValue:  # templates show str(value.value)
        return ("choice", freeze(value.value))
    raise _Uncacheable(kind.__name__)  # an object, or a subclass with attributes of its own


class CachingRenderer(DjangoTemplates):
    """Django's template renderer; a render whose context is plain data is kept by its content
    (template, context, language, time zone) and answered from memory the next time."""

    def __init__(self) -> None:
        super().__init__()
        self._cache: OrderedDict[Any, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if request is not None:  # a request's context processors could reach the template
            return super().render(template_name, context, request=request)
        try:
            key = (template_name, translation.get_language(), timezone.get_current_timezone_name(),
                   freeze(context))
        except _Uncacheable:
            return super().render(template_name, context)
        with self._lock:
            html = self._cache.get(key)
            if html is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return html
        html = super().render(template_name, context)
        with self._lock:
            self.misses += 1
            self._cache[key] = html
            if len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)
        return html

    def clear(self) -> None:
        """Forget every kept render (tests)."""
        with self._lock:
            self._cache.clear()
            self.hits = self.misses = 0
