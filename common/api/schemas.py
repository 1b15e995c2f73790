"""Shapes every API app shares: the error body, page limits, and length-limited text without
control characters.

Input limits mirror the database columns so that an over-long or malformed value is a 422 here
rather than a database error (PostgreSQL refuses over-long varchars and NUL characters, SQLite
does not: the API must answer the same on both).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from common.limits import COMMENT, EARLIEST_DATE, LATEST_DATE, LONG_TEXT
from common.text import strip_invisible

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # keeps OFFSET inside a 64-bit integer on every database
# For query and path parameters: no control characters (PostgreSQL refuses NUL in text).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"


def _clean_text(value: str) -> str:
    """Invisible and bidirectional control characters (U+202E, U+200B, NUL, …) are stripped,
    exactly as the web forms and the services strip them (`common.text.strip_invisible`):
    the same input gets the same answer at every door."""
    return strip_invisible(value)


#: The error type of a validator's refusal worded for the caller: the API's error body shows
#: its message as it is (the web form's wording for the same input), not "malformed".
INPUT_PROBLEM = "input_problem"


def _plausible_date(value: dt.date) -> dt.date:
    """The web forms' date range (`common.limits`), so `0001-01-01` is refused here too, with
    the form's message (`common.forms.check_date_range`)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(INPUT_PROBLEM, str(
            _("The date must lie between %(start)s and %(end)s.") % {
                "start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()}))
    return value


_clean = AfterValidator(_clean_text)
# Strings of at most N characters, cleaned (N = the column's length); `Required*` ones must not
# be empty (the server refuses an empty name or code, so the schema says so too).
Text20 = Annotated[str, Field(max_length=20), _clean]
Text30 = Annotated[str, Field(max_length=30), _clean]
Text40 = Annotated[str, Field(max_length=40), _clean]
Text64 = Annotated[str, Field(max_length=64), _clean]
Text100 = Annotated[str, Field(max_length=100), _clean]
Text200 = Annotated[str, Field(max_length=200), _clean]
Text300 = Annotated[str, Field(max_length=300), _clean]
RequiredText40 = Annotated[str, Field(min_length=1, max_length=40), _clean]
RequiredText64 = Annotated[str, Field(min_length=1, max_length=64), _clean]
RequiredText100 = Annotated[str, Field(min_length=1, max_length=100), _clean]
RequiredText200 = Annotated[str, Field(min_length=1, max_length=200), _clean]
LongText = Annotated[str, Field(max_length=LONG_TEXT), _clean]
Comment = Annotated[str, Field(max_length=COMMENT), _clean]
PlausibleDate = Annotated[dt.date, AfterValidator(_plausible_date)]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]


# --- errors -----------------------------------------------------------------------------------
class ErrorDetail(Schema):
    code: str = Field(description=_("Stable machine-readable code, e.g. `duplicate_record`."))
    field: str | None = Field(description=_("The input field concerned, if any."))
    message: str = Field(description=_("Human-readable message in the request's language."))


class ErrorOut(Schema):
    error: ErrorDetail
