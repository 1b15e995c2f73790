"""Shapes every API app shares: the error body, page limits, and length-limited text without
control characters.

Input limits mirror the database columns so that an over-long or malformed value is a 422 here
rather than a database error (PostgreSQL refuses over-long varchars and NUL characters, SQLite
does not: the API must answer the same on both).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # keeps OFFSET inside a 64-bit integer on every database
# For query and path parameters: no control characters (PostgreSQL refuses NUL in text).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"


def _no_control_characters(value: str) -> str:
    """NUL and other C0 controls (tab and newlines aside) never belong in a record or a name."""
    if any(ord(c) < 32 and c not in "\t\r\n" for c in value):
        raise ValueError("control characters are not allowed")
    return value


_clean = AfterValidator(_no_control_characters)
# Strings of at most N characters without control characters (N = the column's length).
Text20 = Annotated[str, Field(max_length=20), _clean]
Text30 = Annotated[str, Field(max_length=30), _clean]
Text40 = Annotated[str, Field(max_length=40), _clean]
Text64 = Annotated[str, Field(max_length=64), _clean]
Text100 = Annotated[str, Field(max_length=100), _clean]
Text200 = Annotated[str, Field(max_length=200), _clean]
Text300 = Annotated[str, Field(max_length=300), _clean]
LongText = Annotated[str, Field(max_length=10_000), _clean]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]


# --- errors -----------------------------------------------------------------------------------
class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `duplicate_record`.")
    field: str | None = Field(description="The input field concerned, if any.")
    message: str = Field(description="Human-readable message in the request's language.")


class ErrorOut(Schema):
    error: ErrorDetail
