"""Choice labels (`get_FOO_display()`) looked up once per value and language.

Why: Django's `Model._get_FIELD_display` rebuilds a dict of the field's choices on every call,
hashing each lazy label, which translates it; three such labels were a tenth of the CPU of an
API credit check. A field's choices are fixed in code, so the label of a value in a language is
computed once per process. The answer is the same text `get_FOO_display()` gives
(`approvals/tests/test_labels.py`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils import translation

_labels: dict[tuple[Any, ...], str] = {}


def choice_label(instance: Model, field_name: str) -> str:
    """`str(instance.get_<field_name>_display())`, kept per (model, field, value, language)."""
    value = getattr(instance, field_name)
    key = (type(instance), field_name, value, translation.get_language())
    try:
        return _labels[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value: no caching
        return str(getattr(instance, f"get_{field_name}_display")())
    label = str(getattr(instance, f"get_{field_name}_display")())
    if len(_labels) > 5000:
        _labels.clear()
    _labels[key] = label
    return label
