"""Template helpers of the monitoring pages."""

from __future__ import annotations

from typing import Any

from django import template

from monitoring.tables import cell_text

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """A table cell as text: dates in ISO form, empty values as a dash."""
    return cell_text(value)


@register.filter
def percent(value: Any) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
