"""The subject codes' validator, re-exported from `common.identifiers` where it now lives.

The code moved to `common` because `accounts` (left of `subjects` in the flow) validates a
department's credit code with it; the many `from subjects.identifiers import …` lines of the
subject, record, check and exchange code keep working through this module.
"""

from __future__ import annotations

from common.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    ORG_WEIGHTS,
    PROVINCES,
    USCC_CHARSET,
    USCC_TYPES,
    USCC_WEIGHTS,
    CheckedCode,
    check_region,
    id_check_char,
    looks_like_code,
    mask_id_number,
    normalise,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_subject_code,
    validate_uscc,
)

__all__ = [
    "ID_CHECK", "ID_WEIGHTS", "ORG_WEIGHTS", "PROVINCES", "USCC_CHARSET", "USCC_TYPES",
    "USCC_WEIGHTS", "CheckedCode", "check_region", "id_check_char", "looks_like_code",
    "mask_id_number", "normalise", "org_code_check_char", "uscc_check_char",
    "validate_id_number", "validate_subject_code", "validate_uscc",
]
