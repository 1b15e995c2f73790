"""Template words for audit events: `{{ e.action|action_label }}` and
`{{ e.target_type|target_label }}` (the codes stay in the log; pages show what they mean,
`audit.actions`)."""

from __future__ import annotations

from django import template

from audit import actions

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return actions.action_label(code)


@register.filter
def target_label(target_type: str) -> str:
    return actions.target_label(target_type)
