"""Reads the API needs beyond the apps' own selectors: turning codes in a request body into objects.

A system sending a record names its subject and type by code; when the code does not resolve,
the caller needs to know whether it mistyped the code (which check failed) or whether the
subject simply is not registered yet, so the refusal names the exact cause and field.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from records.models import RecordType
from subjects.identifiers import validate_id_number, validate_uscc
from subjects.models import Subject
from subjects.selectors import get_subject

# How far a validator got before refusing: the one that got furthest is the likelier intent
# (an 18-digit string is both a mistyped ID number and a mistyped USCC).
_STAGES = ["bad_length", "bad_character", "bad_authority", "bad_type", "bad_region",
           "bad_birth_date", "bad_check_character"]


def _format_error(code: str) -> ValidationFailed | None:
    """The identifier validator's refusal for a code neither kind accepts, else None."""
    errors: list[ValidationFailed] = []
    for validate in (validate_uscc, validate_id_number):
        try:
            validate(code)
        except ValidationFailed as exc:
            errors.append(exc)
        else:
            return None
    return max(errors, key=lambda e: _STAGES.index(e.code) if e.code in _STAGES else -1)


def subject_for_input(*, code: str, field: str) -> Subject:
    """The subject a request names by code; a malformed code reports the validator's reason."""
    try:
        return get_subject(code=code)
    except NotFound:
        error = _format_error(code)
    if error is not None:
        raise ValidationFailed(error.code, error.message, field=field)
    raise ValidationFailed(
        "subject_not_found",
        _("No credit subject with this code is registered; register it first."), field=field,
    )


def record_type_for_input(*, code: str, field: str = "record_type") -> RecordType:
    """A catalogue entry by code (inactive ones too: `record_create` explains why they fail)."""
    record_type = RecordType.objects.filter(code=code.strip()).first()
    if record_type is None:
        raise ValidationFailed(
            "unknown_record_type",
            _("%(code)s is not a record type in the catalogue.") % {"code": code}, field=field,
        )
    return record_type
