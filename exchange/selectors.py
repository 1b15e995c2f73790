"""Reads the API needs beyond the apps' own selectors: turning codes in a request body into objects.

A system sending a record names its subject and type by code; when the code does not resolve,
the caller needs to know whether it mistyped the code (which check failed) or whether the
subject simply is not registered yet, so the refusal names the exact cause and field.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from exchange.change_models import ChangeEvent
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


# --- the change feed ------------------------------------------------------------------------
MAX_CHANGES = 1_000
CURSOR_PREFIX = "hc1:"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position behind an opaque cursor ("" = from the beginning); a cursor this platform
    did not give is refused (422), never read as the beginning."""
    cursor = (cursor or "").strip()
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text[len(CURSOR_PREFIX):] if text.startswith(CURSOR_PREFIX) else ""
    if not number.isdigit():
        raise ValidationFailed("invalid_cursor",
                               _("This cursor was not given by the change feed; start without "
                                 "one or use the next_cursor of the last answer."),
                               field="cursor")
    return int(number)


def changes_after(*, cursor: str, limit: int = 100) -> dict[str, Any]:
    """The sequenced changes after `cursor`, oldest first, at most `limit`, with the cursor to
    resume from (the same one when nothing new) and whether more are waiting. Callers run
    `exchange.services.sequence_changes` first so that what has committed is in order."""
    after = decode_cursor(cursor)
    limit = max(1, min(int(limit), MAX_CHANGES))
    rows = list(ChangeEvent.objects.filter(position__gt=after).order_by("position")[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].position if rows else after
    return {
        "items": [{"cursor": encode_cursor(r.position), "kind": r.kind, "action": r.action,
                   "object_id": r.object_id, "occurred_at": r.occurred_at, "data": r.payload}
                  for r in rows],
        "next_cursor": encode_cursor(last) if last else "",
        "has_more": more,
    }
