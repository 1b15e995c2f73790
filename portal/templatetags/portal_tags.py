"""Filters that apply the public site's masking rules in templates (`portal.selectors`)."""

from __future__ import annotations

from typing import Any

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


@register.simple_tag
def may_issue_reports(user: Any) -> bool:
    from accounts.permissions import can_issue_reports

    return can_issue_reports(user)


@register.simple_tag
def may_revoke_documents(user: Any) -> bool:
    from accounts.permissions import can_revoke_documents

    return can_revoke_documents(user)


@register.simple_tag
def issued_documents(subject: Subject, limit: int = 10) -> list[tuple[Any, Any]]:
    """The subject's latest issued documents with their validity today (staff panel)."""
    from portal.models import VerifiableDocument
    from portal.reports import document_status

    documents = VerifiableDocument.objects.filter(subject=subject).order_by("-issued_at", "-id")
    return [(d, document_status(document=d)) for d in documents[:limit]]


@register.simple_tag
def site_today() -> Any:
    """Today by the platform's clock, for the footer of a page whose view did not pass `today`
    (the 429 page, which `common.throttle` renders without the portal's context)."""
    from common import clock

    return clock.today()
