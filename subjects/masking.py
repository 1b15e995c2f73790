"""How a subject's personal data is shown to someone who may not see it in full.

Personal data here is what identifies or reaches a person (《个人信息保护法》 第五十一条: the
handler limits who may see it and protects it by de-identification): an individual's resident
ID number and home address, and any subject's contact phone (often a person's own mobile).
An enterprise's code and registered address are public registration data and stay in full.

Who may see the full values is `accounts.permissions.can_unmask_personal_data`; every full view
is audited by `subjects.services.subject_reveal_personal_data`.
"""

from __future__ import annotations

import re

from subjects.identifiers import mask_id_number
from subjects.models import Subject

#: The fields `mask_subject` masks and `subject_reveal_personal_data` reveals (and audits).
PERSONAL_FIELDS = ("code", "address", "contact_phone")


def mask_phone(phone: str) -> str:
    """`138****5678`: the first three and last four digits kept, the rest starred."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str) -> str:
    """The first six characters (province, city, county) kept: where, but not which door."""
    text = (address or "").strip()
    if len(text) <= 6:
        return "*" * len(text)
    return text[:6] + "*" * min(8, len(text) - 6)


def mask_subject(subject: Subject) -> dict[str, str]:
    """The personal fields of `subject` as anyone may see them (empty stays empty)."""
    individual = subject.kind == Subject.Kind.INDIVIDUAL
    return {
        "code": mask_id_number(subject.code) if individual else subject.code,
        "address": mask_address(subject.address) if individual else subject.address,
        "contact_phone": mask_phone(subject.contact_phone),
    }


def masked_fields(subject: Subject) -> list[str]:
    """The personal fields whose masked form differs from the stored value."""
    shown = mask_subject(subject)
    return [f for f in PERSONAL_FIELDS if shown[f] != getattr(subject, f)]
