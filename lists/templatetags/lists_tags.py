"""`{% subject_lists subject %}`: the subject page's fragment of list memberships."""

from __future__ import annotations

from typing import Any

from django import template

from lists.selectors import subject_lists as select_subject_lists

register = template.Library()


@register.inclusion_tag("lists/_subject_lists.html", takes_context=True)
def subject_lists(context: Any, subject: Any) -> dict[str, Any]:
    """Black, red, key-supervision entries, sanctions and published cases of `subject`."""
    request = context.get("request")
    lists = select_subject_lists(subject=subject, user=getattr(request, "user", None))
    on_lists = any(v for k, v in lists.items() if k not in ("repairable", "repairable_count"))
    return {"lists": lists, "any": on_lists, "request": request}
