"""`subjects.identifiers` is the historic import path of the code validator, which now lives in
`common.identifiers` (its own tests are `common/tests/test_identifiers.py`)."""

from __future__ import annotations

import pytest

import common.identifiers as moved
import subjects.identifiers as old
from common.errors import ValidationFailed


def test_subjects_identifiers_re_exports_the_common_validator() -> None:
    """The old import path gives the very same objects, so existing imports keep working."""
    for name in old.__all__:
        assert getattr(old, name) is getattr(moved, name)
    assert old.validate_uscc("91350100M000100Y43").code == "91350100M000100Y43"
    with pytest.raises(ValidationFailed):
        old.validate_uscc("91350100M000100Y4Z")
