"""Form fields every app's forms share, so each door accepts and refuses the same input."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.limits import EARLIEST_DATE, LATEST_DATE
from common.text import clean_line, strip_invisible

__all__ = ["AMOUNT_DIGITS", "EARLIEST_DATE", "LATEST_DATE", "AmountField", "CleanCharField",
           "DateInput", "LenientDateField", "check_date_range", "parse_date"]

#: An amount in yuan as the records table keeps it (DECIMAL(14, 2)); the API says the same.
AMOUNT_DIGITS = _("Too many digits: at most 12 before the decimal point and 2 after it.")


_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: str) -> dt.date | None:
    """A date as the browser's date input and Chinese users type it: `2026-12-02`,
    `2026/12/02`, `2026.12.2`, `2026年12月2日`, `20261202`; None when it is not one of these
    forms or not a real day (30 February)."""
    text = clean_line(value).replace(" ", "")
    for pattern in _DATE_FORMS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def check_date_range(value: dt.date) -> None:
    """Refuse a date outside the plausible range (a `0001-01-01` typed by mistake)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("The date must lie between %(start)s and %(end)s."),
            code="date_range",
            params={"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()},
        )


class DateInput(forms.DateInput):
    """The browser's date picker; the value is always rendered as ISO so the picker shows it."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LenientDateField(forms.DateField):
    """A date field that accepts every form in `parse_date` and refuses implausible years."""

    widget = DateInput
    default_error_messages = {
        "invalid": _("Enter a date such as 2026-12-02, 2026/12/02 or 2026年12月2日."),
    }

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            check_date_range(value)


class CleanCharField(forms.CharField):
    """A text field that strips invisible/bidirectional controls; one-line unless `multiline`."""

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return text
        return strip_invisible(text).strip() if self.multiline else clean_line(text)


class AmountField(forms.DecimalField):
    """An amount in yuan (DECIMAL(14, 2)): Django's own words for too many digits ("确认总共不超过
    14 个数字.") told a clerk nothing about where; this says it as the API does."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        for code in ("max_digits", "max_whole_digits", "max_decimal_places"):
            self.error_messages[code] = AMOUNT_DIGITS
