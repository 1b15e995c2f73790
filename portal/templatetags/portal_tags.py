"""Filters that apply the public site's masking rules in templates (`portal.selectors`)."""

from __future__ import annotations

from django import template

from portal import selectors
from subjects.models import Subject

register = template.Library()


@register.filter
def public_name(subject: Subject) -> str:
    return selectors.public_name(subject)


@register.filter
def public_code(subject: Subject) -> str:
    return selectors.public_code(subject)


@register.filter
def scrub(text: str) -> str:
    return selectors.scrub(str(text or ""))


@register.filter
def mask_phone(phone: str) -> str:
    return selectors.mask_phone(phone)
